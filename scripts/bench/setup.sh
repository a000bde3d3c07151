#!/bin/sh
# Installs the peer tools the benchmarks compare dmaown with (Debian/Ubuntu, as root).
#   pciutils  -> lspci (and /usr/share/misc/pci.ids via pci.ids)
#   driverctl -> driverctl list-devices
#   dpdk      -> dpdk-devbind.py --status
#   hyperfine -> CLI cold-start timing (optional; run.js falls back to a process.hrtime loop)
#   time      -> /usr/bin/time -v for peak RSS of the peers
# unshare (util-linux) is needed to give each tool a private /sys; it is part of every Debian base.
set -eu
if [ "$(id -u)" != 0 ]; then echo "setup.sh: run as root (apt-get, and the benchmarks need unshare -m)" >&2; exit 1; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends pciutils pci.ids driverctl dpdk hyperfine time util-linux
for t in lspci driverctl dpdk-devbind.py hyperfine /usr/bin/time unshare; do
  if command -v "$t" >/dev/null 2>&1; then echo "ok: $t"; else echo "missing: $t (the benchmark that needs it will be skipped)"; fi
done

#!/bin/bash
# Fetch the Debian guest kernels with apt, through a private sources list and state dir (the
# machine's own apt sources are never touched), and unpack each into $CACHE/kernels/<label>/:
#   vmlinuz, release (uname -r), source (free text for the trace), root/ (the unpacked package).
# Also downloads linux-source-6.12 for build-iommufd-kernel.sh.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${RECORD_CACHE:-/work/record-cache}
A=$CACHE/apt
mkdir -p "$A/lists/partial" "$A/cache/archives/partial" "$CACHE/debs"
K=/usr/share/keyrings/debian-archive-keyring.gpg
cat > "$A/sources.list" <<SRC
deb [signed-by=$K] http://deb.debian.org/debian bullseye main
deb [signed-by=$K] http://deb.debian.org/debian-security bullseye-security main
deb [signed-by=$K] http://deb.debian.org/debian bookworm main
deb [signed-by=$K] http://deb.debian.org/debian-security bookworm-security main
deb [signed-by=$K] http://deb.debian.org/debian bookworm-backports main
SRC
APT=(-o Dir::Etc::SourceList="$A/sources.list" -o Dir::Etc::SourceParts=/dev/null
     -o Dir::State::Lists="$A/lists" -o Dir::Cache="$A/cache" -o Dir::State::status=/dev/null)
apt-get "${APT[@]}" update
# label  package  suite (for the trace's "source")
KERNELS=(
  "5.10 linux-image-5.10.0-46-amd64 bullseye-security"
  "6.1 linux-image-6.1.0-56-amd64 bookworm-security"
  "6.12 linux-image-6.12.117+deb12-amd64 bookworm-security"
)
cd "$CACHE/debs"
pkgs=(linux-source-6.12)
for k in "${KERNELS[@]}"; do set -- $k; pkgs+=("$2"); done
apt-get "${APT[@]}" download "${pkgs[@]}"
. "$HERE/unpack-kernels.sh"
unpack_kernels "$CACHE"/debs "QEMU 7.2 q35 + intel-iommu (TCG)"

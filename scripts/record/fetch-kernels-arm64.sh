#!/bin/bash
# Fetch the Debian arm64 guest kernels and busybox-static:arm64 with apt, through a private
# sources list and state dir for arm64 (the machine's own apt sources and architectures are never
# touched), and unpack each kernel into $CACHE/kernels/<label>/ as fetch-kernels.sh does:
#   vmlinuz (an uncompressed arm64 Image: QEMU 7.2 boots it with -kernel), release, source, root/.
# busybox goes to $CACHE/arm64/busybox for make-initramfs.sh.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${RECORD_CACHE:-/work/record-cache}
A=$CACHE/apt-arm64
mkdir -p "$A/lists/partial" "$A/cache/archives/partial" "$CACHE/debs-arm64" "$CACHE/arm64"
K=/usr/share/keyrings/debian-archive-keyring.gpg
cat > "$A/sources.list" <<SRC
deb [arch=arm64 signed-by=$K] http://deb.debian.org/debian bookworm main
deb [arch=arm64 signed-by=$K] http://deb.debian.org/debian-security bookworm-security main
SRC
APT=(-o Dir::Etc::SourceList="$A/sources.list" -o Dir::Etc::SourceParts=/dev/null
     -o Dir::State::Lists="$A/lists" -o Dir::Cache="$A/cache" -o Dir::State::status=/dev/null
     -o APT::Architecture=arm64 -o APT::Architectures=arm64)
apt-get "${APT[@]}" update
# label  package  suite (for the trace's "source")
KERNELS=(
  "arm64-6.1 linux-image-6.1.0-56-arm64 bookworm-security"
  "arm64-6.12 linux-image-6.12.117+deb12-arm64 bookworm-security"
)
cd "$CACHE/debs-arm64"
pkgs=(busybox-static)
for k in "${KERNELS[@]}"; do set -- $k; pkgs+=("$2"); done
apt-get "${APT[@]}" download "${pkgs[@]}"
bb=$(mktemp -d /tmp/busybox-arm64.XXXXXX)
dpkg-deb -x "$(ls "$CACHE"/debs-arm64/busybox-static_*_arm64.deb | head -n1)" "$bb"
cp "$bb/bin/busybox" "$CACHE/arm64/busybox"
rm -rf "$bb"
. "$HERE/unpack-kernels.sh"
unpack_kernels "$CACHE"/debs-arm64 "QEMU 7.2 virt + SMMUv3 + GICv3 ITS (TCG, device tree)"

#!/bin/bash
# Build the 6.12 guest kernel with CONFIG_IOMMUFD and CONFIG_VFIO_DEVICE_CDEV (Debian's 6.12 has
# neither) from Debian's linux-source-6.12: allnoconfig + iommufd.config, everything built in.
# Output: $CACHE/kernels/6.12-iommufd/{vmlinuz,release}. Needs flex bison bc libelf-dev libssl-dev.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${RECORD_CACHE:-/work/record-cache}
JOBS=${JOBS:-2}
SRC=$CACHE/src/linux-source-6.12
if [ ! -d "$SRC" ]; then
  mkdir -p "$CACHE/src"
  dpkg-deb -x "$CACHE"/debs/linux-source-6.12_*.deb "$CACHE/src"
  tar -C "$CACHE/src" -xJf "$CACHE/src/usr/src/linux-source-6.12.tar.xz"
fi
OUT=$CACHE/build/6.12-iommufd
mkdir -p "$OUT" "$CACHE/kernels/6.12-iommufd"
make -C "$SRC" O="$OUT" allnoconfig
"$SRC/scripts/kconfig/merge_config.sh" -m -O "$OUT" "$OUT/.config" "$HERE/iommufd.config"
make -C "$SRC" O="$OUT" olddefconfig
# Every line of the fragment must have survived olddefconfig (a missing dependency drops it).
missing=0
while IFS= read -r line; do
  case "$line" in CONFIG_*=n) ! grep -q "^${line%%=*}=y" "$OUT/.config" || { echo "not off: $line"; missing=1; } ;;
                  CONFIG_*) grep -qxF "$line" "$OUT/.config" || { echo "missing: $line"; missing=1; } ;; esac
done < "$HERE/iommufd.config"
[ "$missing" = 0 ] || { echo "config fragment not satisfied" >&2; exit 1; }
nice -n 10 make -C "$SRC" O="$OUT" -j"$JOBS" bzImage
cp "$OUT/arch/x86/boot/bzImage" "$CACHE/kernels/6.12-iommufd/vmlinuz"
make -s -C "$SRC" O="$OUT" kernelrelease > "$CACHE/kernels/6.12-iommufd/release"
V=$(dpkg-deb -f "$CACHE"/debs/linux-source-6.12_*.deb Version)
echo "QEMU 7.2 q35 + intel-iommu (TCG), kernel $(cat "$CACHE/kernels/6.12-iommufd/release" | cut -d- -f1) built from Debian's linux-source-6.12 $V (bookworm-security) with CONFIG_IOMMUFD=y and CONFIG_VFIO_DEVICE_CDEV=y (allnoconfig + scripts/record/iommufd.config, everything built in; legacy VFIO group/container kept)" > "$CACHE/kernels/6.12-iommufd/source"
echo "built $(cat "$CACHE/kernels/6.12-iommufd/release")"

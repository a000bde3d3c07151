#!/bin/bash
# Build the guest initramfs for one kernel label: busybox (busybox-static), the static recorder
# helper (guest/*.c, gcc -static, 6.12 uapi headers), the scenario scripts, /init, and for the
# Debian kernels the modules a scenario needs (decompressed, in modprobe --show-depends order).
# Labels arm64-*: the helper cross-compiled (gcc-aarch64-linux-gnu), busybox from
# fetch-kernels-arm64.sh, and first the virtio-mmio console modules (the data port, /dev/hvc0).
# Output: $CACHE/kernels/<label>/initrd.gz
set -euo pipefail
LABEL=$1
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${RECORD_CACHE:-/work/record-cache}
K=$CACHE/kernels/$LABEL
REL=$(cat "$K/release")
SRC612=$CACHE/src/linux-source-6.12
# uapi headers for the helper, sanitised the way headers_install does for the parts we use.
mkdir -p "$CACHE/uapi/linux"
for h in vfio.h iommufd.h; do sed -e 's/__user//g' "$SRC612/include/uapi/linux/$h" > "$CACHE/uapi/linux/$h"; done
case "$LABEL" in
  arm64-*) CC=aarch64-linux-gnu-gcc BUSYBOX=$CACHE/arm64/busybox HELPER=$CACHE/dmaown-rec-arm64
           PORT=/dev/hvc0 EXTRA=(virtio_mmio virtio_console) ;;
  *)       CC=gcc BUSYBOX=/bin/busybox HELPER=$CACHE/dmaown-rec PORT=/dev/ttyS1 EXTRA=() ;;
esac
$CC -static -pthread -O2 -Wall -Wno-format-truncation -I"$CACHE/uapi" -o "$HELPER" "$HERE"/guest/*.c

R=$(mktemp -d /tmp/recorder-initrd.XXXXXX)
trap 'rm -rf "$R"' EXIT
mkdir -p "$R"/{bin,proc,sys,dev,lib/mod,scenarios,tmp}
cp "$BUSYBOX" "$R/bin/busybox"
for a in sh mount insmod poweroff sleep cat echo grep sed dmesg; do ln -s busybox "$R/bin/$a"; done
cp "$HELPER" "$R/bin/dmaown-rec"
echo "$PORT" > "$R/dataport"
# The scenarios as this label runs them (record.sh hands the same files to to-trace.mjs):
# for arm64-* the group numbers of scenarios/arm64-virt.map.
SCN=$CACHE/scenarios/$LABEL
rm -rf "$SCN" && mkdir -p "$SCN"
for f in "$HERE"/scenarios/*.scn; do
  case "$LABEL" in
    arm64-*) node "$HERE/map-groups.mjs" "$HERE/scenarios/arm64-virt.map" "$(basename "$f" .scn)" < "$f" > "$SCN/$(basename "$f")" ;;
    *) cp "$f" "$SCN/" ;;
  esac
done
cp "$SCN"/*.scn "$R/scenarios/"
: > "$R/modules"
if [ -d "$K/root/lib/modules/$REL" ]; then
  for m in "${EXTRA[@]}" e1000 e1000e vfio-pci vfio_iommu_type1 pci-stub; do
    modprobe -d "$K/root" -S "$REL" --show-depends "$m"
  done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' | while read -r ko; do
    base=$(basename "$ko"); base=${base%.xz}; base=${base%.zst}
    case "$ko" in *.xz) xz -dc "$ko" > "$R/lib/mod/$base" ;; *.zst) zstd -dqc "$ko" > "$R/lib/mod/$base" ;;
                  *) cp "$ko" "$R/lib/mod/$base" ;; esac
    echo "$base" >> "$R/modules"
  done
fi
cp "$HERE/guest/init" "$R/init"
chmod +x "$R/init"
(cd "$R" && find . | cpio -o -H newc --quiet | gzip -1) > "$K/initrd.gz"
echo "initrd for $LABEL ($REL): $(wc -l < "$R/modules") modules, $(du -h "$K/initrd.gz" | cut -f1)"

#!/bin/bash
# Build the guest initramfs for one kernel label: busybox (busybox-static), the static recorder
# helper (guest/*.c, gcc -static, 6.12 uapi headers), the scenario scripts, /init, and for the
# Debian kernels the modules a scenario needs (decompressed, in modprobe --show-depends order).
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
gcc -static -pthread -O2 -Wall -Wno-format-truncation -I"$CACHE/uapi" -o "$CACHE/dmaown-rec" "$HERE"/guest/*.c

R=$(mktemp -d /tmp/recorder-initrd.XXXXXX)
trap 'rm -rf "$R"' EXIT
mkdir -p "$R"/{bin,proc,sys,dev,lib/mod,scenarios,tmp}
cp /bin/busybox "$R/bin/busybox"
for a in sh mount insmod poweroff sleep cat echo grep sed dmesg; do ln -s busybox "$R/bin/$a"; done
cp "$CACHE/dmaown-rec" "$R/bin/dmaown-rec"
cp "$HERE"/scenarios/*.scn "$R/scenarios/"
: > "$R/modules"
if [ -d "$K/root/lib/modules/$REL" ]; then
  for m in e1000 e1000e vfio-pci vfio_iommu_type1 pci-stub; do
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

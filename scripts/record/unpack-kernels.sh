# Sourced by fetch-kernels.sh and fetch-kernels-arm64.sh: unpack each kernel package of KERNELS
# ("label package suite") from DEBDIR into $CACHE/kernels/<label>/ — vmlinuz, release (uname -r),
# source (free text for the trace: MACHINE, then the Debian version), root/ (the unpacked package,
# with depmod run so the guest can modprobe).
unpack_kernels() {
  local debdir=$1 machine=$2 k deb out rel
  for k in "${KERNELS[@]}"; do
    set -- $k
    deb=$(ls "$debdir"/"$2"_*.deb | head -n1)
    out=$CACHE/kernels/$1
    rm -rf "$out" && mkdir -p "$out"
    dpkg-deb -x "$deb" "$out/root"
    rel=${2#linux-image-}
    cp "$out/root/boot/vmlinuz-$rel" "$out/vmlinuz"
    echo "$rel" > "$out/release"
    depmod -b "$out/root" "$rel"
    echo "$machine, Debian kernel $(dpkg-deb -f "$deb" Version) ($2, $3)" > "$out/source"
    echo "unpacked $1: $rel"
  done
}

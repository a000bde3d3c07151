#!/bin/bash
# record.sh LABEL SCENARIO... — boot the LABEL guest once per scenario under QEMU (TCG, one vCPU)
# and write conformance/<LABEL>/<SCENARIO>.json. Needs fetch-kernels.sh (and for 6.12-iommufd,
# build-iommufd-kernel.sh; for arm64-* labels fetch-kernels-arm64.sh) and make-initramfs.sh LABEL first. Console and data-port logs stay in
# $CACHE/runs/<LABEL>/. Never runs two QEMUs at once.
set -euo pipefail
LABEL=$1; shift
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=${RECORD_CACHE:-/work/record-cache}
K=$CACHE/kernels/$LABEL
RUNS=$CACHE/runs/$LABEL
mkdir -p "$RUNS" "$REPO/conformance/$LABEL"
# Topology of shared/hosts/qemu-q35-*.json: group {00:05.0, 00:05.1} (multifunction, no ACS),
# RCiEP e1000e 00:05.2, root port 00:06.0 > PCIe-to-PCI bridge 01:00.0 > e1000 02:01.0 02:02.0,
# root port 00:07.0 without ACS > e1000e 03:00.0, root port 00:08.0 with ACS > e1000e 04:00.0.
PCI=(
  -device e1000,bus=pcie.0,addr=05.0,multifunction=on
  -device e1000,bus=pcie.0,addr=05.1
  -device e1000e,bus=pcie.0,addr=05.2
  -device pcie-root-port,id=rp6,bus=pcie.0,addr=06.0,chassis=6
  -device pcie-pci-bridge,id=br1,bus=rp6
  -device e1000,bus=br1,addr=01.0
  -device e1000,bus=br1,addr=02.0
  -device pcie-root-port,id=rp7,bus=pcie.0,addr=07.0,chassis=7,disable-acs=on
  -device e1000e,bus=rp7
  -device pcie-root-port,id=rp8,bus=pcie.0,addr=08.0,chassis=8
  -device e1000e,bus=rp8
)
for S in "$@"; do
  rm -f "$RUNS/$S".{console,data}
  start=$(date +%s)
  case "$LABEL" in
  arm64-*)
  # The same PCI topology on arm64 virt: SMMUv3 on the PCIe root complex, GICv3 with an ITS (MSI),
  # device tree (no firmware). virt has one UART, the kernel console; the data port is a virtio
  # console on virtio-mmio, which adds no PCI function. SysRq-B ends the guest (reset, -no-reboot).
  timeout 900 qemu-system-aarch64 -nodefaults -no-reboot -display none \
    -machine virt,iommu=smmuv3,gic-version=3,its=on -cpu cortex-a57 -accel tcg -smp 1 -m 768M \
    -device virtio-serial-device -chardev "file,id=data,path=$RUNS/$S.data" -device virtconsole,chardev=data \
    "${PCI[@]}" -serial "file:$RUNS/$S.console" \
    -kernel "$K/vmlinuz" -initrd "$K/initrd.gz" \
    -append "console=ttyAMA0 panic=-1 dmaown.scenario=$S" || true ;;
  *)
  timeout 240 qemu-system-x86_64 -nodefaults -no-reboot -display none \
    -machine q35,kernel-irqchip=split -accel tcg -smp 1 -m 768M \
    -device intel-iommu,intremap=on -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    "${PCI[@]}" -serial "file:$RUNS/$S.console" -serial "file:$RUNS/$S.data" \
    -kernel "$K/vmlinuz" -initrd "$K/initrd.gz" \
    -append "console=ttyS0 intel_iommu=on panic=-1 dmaown.scenario=$S" || true ;;  # isa-debug-exit makes QEMU exit with 1
  esac
  echo "$LABEL $S: guest ran $(( $(date +%s) - start )) s"
  node "$HERE/to-trace.mjs" --scenario "$CACHE/scenarios/$LABEL/$S.scn" --data "$RUNS/$S.data" \
    --console "$RUNS/$S.console" --source "$(cat "$K/source")" \
    --out "$REPO/conformance/$LABEL/$S.json" || echo "$LABEL $S: NO TRACE"
done

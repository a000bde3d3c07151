// capture.mjs — the host half of a guest sysfs-capture/1 (the guest half is guest/rec-capture.c).
// Lines: "@CL path target" link, "@CF path hex" text file, "@CB path hex" binary file,
// "@CD path" empty directory, "@CE path ERRNO" unreadable file. Paths are relative to /sys.

/** Entries object of a sysfs-capture/1, keys sorted, from the guest's capture lines. */
export function parseCapture(lines) {
  const entries = {};
  for (const line of lines) {
    if (!line) continue;
    const m = /^@C([LFBDE]) (\S+)(?: (.*))?$/.exec(line);
    if (!m) throw new Error(`capture: bad line ${JSON.stringify(line.slice(0, 80))}`);
    const [, kind, path, rest = ''] = m;
    if (kind === 'L') entries[path] = { link: rest };
    else if (kind === 'F') entries[path] = Buffer.from(rest, 'hex').toString('utf8');
    else if (kind === 'B') entries[path] = { hex: rest.toLowerCase() };
    else if (kind === 'D') entries[path] = { dir: true };
    else entries[path] = { error: rest };
  }
  return Object.fromEntries(Object.keys(entries).sort().map((k) => [k, entries[k]]));
}

const KEEP = [/^intel_iommu=/, /^amd_iommu=/, /^iommu=/, /^iommu\./, /^vfio/, /^pci=/, /^pcie_acs_override=/];

/** Only the IOMMU/VFIO/PCI parameters of a kernel command line (sysfs-capture.md). */
export function filterCmdline(text) {
  return text.trim().split(/\s+/).filter((w) => KEEP.some((r) => r.test(w)));
}

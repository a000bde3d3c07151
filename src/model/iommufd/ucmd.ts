/**
 * Reading an ioctl's argument struct (`struct iommufd_ucmd`'s `cmd`, drivers/iommu/iommufd/main.c
 * `iommufd_fops_ioctl()` copies it zero-extended): the model receives the recorder's JSON, so each field
 * is parsed here — absent fields read 0 as in the zeroed struct, malformed ones are the caller's EINVAL.
 */

/** A u64 ioctl field: a number, a bigint or a decimal/0x string; absent → 0 (the zeroed struct). null if malformed. */
export function ucmdU64(arg: Readonly<Record<string, unknown>>, key: string): bigint | null {
  const v = arg[key];
  if (v === undefined) return 0n;
  if (typeof v === 'bigint') return v >= 0n ? v : null;
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 ? BigInt(v) : null;
  if (typeof v === 'string' && /^(0x[0-9a-f]+|\d+)$/i.test(v)) return BigInt(v);
  return null;
}

/** A flags field given by names (as the recorder writes them) or as a number: the set names, and any unknown. */
export function ucmdFlags(arg: Readonly<Record<string, unknown>>, names: readonly string[]): { set: Set<string>; unknown: string[] } {
  const v = arg['flags'];
  const set = new Set<string>(), unknown: string[] = [];
  if (Array.isArray(v)) for (const f of v) (names.includes(String(f)) ? set.add(String(f)) : unknown.push(String(f)));
  else if (typeof v === 'number') {
    names.forEach((n, i) => { if (v & (1 << i)) set.add(n); });
    if (v >>> names.length) unknown.push(`0x${(v >>> names.length << names.length).toString(16)}`);
  } else if (v !== undefined) unknown.push(String(v));
  return { set, unknown };
}

/** An object id argument (u32); malformed → null. */
export function ucmdId(arg: Readonly<Record<string, unknown>>, key: string): number | null {
  const v = ucmdU64(arg, key);
  return v === null || v > 0xffffffffn ? null : Number(v);
}

/** Safe to print as a JSON number, else a 0x string. */
export function outU64(v: bigint): number | string {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : `0x${v.toString(16)}`;
}

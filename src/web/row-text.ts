import type { DeviceData } from './report-data.js';

/** Characters of a row's text before it is clipped with '…' (the label column starts after it). */
export const MAX_TEXT = 62;

const short = (id: string): string => (id.startsWith('0000:') ? id.slice(5) : id);

/** The row's full text: BDF, [vendor:device], driver, then the names (or class) — what clipping cuts is the end of the names. */
export function rowText(id: string, kindName: string, d: DeviceData | null): string {
  if (d === null) return `${id} — ${kindName}`;
  const name = [d.vendorName, d.deviceName ?? d.className ?? `class ${d.class.slice(0, 4)}`].filter((x) => x !== null).join(' ');
  return `${short(id)} [${d.vendor}:${d.device}] ${d.driver ?? '(no driver)'} · ${name}`;
}

/** The text as the row shows it: room kept for a subtree's "+N below" and for the blocker's mark. */
export function shownText(full: string, hasKids: boolean, blocker: boolean): string {
  const max = MAX_TEXT - (hasKids ? 12 : 0) - (blocker ? 2 : 0);
  return full.length > max ? `${full.slice(0, max - 1)}…` : full;
}

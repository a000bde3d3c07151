import { err, ok, type Result } from '../model/errno.js';

/**
 * A duration as systemd and Prometheus write them: `90`, `90s`, `5m` or `5min`, `1h`, `1h30m`, `500ms`
 * (a bare number is seconds). Milliseconds out; at least `min`, at most 7 days.
 */
export function parseDuration(text: string, what: string, min = 1000): Result<number> {
  const t = text.trim();
  const unit: Record<string, number> = { ms: 1, s: 1000, sec: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };
  let ms = 0;
  if (/^\d+$/.test(t)) ms = Number(t) * 1000;
  else {
    const re = /(\d+)(ms|sec|s|min|m|h|d)/y;
    let pos = 0;
    while (pos < t.length) {
      re.lastIndex = pos;
      const m = re.exec(t);
      if (!m) return err('EINVAL', `${what} ${text}: not a duration (examples: 30s, 5m, 1h30m)`);
      ms += Number(m[1]) * (unit[m[2] as string] ?? 0);
      pos = re.lastIndex;
    }
    if (t.length === 0) return err('EINVAL', `${what}: empty duration`);
  }
  if (ms < min) return err('EINVAL', `${what} ${text}: at least ${min / 1000}s`);
  if (ms > 7 * 86_400_000) return err('EINVAL', `${what} ${text}: at most 7 days`);
  return ok(ms);
}

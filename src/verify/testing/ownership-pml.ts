/**
 * A test oracle: ../shared/spin/ownership.pml transcribed (bridge at device 0, BRKDMA 0), explored
 * breadth first — SPIN's counts without SPIN. `symmetric` counts the orbits under permutations of the
 * endpoints (the reduced space dmaown verify's symmetry reduction should find).
 */
const NONE = 0, KDMA = 1, STUB = 2, VFIO = 3, PORT = 4;

interface S { drv: number[]; devfd: number[]; gopen: number; cont: number; owner: number; ownerCnt: number; bug: number }

function successors(s: S, rules: 0 | 1 | 2): S[] {
  const out: S[] = [];
  if (s.bug) return out;
  const n = s.drv.length;
  const nvfio = s.drv.filter((d) => d === VFIO).length;
  const nfd = s.devfd.filter((f) => f).length;
  const vgrp = nvfio > 0 || s.gopen === 1 || s.cont === 1;
  const isBr = (d: number): boolean => d === 0;
  const viable = (t: S, d: number): boolean => t.drv[d] === NONE || t.drv[d] === STUB || t.drv[d] === VFIO || isBr(d);
  const cl = (): S => ({ ...s, drv: [...s.drv], devfd: [...s.devfd] });
  const unset = (t: S): void => { t.cont = 0; if (rules) { t.owner = 0; t.ownerCnt = 0; } };
  if (vgrp && !s.gopen && !s.cont) { const t = cl(); t.gopen = 1; out.push(t); }
  if (s.gopen) { const t = cl(); t.gopen = 0; if (s.cont && nfd === 0) unset(t); out.push(t); }
  if (s.gopen && !s.cont && (rules === 0 || s.ownerCnt === 0)) { const t = cl(); t.cont = 1; if (rules) { t.owner = 1; t.ownerCnt = 1; } out.push(t); }
  if (s.gopen && s.cont && nfd === 0) { const t = cl(); unset(t); out.push(t); }
  for (let d = 0; d < n; d++) {
    for (const [drv, match] of [[KDMA, !isBr(d)], [STUB, true], [VFIO, !isBr(d)], [PORT, isBr(d)]] as const) {
      if (s.drv[d] !== NONE || !match || (rules !== 0 && drv === KDMA && s.ownerCnt !== 0 && s.owner === 1)) continue;
      const t = cl();
      if (rules && drv === KDMA) t.ownerCnt++;
      t.drv[d] = drv;
      if (rules === 0) {
        const vg = t.drv.some((x) => x === VFIO) || t.gopen === 1 || t.cont === 1;
        if (vg && t.cont && !viable(t, d)) t.bug = 1;
      }
      out.push(t);
    }
    const unbindOk = s.drv[d] !== VFIO || (rules === 0 ? !s.devfd[d] && !(nvfio === 1 && s.cont) : !s.devfd[d]);
    if (s.drv[d] !== NONE && unbindOk) {
      const t = cl();
      if (s.drv[d] === VFIO && nvfio === 1 && rules === 2) { if (t.cont) unset(t); t.gopen = 0; }
      if (rules && s.drv[d] === KDMA) t.ownerCnt--;
      t.drv[d] = NONE;
      out.push(t);
    }
    if (s.gopen && s.cont && s.drv[d] === VFIO && !s.devfd[d] && (rules !== 0 || s.drv.every((_, i) => viable(s, i)))) {
      const t = cl(); t.devfd[d] = 1; out.push(t);
    }
    if (s.devfd[d]) { const t = cl(); t.devfd[d] = 0; if (!s.gopen && nfd - 1 === 0) unset(t); out.push(t); }
  }
  return out;
}

/** Reachable states and transitions as pan counts them (stored + matched), for N devices (device 0 a bridge). */
export function ownershipPml(n: number, rules: 0 | 1 | 2, symmetric = false): { states: number; transitions: number } {
  const key = (s: S): string => {
    if (!symmetric) return JSON.stringify(s);
    const e = s.drv.slice(1).map((d, i) => `${d}:${s.devfd[i + 1]}`).sort();
    return JSON.stringify([s.drv[0], s.devfd[0], e, s.gopen, s.cont, s.owner, s.ownerCnt, s.bug]);
  };
  const init: S = { drv: Array<number>(n).fill(NONE), devfd: Array<number>(n).fill(0), gopen: 0, cont: 0, owner: 0, ownerCnt: 0, bug: 0 };
  const seen = new Set([key(init)]);
  let frontier = [init], edges = 0;
  while (frontier.length > 0) {
    const next: S[] = [];
    for (const s of frontier) {
      for (const t of successors(s, rules)) {
        edges++;
        const k = key(t);
        if (!seen.has(k)) { seen.add(k); next.push(t); }
      }
    }
    frontier = next;
  }
  return { states: seen.size, transitions: edges + 1 };
}

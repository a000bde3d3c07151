// Benchmark 2: the tools people use today, on the very same trees, each seeing the tree as its /sys
// through a private mount namespace (unshare -m + bind mount). Measured pair by pair: dmaown then
// the peer, back to back, on the same tree; the ratio is peer/dmaown per pair, median over pairs.
// dmaown runs the same way (no --sysfs-root: it reads /sys), so both sides pay the same unshare cost.

import { checkReport, dmaownArgv, REPORT_ARGS } from './dmaown.mjs';
import { inPrivateSys, median, runTimed } from './proc.mjs';
import { execFileSync } from 'node:child_process';

/** The Arch wiki listing (wiki.archlinux.org/title/PCI_passthrough_via_OVMF, "Ensuring that the groups are valid"). */
export const ARCH_SCRIPT = `shopt -s nullglob
for g in $(find /sys/kernel/iommu_groups/* -maxdepth 0 -type d | sort -V); do
    echo "IOMMU Group \${g##*/}:"
    for d in $g/devices/*; do
        echo -e "\\t$(lspci -nns \${d##*/})"
    done;
done;`;

/**
 * Peers: argv, how to count progress in its output (for an estimate when it hits the time cap),
 * and the largest size it is run at (the per-device-lspci scripts are quadratic).
 */
export const PEERS = [
  { name: 'lspci -vmm -k -D', tool: 'lspci', argv: ['lspci', '-vmm', '-k', '-D'], maxN: Infinity },
  { name: 'dpdk-devbind.py --status', tool: 'dpdk-devbind.py', argv: ['dpdk-devbind.py', '--status'], maxN: Infinity },
  { name: 'driverctl list-devices', tool: 'driverctl', argv: ['driverctl', 'list-devices'], maxN: 10_000, progress: (r) => r.stdoutLines },
  { name: 'Arch-wiki group script', tool: 'lspci', argv: ['bash', '-c', ARCH_SCRIPT], maxN: 10_000,
    progress: (r) => r.stdout.split('\n').filter((l) => l.startsWith('\t')).length },
];

const have = (tool) => { try { execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }); return true; } catch { return false; } };

export async function benchPeers(ctx) {
  if (process.getuid?.() !== 0) return { skipped: 'needs root for unshare -m and mount --bind' };
  if (!have('unshare')) return { skipped: 'unshare (util-linux) not installed' };
  const rows = [];
  for (const n of ctx.sizes) {
    const host = ctx.host(n);
    const ns = (argv) => inPrivateSys(host.tree, argv);
    for (const peer of PEERS) {
      if (!have(peer.tool)) { rows.push({ n, peer: peer.name, skipped: `${peer.tool} not installed (scripts/bench/setup.sh)` }); continue; }
      if (n > peer.maxN) { rows.push({ n, peer: peer.name, skipped: `not run above ${peer.maxN} functions (lspci/fork per device: quadratic or minutes)` }); continue; }
      const pairs = [];
      let note = null;
      const reps = n >= 50_000 ? 1 : n >= 10_000 ? Math.min(ctx.reps, 3) : ctx.reps;
      for (let i = 0; i < reps; i++) {
        // Without a usable CLI the peers still run alone (absolute times, no ratio).
        const d = ctx.cliMissing ? { wallMs: NaN, maxRssKb: null } : await runTimed(ns(dmaownArgv(ctx.repo, ...REPORT_ARGS)), { timeoutMs: ctx.capMs * 3 });
        const bad = ctx.cliMissing ? null : checkReport(d, host.lastBdf);
        if (bad) { note = `dmaown: ${bad}`; break; }
        const p = await runTimed(ns(peer.argv), { timeoutMs: ctx.capMs, keepStdout: !!peer.progress });
        const pair = { dmaownMs: d.wallMs, dmaownRssMb: (d.maxRssKb ?? 0) / 1024, peerMs: p.wallMs, peerRssMb: (p.maxRssKb ?? 0) / 1024, timedOut: p.timedOut, code: p.code };
        if (p.timedOut) {
          const done = peer.progress ? peer.progress(p) : 0;
          pair.estimated = done > 0;
          pair.peerMs = done > 0 ? (p.wallMs * n) / done : p.wallMs;
          pair.done = done;
          note = done > 0 ? `hit the ${ctx.capMs / 1000} s cap after ${done}/${n} devices; time extrapolated linearly from that rate (a lower bound: each lspci also slows with n)`
            : `hit the ${ctx.capMs / 1000} s cap; the time is a lower bound`;
        } else if (p.code !== 0) {
          note = `exit ${p.code ?? p.signal}: ${p.stderr.trim().split('\n').filter((l) => !l.includes('libkmod')).slice(-1)[0] ?? ''}`;
        }
        pairs.push(pair);
        ctx.log(`  peers n=${n} ${peer.name}: dmaown ${ctx.cliMissing ? '(missing)' : d.wallMs.toFixed(0)} ms, peer ${pair.peerMs.toFixed(0)} ms${pair.estimated ? ' (est.)' : ''}${p.timedOut && !pair.estimated ? ' (cap)' : ''}`);
        if (p.timedOut || p.wallMs > ctx.capMs / 4) break; // one pair is enough for the slow ones
      }
      if (pairs.length === 0) { rows.push({ n, peer: peer.name, skipped: note }); continue; }
      rows.push({
        n, peer: peer.name, pairs: pairs.length,
        dmaownMs: median(pairs.map((p) => p.dmaownMs)), peerMs: median(pairs.map((p) => p.peerMs)),
        ratio: median(pairs.map((p) => p.peerMs / p.dmaownMs)),
        dmaownRssMb: Math.max(...pairs.map((p) => p.dmaownRssMb)), peerRssMb: Math.max(...pairs.map((p) => p.peerRssMb)),
        estimated: pairs.some((p) => p.estimated), lowerBound: pairs.some((p) => p.timedOut), note,
      });
    }
  }
  return { rows, cliMissing: ctx.cliMissing ?? null };
}

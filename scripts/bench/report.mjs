// Renders the results of a run as Markdown tables (pure: results object in, text out).

const ms = (v) => (v == null || Number.isNaN(v) ? '—' : v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : v >= 100 ? `${v.toFixed(0)} ms` : `${v.toFixed(1)} ms`);
const mb = (v) => (v == null || Number.isNaN(v) || v === 0 ? '—' : `${v.toFixed(0)} MB`);
const num = (v) => (v == null ? '—' : v >= 1e6 ? `${(v / 1e6).toFixed(2)} M` : v >= 1e3 ? `${(v / 1e3).toFixed(1)} k` : v.toFixed(0));
const k = (n) => (n >= 1000 ? `${n / 1000}k` : String(n));
const table = (head, rows) => [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

/** 'time ×9.7 for size ×10' against the same variant at the next smaller size. */
function growth(rows, r) {
  const prev = rows.filter((x) => x.via === r.via && x.source === r.source && x.n < r.n && !x.problem).sort((a, b) => b.n - a.n)[0];
  if (!prev || r.problem) return '';
  return `×${(r.wallMs / prev.wallMs).toFixed(1)} for ×${(r.n / prev.n).toFixed(0)}`;
}

export function renderScan(s) {
  if (s.skipped) return `_Skipped: ${s.skipped}_`;
  const phases = (p) => (p ? Object.entries(p).map(([key, v]) => `${key.replace(/Ms$/, '')} ${ms(v)}`).join(', ') : '');
  return (s.cliMissing ? `_CLI not measured (${s.cliMissing}); library only._\n\n` : '') +
    table(['functions', 'via', 'source', 'runs', 'wall (median)', 'growth vs previous size', 'per function', 'peak RSS', 'in-process phases (last run)', 'note'],
      s.rows.map((r) => [k(r.n), r.via === 'cli' ? '`dmaown status --json`' : 'library', r.source, r.reps, ms(r.wallMs), growth(s.rows, r),
        r.problem ? '—' : `${r.perFunctionUs.toFixed(0)} µs`, mb(r.maxRssMb), phases(r.phases),
        r.problem ?? (r.mismatches == null ? '' : r.mismatches === 0 ? 'predicted groups = tree groups' : `${r.mismatches} group mismatches: ${r.firstMismatch}`)]));
}

export function renderPeers(p) {
  if (p.skipped) return `_Skipped: ${p.skipped}_`;
  return (p.cliMissing ? `_dmaown not measured (${p.cliMissing}); peers alone._\n\n` : '') + table(['functions', 'peer', 'pairs', 'dmaown', 'peer', 'peer ÷ dmaown', 'dmaown RSS', 'peer RSS', 'note'],
    p.rows.map((r) => (r.skipped ? [k(r.n), r.peer, 0, '—', '—', '—', '—', '—', r.skipped]
      : [k(r.n), r.peer, r.pairs, ms(r.dmaownMs), `${r.lowerBound ? '≥ ' : ''}${ms(r.peerMs)}${r.estimated ? ' (est.)' : ''}`,
        Number.isNaN(r.ratio) ? '—' : `${r.lowerBound ? '≥ ' : ''}${r.ratio.toFixed(r.ratio < 10 ? 2 : 0)}×`, mb(r.dmaownRssMb), mb(r.peerRssMb), r.note ?? ''])));
}

export function renderModel(m) {
  if (m.skipped) return `_Skipped: ${m.skipped}_`;
  const names = {
    claimRelease: ['ownership: iommu_group_claim_dma_owner + release_dma_owner', 2],
    useUnuse: ['ownership: iommu_device_use_default_domain + unuse', 2],
    bindUnbind: ['sysfs: unbind + bind (nvme)', 2],
    overrideProbe: ['sysfs: override, unbind, drivers_probe → vfio-pci, unbind, clear, bind', 6],
    vfioCycle: ['VFIO: open container + group, SET_CONTAINER, close ×2', 5],
  };
  const rows = Object.entries(m.parts).map(([key, p]) => [names[key]?.[0] ?? key, p.skipped ? '—' : p.failed ? '—' : num(p.cyclesPerSec),
    p.skipped || p.failed ? '—' : num(p.opsPerSec), p.skipped ?? p.failed ?? (p.check ? `driver link after the run: \`${p.check}\`` : '')]);
  return [`Model of ${k(m.n)} PCI functions: \`createKernel\` ${ms(m.buildMs)} (median of 3), heap after build ${mb(m.heapMbAfterBuild)}, child peak RSS ${mb(m.maxRssMb)}.`, '',
    table(['operation (one cycle)', 'cycles/s', 'calls/s', 'note'], rows)].join('\n');
}

export function renderCli(c) {
  if (c.skipped) return `_Skipped: ${c.skipped}_`;
  return [`Timed with ${c.tool}.`, '', table(['command', 'runs', 'median', 'mean ± σ', 'min', 'peak RSS'],
    c.rows.map((r) => (r.skipped ? [r.name, 0, '—', '—', '—', r.skipped] : [r.name, r.runs, ms(r.medianMs), `${ms(r.meanMs)} ± ${ms(r.stddevMs)}`, ms(r.minMs), mb(r.maxRssMb)])))].join('\n');
}

export function renderProfile(p) {
  if (p.skipped) return `_Skipped: ${p.skipped}_`;
  return p.profiles.map((x) => [`**${x.what}** — ${ms(x.totalMs)} sampled${x.threads > 1 ? ` over ${x.threads} threads` : ''}`, '',
    table(['self time', 'share', 'function', 'where'], x.top.map((t) => [ms(t.selfMs), `${(100 * t.share).toFixed(1)}%`, `\`${t.name}\``, t.where]))].join('\n')).join('\n\n');
}

export function renderMachine(m) {
  return table(['', ''], [
    ['CPU', `${m.cpu} × ${m.nproc} (nproc)`], ['memory', `${m.memoryGb} GiB`], ['kernel', m.kernel], ['node', m.node],
    ['dmaown', `commit ${m.dmaownCommit}`], ['lspci', `${m.lspci} (pciutils ${m.pciutils})`], ['driverctl', m.driverctl], ['dpdk (dpdk-devbind.py)', m.dpdk],
    ['python (dpdk-devbind)', m.python], ['bash', m.bash], ['hyperfine', m.hyperfine],
  ].map(([a, b]) => [a, b ?? '—']));
}

export function renderAll(res) {
  const out = [`Run: ${res.started} → ${res.finished}; ${res.quick ? 'quick' : 'full'} run; load average at start ${res.loadStart}, at end ${res.loadEnd}.`, ''];
  if (res.machine) out.push(renderMachine(res.machine), '');
  if (res.hosts) {
    out.push(table(['functions', 'IOMMU groups', 'PCI segments', 'sysfs entries', 'generated in'],
      res.hosts.map((h) => [k(h.n), h.groups, h.domains, h.entries, `${h.generateSeconds.toFixed(1)} s`])), '');
  }
  const sec = [['side', '0. Side by side: the whole report and the tools people use, same tree, same run', renderSide], ['phases', '0b. Where dmaown\'s time goes, phase by phase (in-process)', renderPhases], ['scan', '1. Host scan + full analysis (`dmaown status --json`)', renderScan], ['peers', '2. The tools people use today (same trees, private /sys)', renderPeers],
    ['model', '3. Model throughput', renderModel], ['cli', '4. CLI cold start', renderCli], ['profile', '5. Where the time goes (CPU profiles)', renderProfile], ['export', '6. `dmaown export` (issue #19)', renderExport]];
  for (const [key, title, render] of sec) if (res[key]) out.push(`### ${title}`, '', render(res[key]), '');
  return out.join('\n');
}

/** `dmaown export` per format, beside `status --json` on the same source (bench-export.mjs). */
export function renderExport(res) {
  const head = '| functions | source | command | CPU (user+sys, median) | wall (median) | wall (min) | peak RSS | output |\n|---:|---|---|---:|---:|---:|---:|---:|';
  const lines = res.rows.map((r) => r.skipped ? `| ${r.n} | ${r.source} | ${r.name} | skipped: ${r.skipped} | | | | |`
    : `| ${r.n} | ${r.source} | ${r.name} | ${(r.cpuMs / 1000).toFixed(2)} s | ${(r.medianMs / 1000).toFixed(2)} s | ${(r.minMs / 1000).toFixed(2)} s | ${r.maxRssMb.toFixed(0)} MB | ${(r.bytes / 1024).toFixed(0)} KiB${r.samples ? ` (${r.samples} samples)` : ''} |`);
  return [head, ...lines].join('\n');
}

/** Every tool on the same tree, round-robin (bench-side.mjs): one table per size. */
export function renderSide(s) {
  if (s.skipped) return `_Skipped: ${s.skipped}_`;
  return s.sizes.map((z) => [`**${k(z.n)} functions** (${z.groups} IOMMU groups; ${z.reps} repetitions, ${z.seconds.toFixed(0)} s; load average before ${z.loadBefore}, after ${z.loadAfter})`, '',
    table(['tool', 'runs', 'wall (median)', 'wall (min)', '÷ lspci -vmm -k (same repetition, median)', 'CPU user+sys (median)', 'CPU ÷ lspci\'s', 'peak RSS', 'note'],
      z.rows.map((r) => (r.skipped ? [r.tool, 0, '—', '—', '—', '—', '—', '—', r.skipped]
        : [r.tool, r.runs, ms(r.wallMs), ms(r.minMs), r.ratio == null ? '—' : `${r.ratio.toFixed(2)}×`,
          r.cpuMs == null ? '—' : ms(r.cpuMs), r.cpuRatio == null ? '—' : `${r.cpuRatio.toFixed(2)}×`, mb(r.rssMb), r.note ?? ''])))].join('\n')).join('\n\n');
}

/** Phases of the status pipeline per size and source (bench-phases.mjs). */
export function renderPhases(p) {
  if (p.skipped) return `_Skipped: ${p.skipped}_`;
  return p.rows.map((r) => (r.skipped ? `**${k(r.n)} ${r.kind}**: skipped (${r.skipped})` : [`**${k(r.n)} functions, ${r.kind}** — process ${ms(r.wallMs)} wall, peak RSS ${mb(r.maxRssMb)}`, '',
    table(['phase', 'wall', 'CPU (process: every thread)', 'share of wall'], r.phases.map((x) => [x.name, ms(x.wallMs), ms(x.cpuMs), `${((100 * x.wallMs) / r.wallMs).toFixed(0)}%`]))].join('\n'))).join('\n\n');
}

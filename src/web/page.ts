import { createHash } from 'node:crypto';
import { esc, packedJson } from './escape.js';
import { GEOMETRY } from './layout.js';
import { PAGE_CSS } from './page-style.js';
import { pageMain } from './page-script.js';
import type { ReportData } from './report-data.js';
import { shapeSvg, topologySvg } from './svg.js';
import { VERDICT_GLYPH, VERDICT_WORDS, type Verdict } from './verdict.js';

/**
 * One self-contained HTML document: styles, script and data inline, no URL to fetch. A
 * Content-Security-Policy with the hashes of the one style and the one script makes the browser
 * refuse anything else — no network from the report file; `dmaown serve` also allows fetches to itself.
 */
const sha256 = (s: string): string => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;

function header(d: ReportData): string {
  const t = d.totals;
  const facts = [
    ['kernel', `${d.kernel} (${d.era === 'ownership' ? '5.19+ DMA ownership rules' : 'pre-5.19 VFIO viability rules'})`],
    ['IOMMU', d.iommu.hardware], ['default domains', d.iommu.mode],
    ['command line', d.iommu.cmdline.length > 0 ? d.iommu.cmdline.join(' ') : '(no IOMMU parameters)'],
    ['PCI functions', String(t.functions)], ['IOMMU groups', String(t.groups)],
  ].map(([k, v]) => `<span>${esc(k ?? '')}: <b>${esc(v ?? '')}</b></span>`).join('');
  // The totals in the words of `dmaown status`'s footer.
  const verdicts: Verdict[] = ['ready', 'assignable', 'held', 'blocked', ...(['in-use', 'unknown'] as const).filter((v) => t[v] > 0), 'infrastructure'];
  const withDevices = t.groups - t.infrastructure;
  const totals = `${withDevices} groups with devices: ${verdicts.filter((v) => v !== 'infrastructure').map((v) => `${t[v]} ${VERDICT_WORDS[v]}`).join(', ')}; ${t.infrastructure} infrastructure`;
  const legend = verdicts.map((v) => `<span class="l-${v}" data-legend="${v}">${VERDICT_GLYPH[v]} ${VERDICT_WORDS[v]}</span>`).join('');
  const what = d.kind === 'sample' ? `<p class="warn">SAMPLE HOST "${esc(d.label.replace(/^sample /, ''))}" — not this machine</p>` : '';
  return `<header><h1>dmaown · IOMMU groups of ${esc(d.kind === 'live' ? 'this host' : d.label)}</h1>${what}
<p class="facts">${facts}</p>
${d.note ? `<p class="dim">${esc(d.note)}</p>` : ''}
${d.diagnosis ? `<p class="warn" id="diagnosis">This host has no IOMMU groups. ${esc(d.diagnosis)}</p>` : ''}
${d.acsOverride ? `<p class="warn" id="acs-override">⚠ ${esc(d.acsOverride)}</p>` : ''}
<p id="totals">${esc(totals)}</p><p class="legend">${legend}<span class="dim">● endpoint ◆ bridge/port ■ root complex · ✖ marks the device that blocks its group</span></p></header>`;
}

const TOOLBAR = `<div id="toolbar" role="search">
<input type="search" id="search" placeholder="BDF, name, vendor:device or driver" aria-label="search devices">
<span id="count" aria-live="polite"></span>
<label><input type="checkbox" id="only-endpoints"> endpoint groups only</label>
<button type="button" id="expand-all">expand all</button><button type="button" id="collapse-default">collapse switches and VF fans</button>
</div>`;

const SIDE = `<aside id="side"><ul id="results"></ul><div id="details"><p class="dim">Select a device (click, or Tab and Enter) to see its group, why the group is shared, and the plan that would hand it to user space.</p></div>
<section id="whatif" hidden><h3>What if</h3><p id="picked"></p><label><input type="checkbox" id="take-members" checked> take the other members of their groups along (--allow-group-member)</label>
<p><button type="button" id="run-whatif" disabled>simulate</button></p><div id="whatif-result"></div></section></aside>`;

export function reportHtml(d: ReportData): string {
  const kinds = ['root-complex', 'root-port', 'switch-upstream', 'switch-downstream', 'pci-bridge', 'bridge', 'endpoint', 'vf', 'rciep'] as const;
  const shapes = Object.fromEntries(kinds.map((k) => [k, shapeSvg(k)]));
  const script = `(${pageMain.toString()})(${JSON.stringify({ ...GEOMETRY, shapes })});`;
  const connect = d.live ? "'self'" : "'none'";
  const csp = `default-src 'none'; style-src ${sha256(PAGE_CSS)}; script-src ${sha256(script)}; img-src data:; connect-src ${connect}; base-uri 'none'; form-action 'none'`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${esc(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="dmaown ${esc(d.format)}">
<title>dmaown · ${esc(d.label)} · ${esc(d.kernel)}</title>
<style>${PAGE_CSS}</style></head>
<body>
${header(d)}
${TOOLBAR}
<main><div id="tree">${topologySvg(d)}</div>${SIDE}</main>
<script type="application/octet-stream" id="dmaown-data" data-encoding="gzip+base64">${packedJson(d)}</script>
<script>${script}</script>
</body></html>
`;
}

import type { GroupData, NodeData, ReportData } from './report-data.js';
import type { PlanData } from './plan-data.js';

/**
 * The page's script. It runs in the browser: `page.ts` embeds `pageMain.toString()` (this function as
 * compiled by tsc, so it is type-checked against the report's data types) and calls it with the
 * geometry. The data is gzip+base64 (escape.ts: packedJson), inflated with DecompressionStream. It must stay self-contained — no imports at run time, no module-level references.
 * It never writes anything: selection, collapse, search and filter are view state; the what-if of
 * `dmaown serve` is a GET that the server answers by simulating on the model.
 */
export async function pageMain(G: { row: number; indent: number; left: number; top: number; text: number; label: number; shapes: Record<string, string> }): Promise<void> {
  if (typeof DecompressionStream === 'undefined') {
    const d = document.getElementById('details');
    if (d) d.textContent = 'This browser cannot unpack the report\'s data (it needs DecompressionStream: Chrome 80+, Firefox 113+, Safari 16.4+). The tree is complete; details, search and the plans need a newer browser.';
    return;
  }
  const packed = atob((document.getElementById('dmaown-data')?.textContent ?? '').trim());
  const bytes = new Uint8Array(packed.length);
  for (let i = 0; i < packed.length; i++) bytes[i] = packed.charCodeAt(i);
  const json = await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).text();
  const data = JSON.parse(json) as ReportData;
  const nodes: readonly NodeData[] = data.nodes;
  const groups = new Map<number, GroupData>(data.groups.map((g) => [g.id, g]));
  const svg = document.getElementById('topology') as unknown as SVGSVGElement;
  const rowEls: SVGGElement[] = [];
  svg.querySelectorAll<SVGGElement>('#rows > g.node').forEach((el) => { rowEls[Number(el.dataset['i'])] = el; });
  const boxEls = new Map<number, SVGGElement>();
  svg.querySelectorAll<SVGGElement>('#boxes > g.grp').forEach((el) => boxEls.set(Number(el.dataset['group']), el));
  const links = svg.getElementById('links') as SVGPathElement;
  const rowsLayer = svg.getElementById('rows') as SVGGElement;
  const boxesLayer = svg.getElementById('boxes') as SVGGElement;
  const byBdf = new Map<string, number>();
  nodes.forEach((n, i) => byBdf.set(n.id, i));
  const collapsed = nodes.map((n) => n.collapsed);
  const hasKids = new Set(nodes.map((n) => n.parent));
  let rows: number[] = [];
  let selected = -1;
  const SVGNS = 'http://www.w3.org/2000/svg';
  const short = (id: string): string => (id.startsWith('0000:') ? id.slice(5) : id);
  const nodeX = (d: number): number => G.left + d * G.indent;
  const rowY = (r: number): number => G.top + r * G.row;
  const $ = (id: string): HTMLElement => document.getElementById(id) as HTMLElement;
  const el = (tag: string, attrs: Record<string, string> = {}, ...kids: (Node | string | null)[]): HTMLElement => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    for (const k of kids) if (k !== null) e.append(k);
    return e;
  };

  /** A row not written into the file (it was hidden when the report was made): svg.ts's markup, text by textContent. */
  function makeRow(i: number): SVGGElement {
    const n = nodes[i] as NodeData;
    const g = document.createElementNS(SVGNS, 'g');
    g.setAttribute('class', ['node', `k-${n.kind}`, `v-${n.verdict}`, n.blocker ? 'blocker' : ''].filter(Boolean).join(' '));
    g.setAttribute('data-i', String(i));
    if (n.dev) {
      g.setAttribute('data-bdf', n.id); g.setAttribute('tabindex', '0'); g.setAttribute('role', 'button');
      if (n.group !== null) g.setAttribute('data-g', String(n.group));
    } else g.setAttribute('data-rc', n.id);
    // Only markup of our own here; the device's text (hostile input) goes in as text below.
    g.innerHTML = (n.hasKids ? `<text class="toggle" x="-16" y="17" data-toggle="${i}"></text>` : '') + (G.shapes[n.kind] ?? '')
      + `<text x="10" y="17">${n.blocker ? '<tspan class="blk">✖ </tspan>' : ''}<tspan class="t"></tspan>${n.hasKids ? '<tspan class="badge" dx="8"></tspan>' : ''}</text>`;
    (g.querySelector('.t') as SVGTSpanElement).textContent = n.text;
    return g;
  }

  /** A group box not written into the file (no member shown at open): svg.ts's markup. */
  function makeBox(id: number): SVGGElement {
    const g = groups.get(id) as GroupData;
    const e = document.createElementNS(SVGNS, 'g');
    e.setAttribute('class', `grp v-${g.verdict}${g.endpoints.length > 0 ? '' : ' infra'}`);
    e.setAttribute('data-group', String(id)); e.setAttribute('data-verdict', g.verdict);
    const title = document.createElementNS(SVGNS, 'title'), label = document.createElementNS(SVGNS, 'text');
    title.textContent = `IOMMU group ${id}: ${g.verdictText}`;
    label.setAttribute('class', 'glabel');
    label.textContent = `group ${id} · ${g.label}`;
    e.append(title, label);
    boxesLayer.append(e);
    boxEls.set(id, e);
    return e;
  }

  /** Same arithmetic as layout.ts: visible rows in pre-order, group runs, links. `apply` false: rows only (the SVG as written is already laid out). */
  function relayout(apply = true): void {
    let next = 0, maxDepth = 0;
    const hidden: boolean[] = [];
    rows = [];
    nodes.forEach((n, i) => {
      maxDepth = Math.max(maxDepth, n.depth);
      hidden[i] = n.parent >= 0 && ((hidden[n.parent] ?? false) || (collapsed[n.parent] ?? false));
      rows[i] = hidden[i] ? -1 : next++;
    });
    if (!apply) return;
    const labelX = nodeX(maxDepth) + G.text, width = labelX + G.label;
    const runs = new Map<number, [number, number, number][]>();
    let prev: number | null = null;
    let d = '';
    let cursor: SVGGElement | null = null;
    nodes.forEach((n, i) => {
      const r = rows[i] ?? -1;
      let e = rowEls[i];
      if (!e && r >= 0) {
        e = makeRow(i);
        if (cursor) cursor.after(e); else rowsLayer.prepend(e);
        rowEls[i] = e;
      }
      if (e) {
        cursor = e;
        e.classList.toggle('hidden', r < 0);
        if (r >= 0) e.setAttribute('transform', `translate(${nodeX(n.depth)},${rowY(r)})`);
        const t = e.querySelector('.toggle');
        if (t) t.textContent = collapsed[i] ? '▸' : '▾';
        const b = e.querySelector('.badge');
        if (b) b.textContent = collapsed[i] ? `+${n.size} below` : '';
      }
      if (r < 0) return;
      const pr = n.parent >= 0 ? rows[n.parent] ?? -1 : -1;
      if (pr >= 0) d += `M${nodeX((nodes[n.parent] as NodeData).depth)},${rowY(pr) + G.row / 2 + 6}V${rowY(r) + G.row / 2}H${nodeX(n.depth) - 6}`;
      if (n.group !== null) {
        const list = runs.get(n.group) ?? [];
        const last = list[list.length - 1];
        if (last && prev === n.group && last[1] === r - 1) { last[1] = r; last[2] = Math.min(last[2], n.depth); } else list.push([r, r, n.depth]);
        runs.set(n.group, list);
      }
      prev = n.group;
    });
    links.setAttribute('d', d);
    for (const g of runs.keys()) if (!boxEls.has(g) && groups.has(g)) makeBox(g);
    for (const [g, box] of boxEls) {
      box.querySelectorAll('rect').forEach((x) => x.remove());
      const rs = runs.get(g) ?? [];
      box.classList.toggle('hidden', rs.length === 0);
      const label = box.querySelector('text');
      for (const [a, b, depth] of rs) {
        const x = nodeX(depth) - 12, rect = document.createElementNS(SVGNS, 'rect');
        rect.setAttribute('x', String(x)); rect.setAttribute('y', String(rowY(a) + 1)); rect.setAttribute('rx', '6');
        rect.setAttribute('width', String(width - 8 - x)); rect.setAttribute('height', String((b - a + 1) * G.row - 2));
        box.insertBefore(rect, label);
      }
      if (label && rs[0]) { label.setAttribute('x', String(labelX)); label.setAttribute('y', String(rowY(rs[0][0]) + 17)); }
    }
    const h = rowY(next) + G.top;
    svg.setAttribute('width', String(width)); svg.setAttribute('height', String(h)); svg.setAttribute('viewBox', `0 0 ${width} ${h}`);
  }

  function reveal(i: number): void {
    for (let p = nodes[i]?.parent ?? -1; p >= 0; p = nodes[p]?.parent ?? -1) collapsed[p] = false;
  }

  function toggle(i: number, open?: boolean): void {
    if (!hasKids.has(i)) return;
    collapsed[i] = open === undefined ? !collapsed[i] : !open;
    relayout();
  }

  // ---- details panel -------------------------------------------------------------------------
  const field = (name: string, ...kids: (Node | string | null)[]): HTMLElement => el('section', { 'data-field': name }, ...kids);
  const list = (items: readonly string[], tag = 'ul'): HTMLElement => el(tag, {}, ...items.map((x) => el('li', {}, x)));
  const devLink = (bdf: string): HTMLElement => {
    const b = el('button', { type: 'button', class: 'link', 'data-goto': bdf }, short(bdf));
    b.addEventListener('click', () => { const i = byBdf.get(bdf); if (i !== undefined) select(i, true); });
    return b;
  };

  function planView(p: PlanData | null, note: string): HTMLElement {
    if (p === null) return field('plan', el('h3', {}, 'Plan'), el('p', {}, note));
    const out = field('plan', el('h3', {}, `Plan: hand ${[...p.devices, ...p.allow].map(short).join(', ')} to ${p.driver}`));
    out.append(el('p', {}, 'From a terminal: ', el('code', { 'data-field': 'command' }, p.command)));
    if (p.refusals.length > 0) out.append(el('p', { class: 'bad' }, 'Refused:'), list(p.refusals.map((r) => `${r.why}${r.hint ? ` → ${r.hint}` : ''}`)));
    if (p.warnings.length > 0) out.append(list(p.warnings.map((w) => `warning: ${w}`)));
    if (p.steps.length > 0) out.append(list(p.steps, 'ol'));
    const sim = p.sim;
    out.append(field('sim', el('h3', {}, sim ? `Simulated on the model of kernel ${sim.kernel}: ${sim.ok ? '✔ works' : '✖ fails'}` : 'Simulated outcome'),
      sim ? list(sim.lines) : el('p', {}, p.refusals.length > 0 ? 'not simulated: the plan is refused.'
        : `not simulated in this report (on hosts this large it simulates ${data.simulated.limit} group plans, those with a GPU first); \`${p.command}\` simulates it.`)));
    if (p.refusals.length === 0) out.append(el('p', { class: 'dim' }, 'Applying stays in a terminal: ', el('code', {}, p.applyCommand)));
    return out;
  }

  function details(i: number): void {
    const n = nodes[i] as NodeData, d = n.dev, box = $('details');
    box.replaceChildren();
    if (d === null) {
      box.append(el('h2', {}, n.id), el('p', {}, `${n.kindName}, ${n.size} functions below.`));
      return;
    }
    const name = [d.vendorName, d.deviceName ?? d.className].filter((x) => x !== null).join(' ') || `class ${d.class}`;
    const rows2: [string, string][] = [
      ['ids', `[${d.vendor}:${d.device}] class ${d.class}${d.className ? ` (${d.className})` : ''}`],
      ['kind', `${n.kindName}${d.infrastructure ? ` — infrastructure (${d.infrastructure})` : ''}`],
      ['driver', d.driver ?? '(none)'], ['driver_override', d.driverOverride ?? '(none)'],
      ['role', d.role === 'kernel-dma' ? 'kernel DMA user' : d.role === 'driver-managed' ? 'driver-managed DMA' : 'unbound'],
      ['reset', d.resetMethod === null ? 'unknown (no reset_method)' : d.resetMethod.length === 0 ? 'none' : d.resetMethod.join(' ')],
    ];
    if (d.exempt) rows2.push(['does not block', d.exempt]);
    if (d.bootVga !== null) rows2.push(['boot VGA', d.bootVga ? 'yes (the firmware console uses it)' : 'no']);
    if (d.sriovTotalvfs !== null) rows2.push(['SR-IOV PF', `${d.sriovNumvfs ?? 0} of ${d.sriovTotalvfs} VFs enabled`]);
    if (d.physfn !== null) rows2.push(['SR-IOV VF', `of ${short(d.physfn)}`]);
    if (d.critical.length > 0) rows2.push(['host-critical', d.critical.join('; ')]);
    box.append(el('h2', {}, `${short(n.id)} ${name}`), el('dl', {}, ...rows2.flatMap(([k, v]) => [el('dt', {}, k), el('dd', { 'data-key': k }, v)])));
    const g = n.group === null ? undefined : groups.get(n.group);
    if (g === undefined) {
      box.append(field('group', el('h3', {}, 'No IOMMU group'), el('p', {}, data.diagnosis ?? 'This function has no IOMMU group: vfio-pci cannot take it.')));
      return;
    }
    const members = el('p', {}, 'Members: ');
    g.members.forEach((m, k) => { if (k > 0) members.append(' '); members.append(devLink(m)); });
    box.append(field('group', el('h3', { class: `v-${g.verdict}` }, `IOMMU group ${g.id} · ${g.verdictText}`), members,
      el('p', { class: 'dim' }, `default domain ${g.type ?? 'unknown'} · owner ${g.ownership}`)));
    box.append(field('blockers', el('h4', {}, g.blockers.length > 0 ? 'Blocked by' : 'Blockers'),
      g.blockers.length > 0 ? list(g.blockers.map((b) => b.why)) : el('p', {}, 'none: no member keeps user space out.')));
    box.append(field('why', el('h4', {}, 'Why these devices share the group'),
      g.reasons.length > 0 ? list(g.reasons) : el('p', {}, g.members.length > 1 ? 'no explanation recorded for this group.' : 'it is alone in its group.')));
    box.append(planView(g.plan, g.endpoints.length === 0 ? 'Nothing to hand over: only bridges and ports.' : 'No plan.'));
    if (data.live) box.append(whatIfPick(n.id));
  }

  function select(i: number, focus = false): void {
    if (i < 0 || !nodes[i]) return;
    if (rows[i] === undefined || (rows[i] as number) < 0) { reveal(i); relayout(); }
    rowEls[selected]?.classList.remove('sel');
    rowEls[selected]?.setAttribute('aria-selected', 'false');
    selected = i;
    const e = rowEls[i];
    e?.classList.add('sel');
    e?.setAttribute('aria-selected', 'true');
    if (focus) { e?.focus(); e?.scrollIntoView({ block: 'nearest' }); }
    details(i);
  }

  // ---- search and filter ---------------------------------------------------------------------
  const hay = nodes.map((n) => {
    const d = n.dev;
    if (d === null) return n.id.toLowerCase();
    return [n.id, short(n.id), `${d.vendor}:${d.device}`, d.vendorName, d.deviceName, d.className, d.driver, d.driverOverride].filter((x) => x).join('\n').toLowerCase();
  });
  function search(q: string): void {
    const t = q.trim().toLowerCase();
    rowEls.forEach((e) => e?.classList.remove('match'));
    const res = $('results');
    res.replaceChildren();
    if (t === '') { $('count').textContent = ''; return; }
    const hits: number[] = [];
    hay.forEach((h, i) => { if (nodes[i]?.dev && h.includes(t)) hits.push(i); });
    hits.forEach(reveal);
    relayout();
    hits.forEach((i) => rowEls[i]?.classList.add('match'));
    $('count').textContent = `${hits.length} match${hits.length === 1 ? '' : 'es'}`;
    for (const i of hits.slice(0, 50)) {
      const n = nodes[i] as NodeData;
      const b = el('button', { type: 'button', class: 'hit', 'data-bdf': n.id }, n.text);
      b.addEventListener('click', () => select(i, true));
      res.append(el('li', {}, b));
    }
    if (hits.length > 50) res.append(el('li', { class: 'dim' }, `… and ${hits.length - 50} more`));
  }
  const input = $('search') as HTMLInputElement;
  let timer = 0;
  input.addEventListener('input', () => { clearTimeout(timer); timer = window.setTimeout(() => search(input.value), 120); });
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') { clearTimeout(timer); search(input.value); const first = document.querySelector<HTMLElement>('#results .hit'); first?.click(); }
  });
  const only = $('only-endpoints') as HTMLInputElement;
  only.addEventListener('change', () => document.body.classList.toggle('only-endpoints', only.checked));
  $('expand-all').addEventListener('click', () => { collapsed.fill(false); relayout(); });
  $('collapse-default').addEventListener('click', () => { nodes.forEach((n, i) => { collapsed[i] = n.collapsed; }); relayout(); });

  // ---- pointer and keyboard ------------------------------------------------------------------
  svg.addEventListener('click', (ev) => {
    const t = ev.target as Element;
    const tg = t.closest('[data-toggle]');
    if (tg) { toggle(Number(tg.getAttribute('data-toggle'))); return; }
    const row = t.closest<SVGGElement>('g.node');
    if (row) select(Number(row.dataset['i']));
  });
  svg.addEventListener('keydown', (ev) => {
    const row = (ev.target as Element).closest<SVGGElement>('g.node');
    if (!row) return;
    const i = Number(row.dataset['i']);
    const step = (dir: number): void => {
      for (let j = i + dir; j >= 0 && j < nodes.length; j += dir) if ((rows[j] ?? -1) >= 0 && nodes[j]?.dev) { rowEls[j]?.focus(); return; }
    };
    if (ev.key === 'Enter' || ev.key === ' ') { select(i); ev.preventDefault(); } else if (ev.key === 'ArrowDown') { step(1); ev.preventDefault(); } else if (ev.key === 'ArrowUp') { step(-1); ev.preventDefault(); } else if (ev.key === 'ArrowRight') toggle(i, true);
    else if (ev.key === 'ArrowLeft') toggle(i, false);
  });

  // ---- what-if (dmaown serve) ----------------------------------------------------------------
  const picked = new Set<string>();
  function whatIfPick(bdf: string): HTMLElement {
    const b = el('button', { type: 'button', id: 'pick' }, picked.has(bdf) ? 'remove from what-if' : 'add to what-if');
    b.addEventListener('click', () => { if (picked.has(bdf)) picked.delete(bdf); else picked.add(bdf); b.textContent = picked.has(bdf) ? 'remove from what-if' : 'add to what-if'; showPicked(); });
    return el('p', {}, b);
  }
  function showPicked(): void {
    $('picked').textContent = picked.size === 0 ? 'Select devices and add them.' : [...picked].map(short).join(', ');
    ($('run-whatif') as HTMLButtonElement).disabled = picked.size === 0;
  }
  async function runWhatIf(): Promise<void> {
    const q = new URLSearchParams();
    for (const b of picked) q.append('bdf', b);
    if (($('take-members') as HTMLInputElement).checked) q.set('members', '1');
    const out = $('whatif-result');
    out.replaceChildren(el('p', {}, 'simulating…'));
    const r = await fetch(`/api/what-if?${q.toString()}`, { headers: { accept: 'application/json' } });
    const body = await r.json() as { ok: boolean; error?: string; plan?: PlanData };
    if (!r.ok || !body.plan) { out.replaceChildren(el('p', { class: 'bad' }, body.error ?? `HTTP ${r.status}`)); return; }
    const p = body.plan;
    const copy = el('button', { type: 'button', id: 'copy-command' }, 'copy the command');
    copy.addEventListener('click', () => { void navigator.clipboard?.writeText(p.applyCommand.replace(/^on that host: /, '')).then(() => { copy.textContent = 'copied'; }, () => { copy.textContent = 'select it by hand'; }); });
    out.replaceChildren(planView(p, ''), el('p', {}, copy));
  }
  if (data.live) {
    $('whatif').hidden = false;
    $('run-whatif').addEventListener('click', () => { void runWhatIf(); });
    showPicked();
  }

  relayout(false);
  document.body.classList.add('ready');
}

/**
 * The files that run `dmaown export` on every node (deploy/): the DaemonSet and the alerting rules
 * parse as YAML and say what the README promises (read-only host /sys and /proc, not privileged, only
 * the capabilities reading needs); the systemd units pass `systemd-analyze verify` where it exists and
 * a syntax check everywhere; the container build file copies what exists and runs the CLI.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { runTool } from './testing/tool.js';
import { run } from '../cli/testing/cli.js';
import { parseDuration } from './duration.js';
import { spawnSync } from 'node:child_process';

const deploy = (...p: string[]): string => join(process.cwd(), 'deploy', ...p);

interface Container {
  name: string; args: string[];
  securityContext: { privileged: boolean; allowPrivilegeEscalation: boolean; readOnlyRootFilesystem: boolean; capabilities: { drop: string[]; add: string[] } };
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
}

test('the DaemonSet parses; host /sys and /proc are mounted read-only; not privileged; only SYS_PTRACE and DAC_READ_SEARCH', () => {
  const docs = parseAllDocuments(readFileSync(deploy('kubernetes', 'daemonset.yaml'), 'utf8'));
  for (const d of docs) assert.deepEqual(d.errors, [], String(d.errors));
  const objs = docs.map((d) => d.toJS() as { kind: string; apiVersion: string; spec?: unknown });
  const ds = objs.find((o) => o.kind === 'DaemonSet') as unknown as {
    apiVersion: string; metadata: { namespace: string };
    spec: { selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: {
      hostPID: boolean; hostNetwork: boolean; automountServiceAccountToken: boolean; containers: Container[];
      volumes: { name: string; hostPath: { path: string } }[] } } };
  };
  assert.ok(ds);
  assert.equal(ds.apiVersion, 'apps/v1');
  const pod = ds.spec.template.spec;
  for (const [k, v] of Object.entries(ds.spec.selector.matchLabels)) assert.equal(ds.spec.template.metadata.labels[k], v);
  assert.equal(pod.hostPID, false);
  assert.equal(pod.hostNetwork, false);
  assert.equal(pod.automountServiceAccountToken, false);
  const hostPath = (name: string): string | undefined => pod.volumes.find((v) => v.name === name)?.hostPath.path;
  assert.deepEqual(pod.containers.map((c) => c.args[2]).sort(), ['nfd', 'prometheus']);
  for (const c of pod.containers) {
    assert.equal(c.securityContext.privileged, false, c.name);
    assert.equal(c.securityContext.allowPrivilegeEscalation, false, c.name);
    assert.equal(c.securityContext.readOnlyRootFilesystem, true, c.name);
    assert.deepEqual(c.securityContext.capabilities.drop, ['ALL'], c.name);
    assert.deepEqual(c.securityContext.capabilities.add.sort(), ['DAC_READ_SEARCH', 'SYS_PTRACE'], c.name);
    for (const m of c.volumeMounts) {
      const src = hostPath(m.name);
      if (src === '/sys' || src === '/proc') assert.equal(m.readOnly, true, `${c.name}: ${src} must be read-only`);
    }
    // The container's writable mount is the one its -o points into, and --sysfs-root is where /sys is.
    const out = c.args[c.args.indexOf('-o') + 1] ?? '';
    const writable = c.volumeMounts.filter((m) => m.readOnly !== true);
    assert.equal(writable.length, 1, c.name);
    assert.ok(out.startsWith(`${writable[0]?.mountPath}/`), `${c.name}: ${out}`);
    assert.ok(c.volumeMounts.some((m) => m.mountPath === `${c.args[c.args.indexOf('--sysfs-root') + 1]}/sys`), c.name);
    assert.ok(c.args.includes('--watch'), c.name);
  }
  assert.equal(hostPath('features'), '/etc/kubernetes/node-feature-discovery/features.d');
});

test('the alerting rules parse as YAML and use only metrics the export writes', async () => {
  const doc = parseAllDocuments(readFileSync(deploy('prometheus', 'dmaown.rules.yml'), 'utf8'));
  assert.equal(doc.length, 1);
  assert.deepEqual(doc[0]?.errors, []);
  const rules = (doc[0]?.toJS() as { groups: { rules: { alert: string; expr: string }[] }[] }).groups.flatMap((g) => g.rules);
  const { run } = await import('../cli/testing/cli.js');
  const text = (await run(['export', '--format', 'prometheus', '--sample', 'desktop-gpu'])).out;
  const written = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
  for (const r of rules) for (const m of r.expr.matchAll(/\bdmaown_[a-z_]+/g)) assert.ok(written.has(m[0]), `${r.alert}: ${m[0]}`);
  assert.deepEqual(rules.map((r) => r.alert), ['DmaownPassthroughGpuGroupNotViable', 'DmaownVfioDeviceIdle', 'DmaownAcsOverride', 'DmaownExportStale']);
});

/** key=value lines under [Section] headers, as systemd.syntax(7) describes; errors name the line. */
function unitSyntax(text: string): { sections: Map<string, [string, string][]>; errors: string[] } {
  const sections = new Map<string, [string, string][]>();
  const errors: string[] = [];
  let cur: [string, string][] | null = null;
  text.split('\n').forEach((line, i) => {
    const t = line.trim();
    if (t === '' || t.startsWith('#') || t.startsWith(';')) return;
    const h = /^\[([A-Za-z]+)\]$/.exec(t);
    if (h) { cur = []; sections.set(h[1] as string, cur); return; }
    const kv = /^([A-Za-z][A-Za-z0-9]*)=(.*)$/.exec(t);
    if (!kv || cur === null) { errors.push(`line ${i + 1}: ${t}`); return; }
    (cur as [string, string][]).push([kv[1] as string, kv[2] as string]);
  });
  return { sections, errors };
}

test('the systemd units: syntax, a oneshot service the timer starts every minute, ExecStart runs dmaown export', () => {
  const svc = unitSyntax(readFileSync(deploy('systemd', 'dmaown-export.service'), 'utf8'));
  const tmr = unitSyntax(readFileSync(deploy('systemd', 'dmaown-export.timer'), 'utf8'));
  assert.deepEqual([...svc.errors, ...tmr.errors], []);
  const s = svc.sections.get('Service') ?? [];
  assert.ok(s.some(([k, v]) => k === 'Type' && v === 'oneshot'));
  const execs = s.filter(([k]) => k === 'ExecStart').map(([, v]) => v);
  assert.deepEqual(execs.map((e) => /--format (\S+)/.exec(e)?.[1]), ['prometheus', 'nfd']);
  for (const e of execs) assert.match(e, /^\/usr\/local\/bin\/dmaown export --format \S+ (--ttl \S+ )?-o \/\S+$/);
  assert.ok((tmr.sections.get('Timer') ?? []).some(([k, v]) => k === 'OnUnitActiveSec' && v === '1min'));
  assert.ok((tmr.sections.get('Install') ?? []).some(([k, v]) => k === 'WantedBy' && v === 'timers.target'));
});

test('systemd-analyze verify accepts the units without a warning (where systemd-analyze exists)', (t) => {
  if (spawnSync('systemd-analyze', ['--version']).status !== 0) { t.skip('systemd-analyze not installed (apt-get install systemd); the syntax test above still ran'); return; }
  const dir = mkdtempSync(join(tmpdir(), 'dmaown-units-'));
  try {
    // verify requires ExecStart's binary to exist: point it at this checkout's launcher.
    for (const f of ['dmaown-export.service', 'dmaown-export.timer']) {
      writeFileSync(join(dir, f), readFileSync(deploy('systemd', f), 'utf8').replaceAll('/usr/local/bin/dmaown', join(process.cwd(), 'bin', 'dmaown.js')));
    }
    const r = runTool('systemd-analyze', ['verify', join(dir, 'dmaown-export.service'), join(dir, 'dmaown-export.timer')]);
    assert.equal(r.status, 0, r.out);
    assert.equal(r.out.trim(), '', r.out);
    writeFileSync(join(dir, 'bad.service'), '[Service]\nExecStart=/bin/true\nFrobnicate=yes\n');
    assert.match(runTool('systemd-analyze', ['verify', join(dir, 'bad.service')]).out, /Unknown key/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('the container build file copies what exists and runs the CLI', () => {
  const text = readFileSync(deploy('container', 'Containerfile'), 'utf8');
  const lines = text.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  assert.match(lines[0] ?? '', /^FROM \S+node:20\S* AS build$/);
  for (const l of lines.filter((x) => x.startsWith('COPY ') && !x.includes('--from'))) {
    for (const src of l.split(/\s+/).slice(1, -1)) assert.ok(existsSync(join(process.cwd(), src)), `${l}: ${src}`);
  }
  const entry = /^ENTRYPOINT (.*)$/m.exec(text)?.[1] ?? '';
  assert.deepEqual(JSON.parse(entry), ['node', '/opt/dmaown/bin/dmaown.js']);
});

test('every ExecStart and every DaemonSet container command runs as written (host source and output paths swapped for a sample and a temp dir)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmaown-deploy-run-'));
  try {
    const svc = unitSyntax(readFileSync(deploy('systemd', 'dmaown-export.service'), 'utf8'));
    const execs = (svc.sections.get('Service') ?? []).filter(([k]) => k === 'ExecStart').map(([, v]) => v.split(/\s+/).slice(1));
    const ds = parseAllDocuments(readFileSync(deploy('kubernetes', 'daemonset.yaml'), 'utf8')).map((d) => d.toJS() as { kind: string; spec?: { template: { spec: { containers: Container[] } } } })
      .find((o) => o.kind === 'DaemonSet');
    const argvs = [...execs, ...(ds?.spec?.template.spec.containers ?? []).map((c) => c.args)];
    assert.equal(argvs.length, 4);
    for (const [i, argv] of argvs.entries()) {
      const a = [...argv];
      const o = a.indexOf('-o');
      a[o + 1] = join(dir, `out-${i}`);
      const root = a.indexOf('--sysfs-root');
      if (root >= 0) a.splice(root, 2);
      const w = a.indexOf('--watch');
      if (w >= 0) {
        assert.ok(parseDuration(a[w + 1] ?? '', '--watch').ok, argv.join(' '));
        a.splice(w, 2); // one cycle: the loop itself is tested in cli.test.ts
      }
      const r = await run([...a, '--sample', 'desktop-gpu']);
      assert.equal(r.code, 0, `${argv.join(' ')}: ${r.err}`);
      assert.ok(readFileSync(join(dir, `out-${i}`), 'utf8').length > 100, argv.join(' '));
    }
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

import type { Command } from 'commander';
import { colorsFor, EXIT, printJson, type CliIo } from '../io.js';
import { answerNoGroups, hostJson } from '../host-options.js';
import { planFor, type PlanOptions } from './plan.js';
import type { VmFormat } from '../../assign/vm-config.js';

export interface VmConfigCliOptions extends PlanOptions {
  readonly format?: string;
  readonly managed?: boolean;
  readonly guestBus?: string;
}

/**
 * `dmaown vm-config BDF... --format F`: the VM configuration for devices whose groups are viable now or
 * will be after the plan (planned and simulated exactly as `dmaown plan` does; refused otherwise).
 */
export async function runVmConfig(bdfs: readonly string[], o: VmConfigCliOptions, io: CliIo): Promise<number> {
  const c = colorsFor(io, o.color);
  const { VM_FORMATS, vmConfig } = await import('../../assign/vm-config.js');
  const format = o.format ?? '';
  if (!(VM_FORMATS as readonly string[]).includes(format)) { io.err(`dmaown vm-config: --format ${format || '(missing)'}: choose ${VM_FORMATS.join(', ')}\n`); return EXIT.usage; }
  const guestBus = o.guestBus === undefined ? 0x10 : Number(o.guestBus);
  if (!Number.isInteger(guestBus) || guestBus < 1 || guestBus > 0xff) { io.err(`dmaown vm-config: --guest-bus ${o.guestBus}: a bus number 1..255 (0x10 or 16)\n`); return EXIT.usage; }
  const x = await planFor(bdfs, o, io);
  if (x.kind === 'error') { io.err(`dmaown vm-config: ${x.why}\n`); return x.code; }
  if (x.kind === 'no-groups') return (await answerNoGroups(x.viewed, o, io, { schema: 'dmaown-vm-config/1', format, ready: null, refusals: [], config: null })) ?? EXIT.negative;
  const { renderRefusals } = await import('../render/plan.js');
  if (x.kind === 'refused' || !x.simulated.ok) {
    if (o.json) printJson(io, { schema: 'dmaown-vm-config/1', host: hostJson(x.viewed), format, ready: null, refusals: x.kind === 'refused' ? x.refusals : [], config: null });
    else io.out(x.kind === 'refused' ? `${renderRefusals(x.refusals, c, (await import('../render/fit.js')).proseWidth(o.wide, io.columns, io.env))}\n` : c.red('The plan fails on the simulated kernel (dmaown plan shows why): no configuration.\n'));
    return EXIT.negative;
  }
  const { parseBdfs } = await import('../../assign/bdf.js');
  const parsed = parseBdfs(bdfs);
  const full = parsed.ok ? parsed.value : [];
  const cfg = vmConfig(x.viewed.view, x.viewed.loaded.host, full, { format: format as VmFormat, managed: o.managed === true, guestBus });
  const writes = x.plan.steps.filter((s) => s.action.op !== 'verify').length;
  const ready = writes === 0 ? 'now' : 'after-apply';
  if (o.json) printJson(io, { schema: 'dmaown-vm-config/1', host: hostJson(x.viewed), format, ready, refusals: [], config: cfg });
  else {
    io.out(cfg.text);
    const apply = `dmaown apply ${bdfs.join(' ')}${(o.allowGroupMember ?? []).map((b) => ` --allow-group-member ${b}`).join('')} --yes`;
    io.out(c.dim(ready === 'now' ? '\nThe devices are on vfio-pci and their groups are viable now.\n'
      : o.managed === true && format === 'libvirt' ? `\nlibvirt binds the devices at VM start; the plan (${writes} writes) was simulated and leaves the groups viable.\n`
        : `\nFirst bind them: ${apply}  (simulated on this kernel: the groups become viable)\n`));
    for (const s of cfg.others) io.out(c.yellow(`note: ${s}\n`));
    for (const n of cfg.notes) io.out(c.dim(`note: ${n}\n`));
  }
  return EXIT.ok;
}

export function defineVmConfig(cmd: Command, io: CliIo, done: (code: number) => void): void {
  cmd.argument('<bdf...>', 'PCI devices to give to the VM')
    .requiredOption('--format <format>', 'libvirt (<hostdev> elements), qemu (-device arguments), proxmox (hostpciN: lines) or cloud-hypervisor (--device arguments)')
    .option('--managed', "libvirt: managed='yes' — libvirt binds vfio-pci at VM start and gives the devices back after (default: managed='no', bound ahead by dmaown apply)")
    .option('--guest-bus <n>', 'guest bus for multifunction devices (libvirt, QEMU root ports); default 0x10', '0x10')
    .option('--allow-group-member <bdf>', 'a member of the group that leaves its driver too (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .action(async (bdfs: string[], _o: unknown, self: Command) => { done(await runVmConfig(bdfs, self.optsWithGlobals<VmConfigCliOptions>(), io)); });
}

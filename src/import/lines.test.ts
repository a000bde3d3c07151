import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cleanPaste, indentOf } from './lines.js';

test('cleanPaste strips quote prefixes, fences, HTML wrappers, prompts and colour codes, keeping line numbers', () => {
  const c = cleanPaste('> ```\n> $ lspci -nnk\n> 01:00.0 VGA [0300]: X [10de:1b81]\n>     Kernel driver in use: nvidia\n> ```\n');
  assert.deepEqual(c.lines, [{ n: 3, text: '01:00.0 VGA [0300]: X [10de:1b81]' }, { n: 4, text: '    Kernel driver in use: nvidia' }]);
  assert.deepEqual(c.commands, [{ n: 2, text: 'lspci -nnk' }]);
  const p = cleanPaste('\x1b[01;32mroot@pve\x1b[00m:~# pvesh get /nodes/pve/hardware/pci\r\n<details><summary>groups</summary>\r\nIOMMU Group 1:\r\n</details>\r\n');
  assert.deepEqual(p.commands.map((x) => x.text), ['pvesh get /nodes/pve/hardware/pci']);
  assert.deepEqual(p.lines.map((x) => x.text), ['groups', 'IOMMU Group 1:']);
});

test('cleanPaste leaves a lone ">" in data alone when most lines are not quoted', () => {
  const c = cleanPaste('IOMMU Group 1:\n\t00:01.0 PCI bridge [0604]: a [8086:1901]\n>SERR- <PERR-\n');
  assert.equal(c.lines[2]?.text, '>SERR- <PERR-');
});

test('indentOf counts a tab as the next multiple of 8', () => {
  assert.equal(indentOf('\tx'), 8);
  assert.equal(indentOf('  \tx'), 8);
  assert.equal(indentOf('        x'), 8);
  assert.equal(indentOf('x'), 0);
});

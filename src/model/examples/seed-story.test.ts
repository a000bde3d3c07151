import test from 'node:test';
import assert from 'node:assert/strict';
import { renderStory, seedStory } from './seed-story.js';

test('seed story: 5.10 ends in a kernel BUG, every earlier step succeeds', () => {
  const s = seedStory('5.10.0-46-amd64');
  assert.deepEqual(s.lines.slice(0, -1).map((l) => l.result), Array(s.lines.length - 1).fill('ok'));
  assert.equal(s.ending, 'oops');
  assert.match(renderStory(s), /kernel BUG at drivers\/vfio\/vfio.c/);
});

test('seed story: 6.1 ends in EBUSY naming the owner', () => {
  const s = seedStory('6.1.0-56-amd64');
  assert.equal(s.ending, 'EBUSY');
  const last = s.lines[s.lines.length - 1];
  assert.equal(last?.why, 'group 1 owned by vfio_group 1 (owner_cnt=1)');
  assert.ok(last?.calls.includes('pci_dma_configure'));
});

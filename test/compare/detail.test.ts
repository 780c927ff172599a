// The comparison's per-phase and per-device views, from fabricated rows.
import { describe, expect, it } from 'vitest';
import { rowFromRun } from '../../vmm/report/compare.js';
import { deviceGrid, phaseGrids } from '../../vmm/report/compare-detail.js';
import { renderMarkdown, renderTable } from '../../vmm/report/compare-format.js';
import { fakeRun } from './fixtures.js';

const native = fakeRun({ phases: [{ name: 'boot', exits: 0 }, { name: 'phase 1: compute', exits: 0 }] });
const hw = fakeRun({
  technique: 'hw',
  memory: 'nested',
  devices: 'emulated',
  exits: 30,
  exitsPerPacket: 1.5,
  exitsPerBlock: 6,
  phases: [{ name: 'boot', exits: 10 }, { name: 'phase 1: compute', exits: 20 }],
});
const pv = fakeRun({
  technique: 'pv',
  devices: 'split',
  exits: 7,
  exitsPerPacket: 0.25,
  notificationsPerBatch: 1.5,
  phases: [{ name: 'boot', exits: 3 }, { name: 'phase 1: compute', exits: 2 }, { name: 'phase 2: extra', exits: 2 }],
});
const rows = [rowFromRun('mini', native, native), rowFromRun('mini', hw, native), rowFromRun('mini', pv, native)];

describe('phaseGrids', () => {
  it('has one column per phase any run saw, short names, and a dash where a run lacked one', () => {
    const [g, more] = phaseGrids(rows);
    expect(more).toBeUndefined();
    expect(g!.head).toEqual(['technique', 'boot', 'compute', 'extra', 'total']);
    expect(g!.body).toEqual([
      ['native', '0', '0', '—', '0'],
      ['hw/nested', '10', '20', '—', '30'],
      ['pv', '3', '2', '2', '7'],
    ]);
  });

  it('leaves out kernels that print no phase marks', () => {
    const bare = fakeRun({ technique: 'hw', exits: 4 });
    expect(phaseGrids([rowFromRun('syscall', bare, null)])).toEqual([]);
  });
});

describe('deviceGrid', () => {
  it('lists runs that moved packets or blocks, with their device model', () => {
    const g = deviceGrid(rows)!;
    expect(g.body).toEqual([
      ['mini', 'hw/nested', 'emulated', '1.50', '6.00', '—'],
      ['mini', 'pv', 'split', '0.25', '—', '1.50'],
    ]);
  });

  it('is absent when nothing moved a packet or a block', () => {
    expect(deviceGrid([rowFromRun('mini', native, native)])).toBeNull();
  });
});

describe('rendered views', () => {
  it('follow the main table in the terminal and in markdown', () => {
    const text = renderTable(rows, { profile: 'modern' });
    expect(text.indexOf('exits per workload phase: mini')).toBeGreaterThan(text.indexOf('overhead'));
    expect(text).toContain('device cost per packet and per block');
    const md = renderMarkdown(rows, { profile: 'modern' });
    const squeeze = (t: string) => t.replace(/ +/g, ' ');
    expect(squeeze(md)).toContain('| technique | boot | compute | extra | total |');
    expect(squeeze(md)).toContain('| mini | pv | split | 0.25 | — | 1.50 |');
  });
});

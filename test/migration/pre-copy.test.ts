// Pre-copy migration between two real vmlab processes over 127.0.0.1: rounds while the guest runs, the transcript unchanged, the summary true to the rounds.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { killingRelay, receiver, ROOT, vmlab } from './procs.js';

const MINI = join(ROOT, 'guest-kernels', 'mini', 'main.s');
const MINI_PV = join(ROOT, 'guest-kernels', 'mini-pv', 'main.s');
const GOLDEN = readFileSync(join(ROOT, 'test', 'fixtures', 'golden', 'mini.console.txt'), 'utf8');

/** Techniques whose runners keep a dirty log, each migrated at two points of mini's run. */
const CASES: [string, string[], number[]][] = [
  ['emulate', ['-t', 'emulate'], [250_000, 900_000]],
  ['trap --strict', ['-t', 'trap', '--strict'], [400_000, 1_200_000]],
  ['bt', ['-t', 'bt'], [300_000, 1_000_000]],
  ['hw/shadow', ['-t', 'hw', '--memory', 'shadow'], [500_000, 1_400_000]],
  ['hw/nested', ['-t', 'hw', '--memory', 'nested'], [350_000, 1_100_000]],
  ['pv (mini-pv, split devices)', ['-t', 'pv', '--devices', 'split'], [450_000, 1_300_000]],
];

interface Migrated {
  status: string;
  console: string;
  migration: { rounds: { round: number; pages: number }[]; totalPages: number; startedAt: number; stoppedAt: number; downtimeInstructions: number };
}

describe('pre-copy: the two consoles make the whole transcript', () => {
  for (const [name, args, points] of CASES)
    for (const at of points)
      it(`${name}, from instruction ${at}`, async () => {
        const dst = await receiver();
        const src = vmlab(['run', args.includes('pv') ? MINI_PV : MINI, ...args, '--migrate-to', `127.0.0.1:${dst.port}`, '--migrate-at', String(at), '--bandwidth', '512', '--json']);
        const [s, d] = await Promise.all([src.done, dst.done]);
        expect(s.code, s.stderr).toBe(0);
        expect(d.code, d.stderr).toBe(0);
        const j = JSON.parse(s.stdout) as Migrated;
        expect(j.status).toBe('migrated');
        expect(j.console + d.stdout).toBe(GOLDEN);
        const m = j.migration;
        // Round 0 sends every page of mini's 4 MiB while the guest runs on: 1024 pages at 512 per 100,000.
        expect(m.rounds[0]).toEqual({ round: 0, pages: 1024, instructions: 200_000 });
        expect(m.stoppedAt).toBeGreaterThanOrEqual(at + 200_000);
        expect(m.rounds.length).toBeGreaterThanOrEqual(2);
        expect(m.totalPages).toBe(m.rounds.reduce((n, r) => n + r.pages, 0));
        expect(m.rounds.at(-1)!.pages).toBeLessThanOrEqual(50);
        expect(s.stderr).toMatch(/rounds: \d+ \(\d+ pre-copy, then the stop-and-copy\); pages per round: 1,024, /);
      });
});

describe('--max-rounds', () => {
  it('--max-rounds 1 stops after one pre-copy round, whatever is still dirty', async () => {
    const dst = await receiver();
    const src = vmlab(['run', MINI, '-t', 'emulate', '--migrate-to', `127.0.0.1:${dst.port}`, '--migrate-at', '300000', '--bandwidth', '100', '--max-rounds', '1', '--json']);
    const [s, d] = await Promise.all([src.done, dst.done]);
    expect(d.code, d.stderr).toBe(0);
    const j = JSON.parse(s.stdout) as Migrated & { migration: { stoppedBecause: string } };
    expect(j.migration.rounds).toHaveLength(2);
    expect(j.console + d.stdout).toBe(GOLDEN);
    expect(['max-rounds', 'converged']).toContain(j.migration.stoppedBecause);
  });
});

describe('a destination killed in the middle of pre-copy', () => {
  it('leaves the source running the VM to its end with the whole transcript (exit 74)', async () => {
    const dst = await receiver();
    // A relay that kills the destination process once round 0 is under way, while the guest runs on the source.
    const { port, relay } = await killingRelay(dst, 60_000);
    try {
      const s = await vmlab(['run', MINI, '-t', 'bt', '--migrate-to', `127.0.0.1:${port}`, '--migrate-at', '300000', '--bandwidth', '64']).done;
      const d = await dst.done;
      expect(d.code).toBeNull();
      expect(s.code, s.stderr).toBe(74);
      expect(s.stdout).toBe(GOLDEN);
      expect(s.stderr).toMatch(/migration to 127\.0\.0\.1:\d+ failed: .*; the VM stays here and runs to its end/);
      expect(s.stderr).toMatch(/powered off with status 0/);
    } finally {
      relay.close();
    }
  });
});

describe('what cannot move', () => {
  it('a passed-through NIC cannot move: exit 67', async () => {
    const s = await vmlab(['run', MINI, '-t', 'hw', '--devices', 'passthrough', '--migrate-to', '127.0.0.1:9', '--migrate-at', '1000']).done;
    expect(s.code).toBe(67);
    expect(s.stderr).toMatch(/cannot move/);
  });
});

describe('the writable working set decides whether pre-copy converges (guest-kernels/wws)', () => {
  const WWS = join(ROOT, 'guest-kernels', 'wws', 'main.s');
  const migrateWws = async (pages: number) => {
    const dst = await receiver();
    const src = vmlab(['run', WWS, '-D', `DIRTY_PAGES=${pages}`, '-t', 'hw', '--migrate-to', `127.0.0.1:${dst.port}`, '--migrate-at', '200000', '--max-rounds', '5', '--json']);
    const [s, d] = await Promise.all([src.done, dst.done]);
    expect(s.code, s.stderr).toBe(0);
    expect(d.code, d.stderr).toBe(0);
    const j = JSON.parse(s.stdout) as Migrated & { migration: { stoppedBecause: string } };
    expect(j.console + d.stdout).toMatch(/^wws: 400 iterations done, check \d+\n$/);
    return j.migration;
  };

  it('16 pages: converges after one round, with 16 pages of downtime', async () => {
    const m = await migrateWws(16);
    expect(m.stoppedBecause).toBe('converged');
    expect(m.rounds.map((r) => r.pages)).toEqual([1024, 16]);
  });

  it('400 pages: every round dirties them all again, so pre-copy runs to --max-rounds and the downtime is 25 times larger', async () => {
    const m = await migrateWws(400);
    expect(m.stoppedBecause).toBe('max-rounds');
    expect(m.rounds.map((r) => r.pages)).toEqual([1024, 400, 400, 400, 400, 400]);
    expect(m.downtimeInstructions).toBeGreaterThan(25 * 1500);
  });
});

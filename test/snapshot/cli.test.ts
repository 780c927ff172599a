// `vmlab run --snapshot-at` and `vmlab resume` end to end, in two processes: what each prints and exits with.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'vmlab-snap-'));
const MINI = join(ROOT, 'guest-kernels', 'mini', 'main.s');
const GOLDEN = readFileSync(join(ROOT, 'test', 'fixtures', 'golden', 'mini.console.txt'), 'utf8');

function vmlab(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'vmlab.js'), ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('vmlab run --snapshot-at, then vmlab resume', () => {
  const file = join(dir, 'mini.vms');
  const first = vmlab('run', MINI, '-t', 'hw', '--memory', 'shadow', '--snapshot-at', '600000', '--snapshot', file, '--json');

  it('writes the snapshot and reports status "snapshot" with the console so far', () => {
    expect(first.code).toBe(0);
    const j = JSON.parse(first.stdout) as { status: string; at: number; console: string };
    expect(j.status).toBe('snapshot');
    expect(j.at).toBe(600000);
    expect(GOLDEN.startsWith(j.console)).toBe(true);
    expect(j.console.length).toBeGreaterThan(0);
  });

  it('resume prints only what comes after, and the two consoles make mini\'s whole transcript', () => {
    const j = JSON.parse(first.stdout) as { console: string };
    const r = vmlab('resume', file);
    expect(r.code).toBe(0);
    expect(j.console + r.stdout).toBe(GOLDEN);
    expect(r.stderr).toMatch(/powered off with status 0/);
    expect(r.stderr).not.toMatch(/at .*\.(ts|js):\d+/);
  });

  it('refuses an option the snapshot cannot honour with exit 67, and a damaged file with exit 66', () => {
    const t = vmlab('resume', file, '--technique', 'bt');
    expect(t.code).toBe(67);
    expect(t.stderr).toMatch(/taken under --technique hw/);
    const bad = join(dir, 'bad.vms');
    const bytes = readFileSync(file);
    writeFileSync(bad, bytes.subarray(0, bytes.length - 7));
    const b = vmlab('resume', bad);
    expect(b.code).toBe(66);
    expect(b.stderr.trim().split('\n')).toHaveLength(1);
    expect(b.stderr).toMatch(/truncated/);
  });
});

describe('a paravirtual run (mini-pv over split devices) snapshotted and resumed', () => {
  const file = join(dir, 'mini-pv.vms');
  const MINI_PV = join(ROOT, 'guest-kernels', 'mini-pv', 'main.s');

  it('cut at instruction 700,000: the two consoles make the port\'s whole transcript, and it ends as the whole run does', () => {
    const first = vmlab('run', MINI_PV, '-t', 'pv', '--snapshot-at', '700000', '--snapshot', file);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/snapshot at instruction 700000/);
    const r = vmlab('resume', file, '--json');
    expect(r.code).toBe(0);
    // One VM: --json prints its result itself.
    type Result = { console: string; stats: { guestInstructions: number } };
    const vm = JSON.parse(r.stdout) as Result;
    const w = JSON.parse(vmlab('run', MINI_PV, '-t', 'pv', '--json').stdout) as Result;
    expect(first.stdout + vm.console).toBe(w.console);
    expect(w.console).toBe(GOLDEN);
    expect(vm.stats.guestInstructions).toBe(w.stats.guestInstructions);
  });
});

// The acceptance command as a user types it: `vmlab run guest-kernels/mini-pv/main.s --technique pv --devices split --json`,
// a disk file through --block, and --devices split refused under any other technique.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT_CODE } from '../../isa/abi.js';

const tmp = mkdtempSync(join(tmpdir(), 'vmlab-split-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function vmlab(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/vmlab.js', ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const MINI_PV = 'guest-kernels/mini-pv/main.s';
const golden = readFileSync('test/fixtures/golden/mini.console.txt', 'utf8');

describe('vmlab run --technique pv --devices split', () => {
  // (fewer exits than mini under hw: test/pv/split-mini-pv.test.ts, in process)
  it("runs mini-pv to mini's transcript with no privileged instruction and at least 4 hypercall kinds", () => {
    const pv = vmlab('run', MINI_PV, '--technique', 'pv', '--devices', 'split', '--json');
    expect(pv.code).toBe(EXIT_CODE.OK);
    const r = JSON.parse(pv.stdout);
    expect(r.console).toBe(golden);
    expect(r.exitCode).toBe(0);
    expect(r.stats.privilegedExecuted).toBe(0);
    expect(Object.keys(r.stats.hypercalls).length).toBeGreaterThanOrEqual(4);
    expect(r.stats.backends.block.sectorsWritten).toBe(12);
  });

  it('serves the block back-end from the --block file, which it never modifies', () => {
    const file = join(tmp, 'small.img');
    const bytes = Buffer.alloc(16 * 512, 0xab); // 16 sectors: too small for mini's 32
    writeFileSync(file, bytes);
    const r = vmlab('run', MINI_PV, '--technique', 'pv', '--devices', 'split', '--block', file, '--json');
    const out = JSON.parse(r.stdout);
    expect(out.console).toContain('mini: warning: the disk is missing or too small');
    expect(out.console).toContain('task 1: wrote and read back 4 sectors, 0 failed'); // sectors 8..11 exist
    expect(out.console).toContain('task 2: wrote and read back 4 sectors, 8 failed'); // 16..19 do not
    // mini refuses sectors past the capacity itself, so only task 1's 4 writes and 4 reads reach the back-end.
    expect(out.stats.backends.block).toMatchObject({ requests: 8, errors: 0, sectorsWritten: 4, sectorsRead: 4 });
    expect(readFileSync(file).equals(bytes)).toBe(true);
  });

  it('is refused with exit 67 under any other technique', () => {
    const r = vmlab('run', 'guest-kernels/mini/main.s', '--technique', 'hw', '--devices', 'split');
    expect(r.code).toBe(EXIT_CODE.CONFIG);
    expect(r.stderr).toMatch(/--devices split needs a paravirtual kernel .* under --technique pv/);
  });
});

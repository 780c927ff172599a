// Guest-growable state, end to end: the doorbell guest (a TX packet that never ends) runs for millions of
// instructions in `vmlab run` with a 96 MB heap and ends at its instruction limit, not in a heap trace.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT_CODE } from '../../isa/abi.js';

const ROOT = join(import.meta.dirname, '..', '..');
/** Without the NIC's bound, 3 million instructions of this guest ask it to buffer about 1.2 GB. */
const INSTRUCTIONS = '3e6';

describe('a guest cannot grow the VMM past its limits', () => {
  it('the NIC doorbell guest runs to its instruction limit in a 96 MB heap', () => {
    const r = spawnSync(
      process.execPath,
      ['--max-old-space-size=96', join(ROOT, 'bin', 'vmlab.js'), 'run', join(ROOT, 'test/fixtures/hostile/grow.s'), '-n', INSTRUCTIONS, '--stats'],
      // Bounded in time: a run that neither ends nor dies is killed and fails the test.
      { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 120_000 },
    );
    expect(r.signal).toBeNull();
    expect(r.status).toBe(EXIT_CODE.LIMIT);
    expect(r.stderr).toContain('instruction limit reached [exit 69]');
    expect(r.stderr).toContain('dropped at per-VM limits: NIC transmit 1 ');
    expect(r.stderr).not.toMatch(/heap|FATAL|\n\s+at /);
  }, 150_000);
});

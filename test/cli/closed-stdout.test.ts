// Class: output into a reader that quits (`vmlab ... | head`). A closed stdout ends the command quietly,
// with the exit code it would otherwise have, for every command: no EPIPE, no stack trace.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { EXIT_CODE } from '../../isa/abi.js';

/** Run vmlab with its stdout a pipe whose reading end is closed at once, as `| head -0` would. */
function vmlabIntoClosedPipe(...args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/vmlab.js', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined },
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

const noCrash = (stderr: string) => {
  expect(stderr).not.toMatch(/EPIPE|\n\s+at |internal error|Node\.js v/);
};

describe('a closed stdout ends a command quietly, with its own exit code', () => {
  it('run (console output, then the instruction limit: still 69) and disasm (0)', async () => {
    const [run, disasm] = await Promise.all([
      vmlabIntoClosedPipe('run', 'guest-kernels/mini/main.s', '-n', '20000'),
      vmlabIntoClosedPipe('disasm', 'test/fixtures/golden/hello.s', '--symbols'),
    ]);
    noCrash(run.stderr);
    expect(run.code).toBe(EXIT_CODE.LIMIT);
    // The run went on to its end: the status line is on stderr.
    expect(run.stderr).toMatch(/instruction limit reached \[exit 69\]/);
    noCrash(disasm.stderr);
    expect(disasm.stderr).toBe('');
    expect(disasm.code).toBe(EXIT_CODE.OK);
  }, 30_000);
});

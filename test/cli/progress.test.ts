// The progress line of a long run: drawn only on a terminal, taken away for guest output, and changing no result.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { progressFor, RunProgress, runWithProgress, type ProgressStream } from '../../cli/progress.js';
import { createRun, type GuestSpec } from '../../vmm/session.js';
import type { VmRunResult } from '../../vmm/hv/hypervisor.js';
import { kernel } from '../hv/helpers.js';

/** A terminal stand-in that keeps what is drawn on it. */
function terminal(): ProgressStream & { text: () => string } {
  const s = new PassThrough() as PassThrough & { isTTY: boolean; columns: number };
  s.isTTY = true;
  s.columns = 120;
  const chunks: Buffer[] = [];
  s.on('data', (c: Buffer) => chunks.push(c));
  return Object.assign(s, { text: () => Buffer.concat(chunks).toString('utf8') });
}

/** A clock that moves 400 ms each time it is read, so the line shows from the third slice on. */
function clock() {
  let t = 0;
  return () => (t += 400);
}

/** Everything a run reports but its wall time, which no two runs share. */
function comparable(results: readonly VmRunResult[]) {
  return JSON.parse(JSON.stringify(results, (k, v: unknown) => (k === 'wallMs' || k === 'wallSeconds' ? undefined : v)));
}

const LIMIT = 50_000_000;

describe('vmlab run progress', () => {
  it('is not drawn where stderr is not a terminal', () => {
    expect(progressFor({ isTTY: false } as ProgressStream, LIMIT, 1)).toBeNull();
    expect(progressFor(terminal(), LIMIT, 1)).toBeInstanceOf(RunProgress);
  });

  it.each([
    ['native', 1, 'mini'],
    ['emulate', 1, 'mini'],
    ['hw', 1, 'mini'],
    ['bt', 1, 'mini'],
    ['bt', 2, 'mini'],
    ['trap', 2, 'mini'],
    ['pv', 1, 'mini-pv'],
  ] as const)('under %s with %d VM(s), watched after every slice, gives the results of one unwatched run', (technique, vms, k) => {
    const console: string[][] = [[], []];
    const guests = (sink: boolean): GuestSpec[] =>
      Array.from({ length: vms }, (_, i) => ({
        name: `mini${i}`,
        image: kernel(`${k}/main.s`),
        blockImage: new Uint8Array(1 << 20),
        ...(sink ? { consoleSink: (t: string) => void console[i]!.push(t) } : {}),
      }));
    const plain = createRun(guests(false), { technique }).run(LIMIT);
    const term = terminal();
    const progress = new RunProgress(term, LIMIT * vms, clock());
    const sliced = runWithProgress(createRun(guests(true), { technique }), LIMIT, progress, 25_000);
    expect(comparable(sliced)).toEqual(comparable(plain));
    expect(sliced[0]!.console.length).toBeGreaterThan(0);
    expect(console[0]!.join('')).toBe(sliced[0]!.console);
    const drawn = term.text();
    expect(drawn).toMatch(/guest instructions \(\d+% of the limit\) · \d+ MIPS simulated/);
    // The last thing drawn clears the line: nothing of the bar is left under the next output.
    expect(drawn.slice(drawn.lastIndexOf('MIPS simulated'))).toMatch(/\x1b\[2K$/);
  });

  it('takes the line away before guest output and draws it again after', () => {
    const term = terminal();
    const p = new RunProgress(term, 1000, clock());
    p.update(10);
    p.update(20);
    p.update(30);
    expect(term.text()).toContain('30 guest instructions');
    const before = term.text().length;
    p.hide();
    expect(term.text().slice(before)).toMatch(/\x1b\[2K/);
    p.update(40);
    expect(term.text().slice(before)).toContain('40 guest instructions');
  });
});

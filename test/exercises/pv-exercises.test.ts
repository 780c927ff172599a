// Exercises 04 and 05 catch the half-right work their READMEs describe: each variant below is the reference
// solution with one mistake, and it must fail exactly the check that is about that mistake, with its message.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSuite, runSuite } from '../../testing/index.js';

const EXERCISES = join(import.meta.dirname, '..', '..', 'exercises');
const tmp = mkdtempSync(join(tmpdir(), 'vmlab-pv-ex-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The exercise's solution file with `from` replaced by `to` (which must occur), in a work folder of its own. */
function variant(exercise: string, file: string, from: string, to: string): string {
  const text = readFileSync(join(EXERCISES, exercise, 'solution', file), 'utf8');
  expect(text).toContain(from);
  const dir = mkdtempSync(join(tmp, `${exercise}-`));
  writeFileSync(join(dir, file), text.replace(from, to));
  return dir;
}

/** Run the suite on a work folder; the failing checks by name, with their messages. */
async function failing(exercise: string, workdir: string): Promise<Record<string, string>> {
  const dir = join(EXERCISES, exercise);
  const r = await runSuite(await loadSuite(dir), { exerciseDir: dir, workdir });
  expect(r.checks.filter((c) => c.error).map((c) => c.message)).toEqual([]);
  return Object.fromEntries(r.checks.filter((c) => !c.passed).map((c) => [c.name, c.message]));
}

describe('04-pv-port', () => {
  it('a port that writes the console one byte per hypercall works but fails the exit ratio (measured, not assumed)', async () => {
    const perByte = `plat_write:
    push r6
    push r7
    mov r6, r1
    mov r7, r2
.Lbyte:
    cmp r7, 0
    jz .Lend
    mov r1, r6
    li r2, 1
    HYPERCALL HC_CONSOLE_WRITE
    add r6, 1
    sub r7, 1
    jmp .Lbyte
.Lend:
    pop r7
    pop r6
    ret`;
    const work = variant('04-pv-port', 'platform.s', 'plat_write:\n    HYPERCALL HC_CONSOLE_WRITE\n    ret', perByte);
    const f = await failing('04-pv-port', work);
    expect(Object.keys(f)).toEqual(['at least 10x fewer exits under pv than the unmodified kernel under hw']);
    expect(Object.values(f)[0]).toMatch(/^\d+ exits under pv against \d+ for the unmodified kernel under hw \(emulated devices\): [\d.]+x fewer, at least 10x needed/);
  });

  it('a port that still executes cli fails, and the message points at the line', async () => {
    const work = variant('04-pv-port', 'platform.s', '.macro IRQ_SAVE\n    EVT_MASK_SAVE\n.endm', '.macro IRQ_SAVE\n    EVT_MASK_SAVE\n    cli\n.endm');
    const f = await failing('04-pv-port', work);
    expect(f['no privileged or sensitive instruction executed under pv']).toMatch(/platform\.s:\d+: `cli` -> /);
  });
});

describe('05-split-net', () => {
  it('notifying per packet delivers everything but fails the notification check', async () => {
    const work = variant('05-split-net', 'netfront.s', '    RING_ADVANCE_REQ r8, r0\n    li r0, 0\n', '    RING_ADVANCE_REQ r8, r0\n    RING_PUSH r8, r0, r1, r2\n    SPLIT_NOTIFY nf_port\n    li r0, 0\n');
    const f = await failing('05-split-net', work);
    expect(f).toEqual({ 'at most one notification per batch': expect.stringMatching(/^16 notifications \(evtchn_send to the net back-end\) for the kernel's 3 batches/) });
  });

  it('notifying after every RX repost, asked or not, fails the notification check under the burst', async () => {
    const work = variant('05-split-net', 'netfront.s', '    RING_PUSH r8, r0, r1, r2\n    cmp r0, 0\n    jz .Lposted\n', '    RING_PUSH r8, r0, r1, r2\n');
    const f = await failing('05-split-net', work);
    expect(f).toEqual({ 'at most one notification per batch': expect.stringMatching(/^with the burst, (\d+) notifications to the net back-end for the (\d+) batches/) });
  });

  it('a receive path that never reposts its buffers loses the burst after 4 packets', async () => {
    const work = variant('05-split-net', 'netfront.s', '    mov r1, r9\n    call nf_post\n', '');
    const f = await failing('05-split-net', work);
    expect(f['no lost packet under an injected burst']).toContain('the kernel received 4 of the 12 packets of the burst');
    expect(f['the kernel powers off with status 0']).toContain('"rx: 4 of 12"');
  });
});

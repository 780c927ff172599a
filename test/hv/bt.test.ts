// Binary translation (technique bt): mini and the nanobenchmarks as natively (their RAM byte for byte is
// in differential.test.ts), what a guest sees of itself, self-modifying code, adaptive translation, a tiny
// code cache, the cache dump, and random sequences of sensitive instructions against the bare machine.
import fc from 'fast-check';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Hypervisor } from '../../vmm/hv/hypervisor.js';
import { BtRunner } from '../../vmm/hv/techniques/bt/runner.js';
import { Machine } from '../../vmm/bare-metal.js';
import { runGuests } from '../../vmm/session.js';
import { encode } from '../../isa/encoding.js';
import { OP } from '../../isa/table.js';
import { BT, firstDiff, fixture, kernel, native, nativeMachine, ramOf, runVmm, source, spec, TRAP } from './helpers.js';

const GOLDEN_MINI = readFileSync('test/fixtures/golden/mini.console.txt', 'utf8');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

function runBt(image: ReturnType<typeof kernel>, bt: { cacheWords?: number; dumpCache?: boolean } = {}, max = 50_000_000) {
  const hv = new Hypervisor([spec('bt', image)], { technique: 'bt', techniqueOptions: bt });
  const r = hv.run(max)[0]!;
  return { hv, r, runner: hv.runners[0] as BtRunner };
}

describe('mini under bt', () => {
  const img = kernel('mini/main.s');
  const oracle = native(img);
  const { r } = runBt(img);

  it("prints native's transcript exactly and powers off with 0", () => {
    expect(oracle.console).toBe(GOLDEN_MINI);
    expect(r.console).toBe(GOLDEN_MINI);
    expect(r.status).toBe('poweroff');
    expect(r.exitCode).toBe(0);
    expect(r.divergences).toEqual([]);
  });

  it('ran the kernel from translations, and kept the guest clock exact', () => {
    const bt = r.stats.techniqueCounts;
    expect(bt.translatedBlocks).toBeGreaterThan(0);
    expect(bt.translatedInstructions).toBeGreaterThanOrEqual(bt.translatedBlocks!);
    expect(bt.chainedBranches).toBeGreaterThan(0);
    expect(bt.indirectLookups).toBeGreaterThan(0);
    expect(bt.callouts).toBeGreaterThan(0);
    expect(bt.overheadInstructions).toBeGreaterThan(0);
    // The translation's own instructions are not the guest's: its timer saw the native count.
    expect(r.stats.guestInstructions).toBe(oracle.stats.guestInstructions);
    // The page-table edits of phase 4 kept faulting until they were retranslated.
    expect(bt.adaptiveRetranslations).toBeGreaterThan(0);
    expect(r.stats.modeledCycles).toBeGreaterThan(oracle.stats.modeledCycles);
  });
});

describe('what the guest sees of itself', () => {
  const img = fixture('bt/view.s');
  const n = nativeMachine(img);
  const results = img.symbols.find((s) => s.name === 'results')!.value;
  const after = img.symbols.find((s) => s.name === 'after')!.value;
  const words = (ram: Uint8Array) => Array.from({ length: 8 }, (_, i) => new DataView(ram.buffer, ram.byteOffset).getUint32(results + 4 * i, true));

  it('natively: its own return address, ring 0, its vector table, IF as it set it', () => {
    const w = words(n.machine.mem);
    expect(w[0]).toBe(after);
    expect(w[1]).toBe(after);
    expect(w[2]).toBe(0);
    expect(w[3]).toBe(0x4000);
    expect(w[4]! & 0x3200).toBe(0); // IF = 0, CPL = 0
    expect(w[5]! & 0x3200).toBe(0x200); // IF = 1, CPL = 0
    expect(w[6]! & 0x3200).toBe(0); // popf cleared IF again
    expect(w[7]).toBe(2);
  });

  it('under bt: exactly the same', () => {
    const { hv } = runVmm([spec('view', img)], BT);
    expect(words(ramOf(hv, 0))).toEqual(words(n.machine.mem));
    expect(firstDiff(ramOf(hv, 0), n.machine.mem)).toBe(-1);
  });

  it('under trap-and-emulate: not the same (rdcpl says 1)', () => {
    const { hv } = runVmm([spec('view', img)], TRAP);
    expect(words(ramOf(hv, 0))[2]).toBe(1);
  });
});

describe('self-modifying code', () => {
  it('a write to translated code invalidates it: the new instructions run, as on the bare machine', () => {
    const img = fixture('bt/smc.s');
    expect(native(img).guestStatus).toBe(87);
    const { r } = runBt(img);
    expect(r.guestStatus).toBe(87);
    expect(r.stats.techniqueCounts.invalidations).toBeGreaterThanOrEqual(2);
  });
});

describe('adaptive translation', () => {
  it('a PTE store that keeps faulting is retranslated into a callout: ptemod stops trapping', () => {
    const img = kernel('nanobench/ptemod.s', { ITERS: 200 });
    const trap = runVmm([spec('ptemod', img)], TRAP).results[0]!;
    const { r } = runBt(img);
    expect(r.console).toBe(native(img).console);
    expect(r.stats.techniqueCounts.adaptiveRetranslations).toBeGreaterThanOrEqual(1);
    expect(r.stats.shadowSyncs).toBeGreaterThanOrEqual(200);
    // Under trap every store faults; under bt only the first few, before the retranslation.
    expect(trap.stats.hostTraps).toBeGreaterThanOrEqual(200);
    expect(r.stats.hostTraps).toBeLessThan(20);
  });
});

describe('a tiny code cache', () => {
  it('fills, is flushed and refilled, and the guest never notices', () => {
    const img = kernel('mini/main.s', { W_GETPIDS: 300, W_ROUNDS: 20, W_MAPS: 40 });
    const n = nativeMachine(img);
    const { hv, r } = runBt(img, { cacheWords: 512 });
    expect(r.console).toBe(n.result.console);
    expect(r.exitCode).toBe(0);
    expect(r.stats.techniqueCounts.cacheFlushes).toBeGreaterThan(0);
    expect(r.stats.guestInstructions).toBe(n.result.stats.guestInstructions);
    expect(firstDiff(ramOf(hv, 0), n.machine.mem)).toBe(-1);
  });
});

describe('--dump-cache', () => {
  it('prints each block beside the guest code and source line it came from (golden)', () => {
    const { r } = runBt(kernel('nanobench/in.s', { ITERS: 3 }), { dumpCache: true });
    const text = r.dump!;
    expect(text).toMatch(/guest-kernels\/nanobench\/in\.s:\d+ +0x[0-9a-f]{8}  in r\d, /);
    expect(text).toContain('wcall emulate');
    const path = 'test/fixtures/bt/in.dump.txt';
    if (UPDATE) writeFileSync(path, text);
    expect(text, `${path} differs (UPDATE_GOLDEN=1 rewrites it)`).toBe(readFileSync(path, 'utf8'));
  });
});

// Random straight-line kernels of innocuous and sensitive instructions, run at ring 0: the state the guest
// can see at the end (registers, flags with IF and CPL through pushf, cr2, cr4, cr8, the vector-table
// base, memory) is dumped to RAM, which must equal the bare machine's byte for byte.
const R = fc.integer({ min: 0, max: 12 });
const IMM = fc.integer({ min: -0x8000, max: 0x7fff });
const OFF = fc.integer({ min: 0, max: 255 }).map((n) => n * 4);
const insn = fc.oneof(
  fc.tuple(fc.constantFrom('add', 'sub', 'and', 'or', 'xor', 'shl', 'shr', 'sar', 'mul'), R, R).map(([o, a, b]) => `${o} r${a}, r${b}`),
  fc.tuple(fc.constantFrom('add', 'sub', 'and', 'or', 'xor', 'mul', 'cmp', 'test'), R, IMM).map(([o, a, i]) => `${o} r${a}, ${i}`),
  fc.tuple(fc.constantFrom('cmp', 'test', 'mov'), R, R).map(([o, a, b]) => `${o} r${a}, r${b}`),
  fc.tuple(R, fc.integer({ min: 0, max: 0xffffffff })).map(([a, v]) => `li r${a}, ${v}`),
  fc.tuple(fc.constantFrom('ld', 'st'), R, OFF).map(([o, a, off]) => (o === 'ld' ? `ld r${a}, [r13 + ${off}]` : `st [r13 + ${off}], r${a}`)),
  fc.tuple(fc.constantFrom('push', 'pop', 'not', 'neg', 'rdcpl', 'sidt', 'lidt'), R).map(([o, a]) => `${o} r${a}`),
  fc.constantFrom('cli', 'sti', 'pushf', 'popf', 'nop', 'call leaf'),
  fc.tuple(R, fc.constantFrom(2, 4, 8)).map(([a, c]) => `mov r${a}, cr${c}`),
  fc.tuple(R, fc.constantFrom(2, 4, 8)).map(([a, c]) => `mov cr${c}, r${a}`),
  fc.tuple(fc.constantFrom('jz', 'jnz', 'jl', 'jge', 'jb', 'ja'), fc.nat()).map(([j]) => `${j} SKIP`),
  fc.constantFrom('li r14, leaf\n    call r14', 'li r14, 1f\n    jmp r14\n1:', 'in r5, 0x80', 'out 0x3f8, r3'),
);

function sequenceKernel(body: string[], init: number[]): string {
  let skip = 0;
  const lines = body.map((l) => {
    if (!l.endsWith('SKIP')) return `    ${l}`;
    skip++;
    // Skip one instruction forward: a taken and a not-taken path through the cache.
    return `    ${l.replace('SKIP', `.Ls${skip}`)}\n    add r0, 1\n.Ls${skip}:`;
  });
  return `.include "vx32.inc"
.text
_start:
    li sp, 0x8000
    li r13, 0x6000
${init.map((v, i) => `    li r${i}, ${v}`).join('\n')}
${lines.join('\n')}
    pushf
    pop r14
    st [0x7000], r14
${Array.from({ length: 14 }, (_, i) => `    st [${0x7004 + 4 * i}], r${i}`).join('\n')}
    rdcpl r14
    st [0x7040], r14
    sidt r14
    st [0x7044], r14
    mov r14, cr8
    st [0x7048], r14
    mov r14, cr2
    st [0x704c], r14
    mov r14, cr4
    st [0x7050], r14
    li r14, 0
    out PORT_POWEROFF, r14
leaf:
    add r1, 3
    ret
`;
}

describe('random sequences of innocuous and sensitive instructions', () => {
  it('leave the state the guest sees exactly as on the bare machine', () => {
    fc.assert(
      fc.property(fc.array(insn, { minLength: 1, maxLength: 30 }), fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 13, maxLength: 13 }), (body, init) => {
        const img = source(sequenceKernel(body, init), 'random-sequence.s');
        const m = new Machine({ ramSize: 0x10000 });
        m.load(img);
        const want = m.run({ maxInstructions: 10_000 });
        const { hv, results } = runVmm([{ name: 'seq', image: img, ramSize: 0x10000 }], BT, 10_000);
        const r = results[0]!;
        expect(want.status).toBe('poweroff');
        expect({ status: r.status, console: r.console, n: r.stats.guestInstructions }).toEqual({
          status: want.status,
          console: want.console,
          n: want.stats.guestInstructions,
        });
        expect(firstDiff(ramOf(hv, 0), m.mem)).toBe(-1);
      }),
      { numRuns: 40 },
    );
  });
});

describe('code rewritten by DMA', () => {
  it("a device's write over translated code invalidates it too", () => {
    const img = fixture('bt/dma-smc.s');
    const disk = new Uint8Array(2048 * 512);
    const dv = new DataView(disk.buffer);
    [...encode({ opcode: OP['li.ri'], a: 1, imm: 2 }), ...encode({ opcode: OP.ret })].forEach((w, i) => dv.setUint32(4 * i, w, true));
    const n = runGuests([{ name: 'dma', image: img, blockImage: disk.slice() }], { technique: 'native', maxInstructions: 100_000 })[0]!;
    expect(n.exitCode).toBe(18);
    const hv = new Hypervisor([{ name: 'dma', image: img, blockImage: disk.slice() }], { technique: 'bt' });
    const r = hv.run(100_000)[0]!;
    expect(r.exitCode).toBe(18);
    expect(r.stats.techniqueCounts.invalidations).toBeGreaterThan(0);
  });
});

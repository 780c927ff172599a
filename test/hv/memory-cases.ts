// Guests that run memory instructions where a VMM must perform them itself: on a guest page-table page
// (write-protected under shadow paging), on a device register, and across the boundaries of both.
//
// A case is one ISA table entry with a memory effect, a place and a value. Everything about how it is
// written (address operand, stack, data) comes from the entry's `mem` and `flow`, so a new entry is
// covered without a change here. The kernel runs its cases in order; after each it records sp, the
// loaded register and FLAGS in RAM, and every fault (vector, error, cr2) goes to a log in RAM and
// resumes at the next case: final RAM and console say everything, and native is the oracle.
//
// Layout: pd maps 0..4 MiB 1:1 through pt0. `ptx` is a live page table (pd[2], for 8..12 MiB, which the
// guest never touches), between two plain pages `pad0` and `pad1`, so any bytes stored around it are
// harmless. pd[1] maps 4 MiB + 0..2 pages: `ramx`, the NIC's register page, `ramy`.

import { MEMMAP, NIC } from '../../isa/abi.js';
import { BY_OPCODE, type OpcodeInfo } from '../../isa/table.js';

/** Where a case's access falls. */
export const PLACES = ['pt-aligned', 'pt-unaligned', 'pt-start', 'pt-end', 'device', 'dev-start', 'dev-end'] as const;
export type Place = (typeof PLACES)[number];

/** Every table entry that touches memory: the instructions the VMM may have to perform. */
export const MEMORY_INSNS: readonly OpcodeInfo[] = BY_OPCODE.filter((e) => e.mem !== null);

export interface Case {
  readonly insn: OpcodeInfo;
  readonly place: Place;
  /** Where in the place (bytes; reduced to fit). */
  readonly offset: number;
  readonly value: number;
  /** Long forms: absolute address rather than base + imm32; short forms: the imm16 displacement. */
  readonly absolute: boolean;
  readonly disp: number;
}

const DEVWIN = 0x401000;
/** NIC registers a guest may write freely: nothing happens while the NIC is disabled. */
const SAFE_REGS = [NIC.TDBA, NIC.TDLEN, NIC.RDBA, NIC.RDLEN, NIC.MAC_LO, NIC.MAC_HI];

/** The places that make sense for an entry. */
export function placesFor(e: OpcodeInfo): readonly Place[] {
  const m = e.mem!;
  const w = m.width;
  return PLACES.filter((p) => {
    if (w === 1 && (p === 'pt-start' || p === 'pt-end' || p === 'dev-start' || p === 'dev-end')) return false;
    // A push that faults at a device boundary has its trap frame across that boundary (the bare machine
    // triple-faults); a pop that faults in the device page, in the device page.
    if (m.at === 'push' && (p === 'dev-start' || p === 'dev-end')) return false;
    if (p === 'dev-end' && m.at !== 'operand') return false;
    // A popped pc, FLAGS or frame must be a value the case put there: neither crossing into the device
    // (that faults before anything is read back) nor where a narrow device write would drop it.
    if ((m.data === 'pc' || m.data === 'frame' || m.data === 'flags') && (p === 'dev-start' || p === 'dev-end')) return false;
    return true;
  });
}

/** The first byte the case's access touches, as an assembler expression. */
function addressOf(c: Case): string {
  const m = c.insn.mem!;
  // A frame is read as three words from sp + FRAME_PC.
  const span = m.at === 'frame' ? 12 : m.width;
  const align = m.at === 'frame' ? 4 : m.width;
  const off = c.offset >>> 0;
  const k = 1 + (off % Math.max(1, span - 1)); // bytes before a boundary, 1..span-1
  const ptx = (rel: number) => `(ptx + (${rel}))`;
  const dev = (rel: number) => hex(DEVWIN + rel);
  switch (c.place) {
    case 'pt-aligned':
      return ptx((off % (4096 - span + 1)) & ~(align - 1));
    case 'pt-unaligned': {
      let a = off % (4096 - span + 1);
      if (align > 1 && a % align === 0) a = a + 1 + span <= 4096 ? a + 1 : a - 1;
      return ptx(a);
    }
    case 'pt-start':
      return ptx(-k);
    case 'pt-end':
      return ptx(4096 - k);
    case 'device': {
      if (m.at === 'frame') return dev(NIC.TDBA);
      const reg = SAFE_REGS[off % SAFE_REGS.length]!;
      // What is read back as a pc or FLAGS needs the whole aligned register; data may be misaligned.
      return dev(reg + (m.data === 'ra' && (off >>> 8) % 4 === 3 ? 1 : 0));
    }
    case 'dev-start':
      return dev(-k);
    case 'dev-end':
      return dev(4096 - k);
  }
}

/** The aligned device register a misaligned device address falls in (a word write there sticks). */
function prepAddress(c: Case, a: string): string {
  return c.place === 'device' ? `(${a}) & ~3` : a;
}

function hex(n: number): string {
  return `0x${(n >>> 0).toString(16)}`;
}

/** Lines that put the operand address in place for the entry's form, with the data register ra. */
function operand(c: Case, addr: string, ra: number): string {
  const e = c.insn;
  const m = e.mem!;
  const load = m.access === 'read';
  let mem: string;
  let setup = '';
  if (e.long && c.absolute) mem = `[${addr}]`;
  else {
    // Long forms need a displacement that does not fit imm16 (else the assembler picks the short one).
    const disp = e.long ? 0x12344 : c.disp;
    setup = `    li r2, ${addr} - (${disp})\n`;
    mem = `[r2 + (${disp})]`;
  }
  return `${setup}    ${e.mnemonic} ${load ? `r${ra}, ${mem}` : `${mem}, r${ra}`}\n`;
}

/** A word store the case needs before it (a return address, FLAGS, a frame word). */
function put(addr: string, value: string): string {
  return `    li r6, ${value}\n    st [${addr}], r6\n`;
}

/** The assembly of one case; `i` numbers its labels and its record. */
function caseSource(c: Case, i: number): string {
  const e = c.insn;
  const m = e.mem!;
  const A = addressOf(c);
  const after = `.Lafter${i}`;
  let s = `; case ${i}: ${e.id} at ${c.place} (${A})\n`;
  s += `    li r9, ${after}\n    st [h_resume], r9\n    li sp, h_stack_top\n`;
  s += `    li r1, ${hex(c.value)}\n    li r4, 0\n    li r3, ${after}\n`;
  // Some flags, so FLAGS records mean something.
  s += `    cmp r1, r4\n`;
  const flagsValue = hex(c.value & 0xf);
  switch (m.at) {
    case 'operand':
      if (m.access === 'read' && !c.place.startsWith('dev-')) s += put(prepAddress(c, A), hex(c.value));
      s += operand(c, A, m.access === 'read' ? 4 : 1);
      break;
    case 'push': {
      s += `    li sp, ${A} + ${m.width}\n`;
      // The instruction itself: the data is register a, the return address or FLAGS (table's `data`).
      if (m.data === 'pc') s += e.form === 'j' ? `    ${e.mnemonic} ${after}\n` : `    ${e.mnemonic} r3\n`;
      else if (m.data === 'flags') s += `    ${e.mnemonic}\n`;
      else s += `    ${e.mnemonic} r1\n`;
      break;
    }
    case 'pop':
      if (!c.place.startsWith('dev-')) s += put(prepAddress(c, A), m.data === 'pc' ? after : m.data === 'flags' ? flagsValue : hex(c.value));
      s += `    li sp, ${A}\n`;
      s += m.data === 'ra' ? `    ${e.mnemonic} r4\n` : `    ${e.mnemonic}\n`;
      break;
    case 'frame':
      // The frame's pc, FLAGS (CPL 0, IF clear) and sp: at sp + FRAME_PC, FRAME_FLAGS, FRAME_SP.
      s += put(`${A}`, after) + put(`${A} + 4`, flagsValue) + put(`${A} + 8`, 'h_stack_top - 64');
      s += `    li sp, ${A} - FRAME_PC\n    ${e.mnemonic}\n`;
      break;
  }
  s += `${after}:\n`;
  s += `    st [h_rec + ${i * 12}], sp\n    st [h_rec + ${i * 12 + 4}], r4\n`;
  s += `    li sp, h_stack_top\n    pushf\n    pop r5\n    st [h_rec + ${i * 12 + 8}], r5\n`;
  return s;
}

/** A kernel that runs `cases` in order, `rounds` times (so a binary translator adapts), then reports. */
export function kernelSource(cases: readonly Case[], rounds = 1): string {
  const body = cases.map((c, i) => caseSource(c, i)).join('');
  return `.include "vx32.inc"
.equ NVECTOR, 256
.text
_start:
    li sp, h_stack_top
    li r1, h_idt
    li r2, h_trap
    li r3, NVECTOR
.Lfill:
    st [r1], r2
    add r1, 4
    sub r3, 1
    cmp r3, 0
    jnz .Lfill
    li r1, h_idt
    lidt r1
    ; pd[0]: 0..4 MiB 1:1 through pt0
    li r1, pt0
    li r2, 0
.Lpte:
    mov r3, r2
    shl r3, 12
    or r3, PTE_P | PTE_W
    st [r1], r3
    add r1, 4
    add r2, 1
    cmp r2, 1024
    jnz .Lpte
    li r1, pt0 | PTE_P | PTE_W
    st [pd], r1
    ; pd[1]: ramx, the NIC's registers, ramy
    li r1, ramx | PTE_P | PTE_W
    st [ptd], r1
    li r1, ${hex(MEMMAP.NIC_MMIO)} | PTE_P | PTE_W
    st [ptd + 4], r1
    li r1, ramy | PTE_P | PTE_W
    st [ptd + 8], r1
    li r1, ptd | PTE_P | PTE_W
    st [pd + 4], r1
    ; pd[2]: ptx, a live page table of addresses nobody uses
    li r1, ptx | PTE_P | PTE_W
    st [pd + 8], r1
    li r1, pd
    mov cr3, r1
    li r1, CR0_PG
    mov cr0, r1
    li r8, ${rounds}
.Lround:
${body}
    sub r8, 1
    cmp r8, 0
    jnz .Lround
    ; the NIC registers the cases wrote, into RAM
    li r1, ${hex(DEVWIN)}
    li r2, h_nic
    li r3, 14
.Lnic:
    ld r4, [r1]
    st [r2], r4
    add r1, 4
    add r2, 4
    sub r3, 1
    cmp r3, 0
    jnz .Lnic
    li r1, h_done
.Lputs:
    ldb r2, [r1]
    cmp r2, 0
    jz .Lout
    out PORT_UART_DATA, r2
    add r1, 1
    jmp .Lputs
.Lout:
    li r1, 0
    out PORT_POWEROFF, r1
    hlt

; Every trap: log vector, error and cr2, and resume at the case's end.
h_trap:
    push r1
    push r2
    ld r1, [h_nlog]
    cmp r1, 1024
    jae .Lfull
    shl r1, 4
    add r1, h_log
    ld r2, [sp + 8 + FRAME_VECTOR]
    st [r1], r2
    ld r2, [sp + 8 + FRAME_ERROR]
    st [r1 + 4], r2
    mov r2, cr2
    st [r1 + 8], r2
    ld r2, [sp + 8 + FRAME_PC]
    st [r1 + 12], r2
    ld r1, [h_nlog]
    add r1, 1
    st [h_nlog], r1
.Lfull:
    ld r1, [h_resume]
    st [sp + 8 + FRAME_PC], r1
    pop r2
    pop r1
    iret

.data
h_done:   .asciz "done\\n"
h_nlog:   .word 0
h_resume: .word 0

.bss
.align 4096
pd:     .space 4096
pt0:    .space 4096
ptd:    .space 4096
pad0:   .space 4096
ptx:    .space 4096
pad1:   .space 4096
ramx:   .space 4096
ramy:   .space 4096
h_idt:  .space NVECTOR * 4
h_log:  .space 1024 * 16
h_rec:  .space ${Math.max(1, cases.length) * 12}
h_nic:  .space 64
.align 16
h_stack: .space 4096
h_stack_top:
`;
}

/** Every entry × every place it makes sense at, with fixed offsets and values: the exhaustive list. */
export function everyCase(entries: readonly OpcodeInfo[] = MEMORY_INSNS): Case[] {
  const out: Case[] = [];
  let n = 0;
  for (const insn of entries)
    for (const place of placesFor(insn))
      for (const absolute of insn.long ? [true, false] : [false]) {
        n++;
        out.push({ insn, place, offset: 0x9e7 * n, value: (0x9e3779b9 * n) >>> 0, absolute, disp: ((n * 37) % 0x200) - 0x100 });
      }
  return out;
}

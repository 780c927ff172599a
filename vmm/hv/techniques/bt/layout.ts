// The binary translator's VMM-private data area (slot numbers, in words) and its callout numbers.
//
// Translated code reaches these slots only through the window instructions (code-window.ts); the
// guest's own instructions cannot. Slots below 256 can also be set by `wset`.

import { FLAGS } from '../../../../isa/abi.js';

export const SLOT = {
  /** The guest's virtual IF: 0 or FLAGS.IF, as it would sit in FLAGS. */
  VIF: 0,
  /** Nonzero while an interrupt waits at the guest's controller (set by the VMM before each entry). */
  PEND: 1,
  /** Mirrors of the virtual control registers, read inline by `mov rd, crN`; cr2, cr4, cr8 written inline. */
  CR0: 2,
  CR2: 3,
  CR3: 4,
  CR4: 5,
  CR8: 6,
  IVTB: 7,
  /** Scratch: r1, r2, r3 are saved in S1..S3 while a sequence borrows them. */
  S1: 8,
  S2: 9,
  S3: 10,
  /** The guest address an indirect branch is going to (read by the miss callout). */
  TGT: 11,
  /** The translated address `wjmp` takes. */
  JT: 12,
  /** Indirect lookups, counted by translated code as they run. */
  LOOKUPS: 13,
  /** Translated address of the shared miss stub. */
  MISS: 14,
  /** The indirect-branch table: TABLE_ENTRIES pairs (guest pc, translated pc). */
  TABLE: 256,
} as const;

export const TABLE_ENTRIES = 512;
export const DATA_WORDS = 2048;
/** A table key no guest pc can be matched against by accident (an odd address is never a translation's). */
export const EMPTY_KEY = 1;

export const VIF_ON = FLAGS.IF;

/** Why translated code called the VMM (`wcall` / `wcallnz` immediates). */
export const CALLOUT = {
  /** Emulate the guest instruction this sequence stands for (I/O, cr0/cr3, hlt, iret, lidt, invlpg, int, ...). */
  EMULATE: 1,
  /** A direct branch whose target is not translated yet: translate it and chain the branch. */
  CHAIN: 2,
  /** The indirect-branch table missed: translate the target in SLOT.TGT and enter it. */
  MISS: 3,
  /** The virtual IF or cr8 changed while an interrupt waits: let the VMM deliver it. */
  PENDING: 4,
  /** An adaptively retranslated memory instruction: the VMM performs it (page-table, code or device page) with no fault. */
  MEMORY: 5,
} as const;

export type CalloutId = (typeof CALLOUT)[keyof typeof CALLOUT];
export const CALLOUT_NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(CALLOUT).map(([k, v]) => [v, k.toLowerCase()]),
);

// The divergence detector: each sensitive instruction the real CPU ran for a guest at ring > 0, checked
// against what bare metal would have given that guest at its own privilege level.
//
// Sensitive-unprivileged instructions never trap, so a real VMM cannot see them: whatever the real CPU
// shows (its IF, its ring, its vector-table base) the guest sees. The simulator can: the CPU reports each
// one through its sensitive hook, with the word pushed, popped or returned, and the detector compares it
// with the guest's virtual CPU. Each difference is recorded on the VM with its source line (`divergences`),
// whichever technique let the instruction run unseen: the runner only installs the hook and says where the
// guest's virtual CPU is. At ring > 0 bare metal itself leaves IF alone on popf, and pushf and rdcpl show
// the real ring: only what differs from that is a divergence.

import { VM_LIMITS } from '../limits.js';
import { FLAGS } from '../../isa/abi.js';
import { BY_OPCODE, type ISA } from '../../isa/table.js';
import type { EmulationContext } from './privileged.js';
import type { VirtualCpu } from './vcpu.js';
import type { Vm } from './vm.js';


/** Every instruction the ISA table classes as sensitive but unprivileged. */
export type SensitiveId = Extract<(typeof ISA)[number], { cls: 'sensitive' }>['id'];

/** Where the guest's own view of its CPU is: its privilege level, its virtual CPU, the pc being run. */
export type GuestView = Pick<EmulationContext, 'cpl' | 'pc'> & { readonly v: VirtualCpu };

/** What one execution gave (`value`: the word pushed, popped or returned) and what the guest is. */
interface Seen {
  readonly value: number;
  readonly cpl: number;
  readonly v: VirtualCpu;
}

const bit = (x: number, mask: number) => ((x & mask) !== 0 ? 1 : 0);

/**
 * What bare metal would have done differently, per sensitive instruction, as the end of a message (or
 * null: the guest saw what it would have seen natively). Typed over the table: a new sensitive
 * instruction without a check here fails to compile.
 */
const CHECKS = {
  pushf: ({ value, cpl, v }) => {
    const realIf = bit(value, FLAGS.IF);
    const realCpl = (value & FLAGS.CPL_MASK) >>> FLAGS.CPL_SHIFT;
    const guestIf = v.vif ? 1 : 0;
    if (realIf === guestIf && realCpl === cpl) return null;
    const real = [realIf !== guestIf ? `IF=${realIf}` : '', realCpl !== cpl ? `CPL ${realCpl}` : ''].filter(Boolean).join(' and ');
    return `revealed the real ${real} (the guest's: IF=${guestIf}, CPL ${cpl}); a real VMM never sees this`;
  },
  popf: ({ value, cpl, v }) => {
    // Outside ring 0 bare metal leaves IF alone as well: only a kernel's popf can lose it.
    if (cpl !== 0) return null;
    const meant = bit(value, FLAGS.IF);
    const vif = v.vif ? 1 : 0;
    if (meant === vif) return null;
    return `left IF=${vif}; the guest meant IF=${meant}; a real VMM never sees this (popf does not trap outside ring 0)`;
  },
  rdcpl: ({ value, cpl }) => {
    if (value === cpl) return null;
    return cpl === 0
      ? `returned ${value}: the guest kernel learns it is not in ring 0`
      : `returned ${value}, not the guest's ring ${cpl}`;
  },
  sidt: ({ value, v }) => {
    if (value >>> 0 === v.ivtb >>> 0) return null;
    return `returned the real vector-table base 0x${(value >>> 0).toString(16)}, not the guest's 0x${(v.ivtb >>> 0).toString(16)}`;
  },
} satisfies Record<SensitiveId, (s: Seen) => string | null>;

export class DivergenceDetector {
  constructor(
    private readonly vm: Vm,
    private readonly guest: GuestView,
  ) {}

  /** The CPU's sensitive hook: called after a sensitive instruction ran at real ring > 0. */
  readonly hook = (opcode: number, value: number): void => {
    const id = BY_OPCODE[opcode]?.id;
    if (id === undefined || !Object.hasOwn(CHECKS, id)) return;
    const g = this.guest;
    const what = CHECKS[id as SensitiveId]({ value, cpl: g.cpl, v: g.v });
    if (what !== null) this.record(g.pc >>> 0, g.cpl, id, what);
  };

  private record(pc: number, cpl: number, insn: string, what: string): void {
    const vm = this.vm;
    vm.counters.silentFailures++;
    const where = vm.sourceOf(pc);
    const message = `${insn} at ${where ?? `0x${pc.toString(16)}`}${cpl === 0 ? '' : ` (ring ${cpl})`} ${what}`;
    const seen = vm.divergences.find((d) => d.pc === pc && d.message === message);
    if (seen) seen.count++;
    else if (vm.divergences.length < VM_LIMITS.DIVERGENCES) vm.divergences.push({ pc, insn, where, message, count: 1 });
    else vm.divergencesDropped++;
  }
}

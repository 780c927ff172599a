// Popek & Goldberg's Theorem 1 applied to the ISA table: is VX32 classically virtualizable? Shared by `vmlab isa --classes` and docs/isa.md.
import { INSNS, type OpcodeInfo } from './table.js';

export interface Verdict {
  readonly machine: string;
  readonly virtualizable: boolean;
  readonly reason: string;
}

export interface Theorem1 {
  readonly statement: string;
  /** Privileged: trap (#GP) when executed outside ring 0. */
  readonly privileged: readonly string[];
  /** Sensitive = control- or behaviour-sensitive: every privileged instruction plus the sensitive-unprivileged ones. */
  readonly sensitive: readonly string[];
  /** The set difference sensitive \ privileged; empty iff Theorem 1 applies. */
  readonly sensitiveUnprivileged: readonly string[];
  /** Window instructions: left out of every set, since no guest can execute them. */
  readonly notGuestVisible: readonly string[];
  readonly notGuestVisibleReason: string;
  readonly verdicts: readonly Verdict[];
}

export const THEOREM1_STATEMENT =
  'Popek & Goldberg (1974), Theorem 1: a VMM may be built for a third-generation machine if the set of ' +
  'sensitive instructions is a subset of the set of privileged instructions (then trap-and-emulate works).';

/** Display names: one per mnemonic, except `mov` whose control-register forms are the sensitive ones. */
function displayName(e: OpcodeInfo): string {
  if (e.form === 'rc') return 'mov from crN';
  if (e.form === 'cr') return 'mov to crN';
  return e.mnemonic;
}

function names(pred: (e: OpcodeInfo) => boolean): string[] {
  return [...new Set(INSNS.filter(pred).map(displayName))];
}

/**
 * Why window instructions do not enter the theorem: it is about the instructions a guest can run, and a
 * guest gets #UD for these in every ring; only the VMM's own translated code executes them.
 */
export const NOT_GUEST_VISIBLE_REASON =
  'window instructions are not guest-visible: a guest gets #UD for them in any ring, only translated code ' +
  'fetched through the code-cache window runs them, so they cannot be sensitive or privileged for a guest';

/** Computes the verdicts from the table's classes and exit reasons, so editing the table updates them. */
export function theorem1(): Theorem1 {
  const privileged = names((e) => e.cls === 'privileged');
  const holes = names((e) => e.cls === 'sensitive');
  const sensitive = names((e) => e.cls === 'privileged' || e.cls === 'sensitive');
  const classic = holes.length === 0;
  const unexited = names((e) => (e.cls === 'privileged' || e.cls === 'sensitive') && e.exit === null);
  const verdicts: Verdict[] = [
    {
      machine: 'VX32',
      virtualizable: classic,
      reason: classic
        ? 'every sensitive instruction is privileged, so trap-and-emulate suffices'
        : `sensitive ⊄ privileged: ${holes.join(', ')} are sensitive but do not trap outside ring 0, ` +
          'so a deprivileged guest kernel runs them silently with the wrong effect (trap-and-emulate diverges)',
    },
    {
      machine: 'strict VX32',
      virtualizable: true,
      reason:
        holes.length === 0
          ? 'identical to VX32'
          : `the machine option makes ${holes.join(', ')} raise #GP outside ring 0; then sensitive ⊆ privileged and ` +
            'Theorem 1 applies',
    },
    {
      machine: 'VX32 with the virtualization extension',
      virtualizable: unexited.length === 0,
      reason:
        unexited.length === 0
          ? 'not by Theorem 1 but by hardware: every sensitive instruction has an exit reason, so a VMM in root mode ' +
            'can intercept each one while the guest kernel keeps its own ring 0 in non-root mode'
          : `${unexited.join(', ')} have no exit reason, so the extension cannot intercept them`,
    },
  ];
  return {
    statement: THEOREM1_STATEMENT,
    privileged,
    sensitive,
    sensitiveUnprivileged: holes,
    notGuestVisible: names((e) => e.cls === 'window'),
    notGuestVisibleReason: NOT_GUEST_VISIBLE_REASON,
    verdicts,
  };
}

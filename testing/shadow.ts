// Watching a student's shadow-sync policy: audit the shadow against the guest's tables at every event.

import { CheckFailure } from './failure.js';
import type { ShadowSync, ShadowView } from '../vmm/hv/memory/shadow-sync.js';

export interface StaleEntry {
  /** The guest-virtual page whose shadow entry disagreed. */
  readonly va: number;
  readonly problem: string;
  /** When it was seen: "after a page-table write at 0x…" or "at invlpg 0x…". */
  readonly when: string;
}

/** Mismatches kept per run: the first ones say what went wrong; thousands more would only slow the run. */
const MAX_KEPT = 100;

/**
 * Wrap a sync policy so the whole shadow is audited after every guest page-table write and before every
 * invlpg (a shadow kept in sync by write-protection must already be right by then). Mismatches go to
 * `stale`; a JavaScript error in the policy becomes a CheckFailure naming the hook.
 */
export function auditedShadowSync(sync: ShadowSync, stale: StaleEntry[]): ShadowSync {
  const hex = (n: number) => `0x${(n >>> 0).toString(16)}`;
  const audit = (view: ShadowView, when: string) => {
    if (stale.length >= MAX_KEPT) return;
    for (const m of view.audit()) if (stale.length < MAX_KEPT) stale.push({ ...m, when });
  };
  const guard = (hook: string, f: () => void) => {
    try {
      f();
    } catch (e) {
      if (e instanceof CheckFailure) throw e;
      throw new CheckFailure(`your ${hook} threw: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  return {
    afterPageTableWrite(view, gpa, size) {
      guard('afterPageTableWrite', () => sync.afterPageTableWrite(view, gpa, size));
      audit(view, `after a ${size}-byte page-table write at guest-physical ${hex(gpa)}`);
    },
    invlpg(view, va) {
      audit(view, `at invlpg ${hex(va)}`);
      guard('invlpg', () => sync.invlpg(view, va));
    },
  };
}

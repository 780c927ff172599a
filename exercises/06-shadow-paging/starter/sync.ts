// Exercise 06: YOUR shadow-sync policy: keep the VMM's shadow page tables in step with the guest's (see the README).
//
// The VMM write-protects every page the guest uses as a page table. When the guest stores to one, the
// store traps; the VMM performs it and calls afterPageTableWrite(view, gpa, size). When the guest runs
// `invlpg va`, the VMM calls invlpg(view, va). What you can do with `view`:
//   view.uses(frame)          how the guest uses guest frame `frame` (gpa >> 12) as a page table right now:
//                             [{ kind: 'directory' }] and/or [{ kind: 'table', pdIndex }] (several slots may share one)
//   view.dropEntry(pd, i)     drop the shadow entry for page i (0..1023) of directory slot pd (0..1023);
//                             the CPU faults on it next time and the VMM refills it from the guest's tables
//   view.flush()              drop the whole shadow and re-read which frames are page tables
//   view.audit()              (debugging) every shadow entry that disagrees with the guest's tables now
import type { ShadowSync } from 'vmlab/testing';

export const sync: ShadowSync = {
  afterPageTableWrite(view, gpa, size) {
    // TODO: drop every shadow entry this store may have changed.
  },
  invlpg(view, va) {
    // TODO: the guest says the translation of va changed.
  },
};

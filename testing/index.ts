// vmlab/testing: what exercise suites (and any vitest suite) import to boot kernels and check what they did.

export { boot, bootTogether, DEFAULT_MAX_INSTRUCTIONS, ProgramError, type BlockWrite, type BootOptions, type Program, type Run } from './boot.js';
export {
  exitCount,
  expectExitsAtMost,
  expectNoDivergence,
  expectNoPrivileged,
  expectPoweroff,
  expectSameAsNative,
} from './assertions.js';
export { diffLines, formatDiff } from './diff.js';
export { CheckFailure, expectThat } from './failure.js';
export { expectOutput, lineStartingWith, normalizeOutput, outputMatches } from './output.js';
export { defineSuite, runSuite, setupFailure, VISIBILITIES, type Visibility, type Check, type CheckContext, type CheckResult, type Suite, type SuiteResult } from './suite.js';
export { loadSuite, resolveExercise, SuiteError } from './load-suite.js';
export { checkedHandlers } from './handlers.js';
export { importWork } from './import-work.js';
export { bundledKernel } from './kernels.js';
export { auditedShadowSync, type StaleEntry } from './shadow.js';
export { render, REPORTERS, type ReporterName } from './reporters/index.js';

// What VMM-side exercises write against.
export { CR, CR0_PG, FLAGS, PTE, VEC } from '../isa/abi.js';
export type { Decoded } from '../isa/encoding.js';
export { GuestFault, HANDLERS, type EmulationContext, type Handler, type HandlerOverrides, type SystemId } from '../vmm/hv/privileged.js';
export { DEFAULT_SHADOW_SYNC, type PageTableUse, type ShadowMismatch, type ShadowSync, type ShadowView } from '../vmm/hv/memory/shadow-sync.js';
export type { GuestRegisters } from '../vmm/hv/guest-state.js';

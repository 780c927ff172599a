// Per-VM limits on what a guest can make the VMM keep, defined once: docs/security.md tables them.
//
// A guest decides how much it prints, sends, reports and faults; none of that may decide how much memory
// the VMM uses. Every structure a guest can grow has its bound here (or, where the guest can see it, in
// isa/abi.ts: NIC_MAX_PACKET, HC_CONSOLE_MAX, HC_BATCH_MAX, RING_SLOTS, EVTCHN_PORTS, GRANT_MAX). Past
// a bound the VMM does what hardware does, drops and counts; it never grows and never stops for it.

export const VM_LIMITS = {
  /** Console bytes a run's transcript keeps (`console` in results and --json); later ones still stream to stdout. */
  CONSOLE_TRANSCRIPT_BYTES: 1 << 20,
  /** Console bytes `vmlab run` holds back waiting for a newline before it writes them out anyway. */
  CONSOLE_LINE_BYTES: 64 * 1024,
  /** Sent packets the far end of a VM's wire keeps (`wire.sent`, final state); each is at most NIC_MAX_PACKET bytes. */
  WIRE_CAPTURE_PACKETS: 1024,
  /** Self-test results kept in order (`stats.devices.tests.results`); the pass and fail counts stay exact. */
  TEST_RESULTS: 4096,
  /** Phase marks (`== name ==` lines) a run splits its counts at; exits after the last one kept count as `shutdown`. */
  PHASE_MARKS: 256,
  /** Distinct silent failures of sensitive instructions reported (each with its count). */
  DIVERGENCES: 32,
  /** bt: guest instructions whose emulated faults are counted toward adaptive retranslation. */
  BT_FAULT_SITES: 4096,
  /** Pages of the VMM's own page pool per VM, for its shadow or second-stage tables and the bt code cache. */
  VM_POOL_PAGES: 512,
  /** Pool pages the bt code cache always leaves to the shadow tables, so a shadow flush always frees enough to go on. */
  POOL_SHADOW_RESERVE_PAGES: 64,
} as const;

export type VmLimit = keyof typeof VM_LIMITS;

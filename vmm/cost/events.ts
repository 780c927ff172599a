// The events the cost model charges for: one vocabulary shared by every technique, so runs compare line by line.
// A technique may add events of its own (its descriptor's costEvents); profiles price those too.

export const COST_EVENTS = {
  instruction: 'a guest instruction run directly by the CPU',
  interpretedInstruction: "a guest instruction run by the VMM's interpreter (emulate)",
  tlbMiss: 'a TLB miss, beyond the cost of its walk references',
  pageWalkRef: 'a memory reference made by a page walk (2 per native miss, 8 per two-dimensional miss)',
  trap: 'an exception or software interrupt the CPU delivers through the vector table, and its return',
  interrupt: 'an external interrupt the CPU delivers through the vector table',
  ioAccess: 'a register access to a physical device',
  vmExit: 'a VM exit and the VM entry back, before any handling',
  hostTrap: "a deprivileged guest's fault entering the VMM and returning to the guest",
  emulatedInstruction: 'an instruction decoded and emulated by the VMM',
  reflectedTrap: "a trap or interrupt the VMM delivers into the guest's handler by building the frame itself",
  interruptInjected: 'a virtual interrupt the VMM injects',
  deviceEmulation: "a device register access served by the VMM's device model",
  shadowFault: 'a hidden page fault that fills a shadow page-table entry',
  shadowSync: 'a guest page-table write propagated to the shadow tables',
  shadowFlush: 'a shadow discarded and rebuilt (address-space switch, directory edit)',
  worldSwitch: 'switching the CPU from one VM to another',
  hypercall: 'a hypercall dispatched by the VMM (each entry of a multicall counts)',
  eventUpcall: "an event the VMM delivers to a PV guest's upcall handler (frame built, shared-info page updated)",
  notification: "a split-driver notification's signalling work in the VMM, either way (beyond the hypercall or upcall carrying it)",
  backendRequest: 'a request a split back-end takes off its ring: copy, validation, grant lookup and the transfer',
} as const;

export type CostEvent = keyof typeof COST_EVENTS;
export const COST_EVENT_NAMES = Object.keys(COST_EVENTS) as CostEvent[];

/** Counts of the common events, and of any a technique adds. */
export type EventCounts = Record<CostEvent, number> & Record<string, number>;

export function zeroCounts(): EventCounts {
  return Object.fromEntries(COST_EVENT_NAMES.map((e) => [e, 0])) as EventCounts;
}

// Turning a run's statistics into the cost model's event counts, the same way for every technique.

import { cpuInterruptDeliveries, type RunStats } from '../run-result.js';
import { zeroCounts, type EventCounts } from './events.js';

/** How a technique's work is charged: data its descriptor carries, so the cost model names no technique. */
export interface Accounting {
  /** Guest instructions are interpreted by the VMM rather than run by the CPU. */
  readonly interpreted: boolean;
  /** The guest reaches the physical devices (no device model in between). */
  readonly physicalDevices: boolean;
  /** What an exit is: nothing leaves the guest, a host trap, or a hardware VM exit. */
  readonly exits: 'none' | 'host-trap' | 'hardware';
}

/** Port and MMIO accesses that reached a bus. */
export function busAccesses(s: Pick<RunStats, 'io'>): number {
  return s.io.portReads + s.io.portWrites + s.io.mmioReads + s.io.mmioWrites;
}

export function eventCounts(a: Accounting, s: RunStats): EventCounts {
  const c = zeroCounts();
  const interpreted = a.interpreted;
  c.instruction = interpreted ? 0 : s.guestInstructions - s.emulatedInstructions;
  c.interpretedInstruction = interpreted ? s.guestInstructions : 0;
  c.tlbMiss = s.tlbMisses;
  c.pageWalkRef = s.pageWalkRefs;
  // Deliveries through the vector table by the CPU (the interpreter's count as software work). An
  // interrupt a VMM reflects by building the frame itself is a reflected trap, not a CPU delivery.
  const interrupts = cpuInterruptDeliveries(s.trapsByVector);
  if (interpreted) c.reflectedTrap = s.traps + interrupts + s.reflectedTraps;
  else {
    c.trap = s.traps;
    c.interrupt = interrupts;
    c.reflectedTrap = s.reflectedTraps;
  }
  // On bare metal the guest talks to physical devices; in a VM, to the VMM's models.
  if (a.physicalDevices) c.ioAccess = busAccesses(s);
  else {
    c.deviceEmulation = s.deviceAccesses;
    c.ioAccess = s.passthroughAccesses;
  }
  // Only the extension has hardware exits; under trap-and-emulate the VMM's entries are host traps.
  c.vmExit = a.exits === 'hardware' ? s.exitsTotal : 0;
  c.hostTrap = s.hostTraps;
  c.emulatedInstruction = s.emulatedInstructions;
  c.interruptInjected = s.interruptsInjected;
  c.shadowFault = s.shadowFaults;
  c.shadowSync = s.shadowSyncs;
  c.shadowFlush = s.shadowFlushes;
  c.worldSwitch = s.worldSwitches;
  c.hypercall = Object.values(s.hypercalls).reduce((a, b) => a + b, 0);
  c.eventUpcall = s.upcalls;
  for (const b of Object.values(s.backends ?? {})) {
    c.notification += (b['notificationsIn'] ?? 0) + (b['notificationsOut'] ?? 0);
    c.backendRequest += b['requests'] ?? 0;
  }
  return c;
}

// The hypercall table: one handler per HC number, bounds-checked dispatch, every argument validated.
//
// Pointers are guest-virtual and must lie in the caller's own mapped RAM (EFAULT otherwise); lengths and
// batches are capped (E2BIG); numbers outside the table are ENOSYS. A handler never throws for guest input.

import {
  EVT_BIND,
  HC,
  HC_BATCH_MAX,
  HC_CONSOLE_MAX,
  HC_COUNT,
  HC_ERR,
  MMU_CMD,
  MMU_REQ,
  MULTICALL,
  PV_VERSION,
  UVM,
  VECTOR_COUNT,
  VIRQ,
  type HypercallName,
} from '../../../isa/abi.js';
import type { DirectPaging } from './direct.js';
import type { EventChannels } from './events.js';
import { isBackendId, type BackendId, type GrantTable } from './grants.js';
import type { PvMemory } from './vmem.js';

/** The handler changed pc itself (iret) or the domain stopped (shutdown): r0 is left alone. */
export const NO_RESULT = Symbol('no result');
export type HcResult = number | typeof NO_RESULT;
export type Args = readonly [number, number, number, number, number];

/** What the handlers act on: the domain's state and the runner's CPU-side operations. */
export interface HcContext {
  readonly mem: PvMemory;
  readonly paging: DirectPaging;
  readonly events: EventChannels;
  readonly grants: GrantTable;
  readonly features: number;
  console(bytes: Uint8Array): void;
  setTrapTable(table: Uint32Array, upcall: number): void;
  /** Pin (if need be) and load a page directory; 0 or a negated HC_ERR. */
  setBase(ma: number): number;
  setKernelStack(sp: number): void;
  flushTlb(): void;
  invalidatePage(va: number): void;
  setTimer(period: number, periodic: boolean): void;
  yieldSlice(): void;
  block(): void;
  hasBackend(id: BackendId): boolean;
  connect(id: BackendId, ring: number, port: number, ring2: number): number;
  /** evtchn_send: notify the back-end bound to `port`. */
  notify(port: number): number;
  shutdown(status: number): void;
  iret(): HcResult;
  /** Count one dispatched hypercall by name. */
  count(name: HypercallName): void;
}

type Handler = (c: HcContext, a: Args) => HcResult;

const ERR = HC_ERR;

function mmuUpdate(c: HcContext, [reqs, count]: Args): number {
  if (count > HC_BATCH_MAX) return -ERR.E2BIG;
  const b = c.mem.readBytes(reqs, count * MMU_REQ.SIZE);
  if (b === null) return -ERR.EFAULT;
  const view = new DataView(b.buffer);
  let flush = false;
  let result = count;
  for (let i = 0; i < count; i++) {
    const raw = view.getUint32(i * MMU_REQ.SIZE + MMU_REQ.PTR, true);
    const val = view.getUint32(i * MMU_REQ.SIZE + MMU_REQ.VAL, true);
    const ptr = (raw & ~3) >>> 0;
    let err = 0;
    switch (raw & 3) {
      case MMU_CMD.NORMAL_PT_UPDATE: {
        const r = c.paging.update(ptr, val);
        err = r.err;
        flush ||= r.flush;
        break;
      }
      case MMU_CMD.PIN_TABLE:
        err = c.paging.pinTable(ptr);
        flush = true; // a translation cached before the pin may still allow writes to the new table
        break;
      case MMU_CMD.UNPIN_TABLE:
        err = c.paging.unpin(ptr);
        break;
      default:
        err = c.paging.pinDirectory(ptr);
        flush = true;
    }
    if (err) {
      result = err;
      break;
    }
  }
  if (flush) c.flushTlb();
  return result;
}

function multicall(c: HcContext, [list, count]: Args): HcResult {
  if (count > HC_BATCH_MAX) return -ERR.E2BIG;
  // Results are written back: the whole list must be the caller's and writable before anything runs.
  if (!c.mem.check(list, count * MULTICALL.SIZE, true)) return -ERR.EFAULT;
  for (let i = 0; i < count; i++) {
    const at = (list + i * MULTICALL.SIZE) >>> 0;
    const op = c.mem.read32(at + MULTICALL.OP);
    const a = [0, 1, 2, 3, 4].map((k) => c.mem.read32(at + MULTICALL.ARGS + 4 * k)) as unknown as Args;
    // No nesting, and nothing that moves pc from inside a batch.
    const r = op === HC.MULTICALL || op === HC.IRET ? -ERR.EINVAL : dispatch(c, op, a);
    if (r === NO_RESULT) return NO_RESULT;
    c.mem.write32(at + MULTICALL.RESULT, r);
  }
  return 0;
}

const HANDLERS = {
  CONSOLE_WRITE: (c, [buf, len]) => {
    if (len > HC_CONSOLE_MAX) return -ERR.E2BIG;
    const bytes = c.mem.readBytes(buf, len);
    if (bytes === null) return -ERR.EFAULT;
    c.console(bytes);
    return len;
  },
  VERSION: () => PV_VERSION,
  FEATURES: (c) => c.features,
  SET_TRAP_TABLE: (c, [table, upcall]) => {
    if (upcall % 4 !== 0) return -ERR.EINVAL;
    const b = c.mem.readBytes(table, VECTOR_COUNT * 4);
    if (b === null) return -ERR.EFAULT;
    c.setTrapTable(new Uint32Array(b.buffer.slice(0)), upcall);
    return 0;
  },
  MMU_UPDATE: mmuUpdate,
  UPDATE_VA_MAPPING: (c, [va, pte, flags]) => {
    if ((flags & ~UVM.INVLPG) !== 0) return -ERR.EINVAL;
    const ptr = c.paging.pteAddress(va);
    if (ptr < 0) return -ERR.EINVAL;
    const r = c.paging.update(ptr, pte);
    if (r.err) return r.err;
    if (r.flush) c.flushTlb();
    if (flags & UVM.INVLPG) c.invalidatePage(va);
    return 0;
  },
  NEW_BASEPTR: (c, [ma]) => c.setBase(ma),
  STACK_SWITCH: (c, [sp]) => {
    c.setKernelStack(sp);
    return 0;
  },
  SET_TIMER: (c, [period, periodic]) => {
    if (periodic > 1) return -ERR.EINVAL;
    c.setTimer(period, periodic === 1);
    return 0;
  },
  SCHED_YIELD: (c) => {
    c.yieldSlice();
    return 0;
  },
  SCHED_BLOCK: (c) => {
    c.block();
    return 0;
  },
  EVTCHN_BIND: (c, [kind, which]) => {
    if (kind === EVT_BIND.VIRQ) {
      if (!(Object.values(VIRQ) as number[]).includes(which)) return -ERR.EINVAL;
    } else if (kind === EVT_BIND.BACKEND) {
      if (!isBackendId(which)) return -ERR.EINVAL;
      if (!c.hasBackend(which)) return -ERR.ENOENT;
    } else return -ERR.EINVAL;
    return c.events.bind(kind, which);
  },
  EVTCHN_SEND: (c, [port]) => c.notify(port),
  EVTCHN_MASK: (c, [port]) => c.events.mask(port),
  EVTCHN_UNMASK: (c, [port]) => c.events.unmask(port),
  GRANT: (c, [page, backend, flags]) => c.grants.grant(page, backend, flags),
  GRANT_REVOKE: (c, [ref]) => c.grants.revoke(ref),
  MULTICALL: multicall,
  SHUTDOWN: (c, [status]) => {
    c.shutdown(status);
    return NO_RESULT;
  },
  IRET: (c) => c.iret(),
  DEVICE_CONNECT: (c, [id, ring, port, ring2]) => (isBackendId(id) ? c.connect(id, ring, port, ring2) : -ERR.EINVAL),
} satisfies Record<HypercallName, Handler>;

/** Hypercall names by number (the table is indexed by these). */
export const HC_NAMES: readonly HypercallName[] = (() => {
  const names = new Array<HypercallName>(HC_COUNT);
  for (const [k, v] of Object.entries(HC) as [HypercallName, number][]) names[v] = k;
  if (names.length !== HC_COUNT || names.some((n) => n === undefined)) throw new Error('HC numbers must be 0..HC_COUNT-1');
  return names;
})();

/** Dispatch hypercall `nr` (any value: out of range is ENOSYS). Arguments are unsigned words. */
export function dispatch(c: HcContext, nr: number, args: Args): HcResult {
  if (!Number.isInteger(nr) || nr < 0 || nr >= HC_COUNT) return -ERR.ENOSYS;
  const name = HC_NAMES[nr]!;
  c.count(name);
  return HANDLERS[name](c, args);
}

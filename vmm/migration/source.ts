// The source side of a live migration: pre-copy rounds over a modeled link, the stop-and-copy switch-over, and the wait for the acknowledgement.
//
// Generic: it asks the technique's runner for its dirty log and never names a technique. The link is
// abstract (the CLI gives it a TCP socket); the guest runs between batches of pages, for as many guest
// instructions as the modeled bandwidth says the batch takes, so a run is the same whatever the real
// network does. Until the destination's ACK arrives the VM stays here: any failure returns with the VM
// still running (or stopped at the switch-over point, ready to go on).

import { PAGE_SIZE } from '../../isa/abi.js';
import type { Hypervisor } from '../hv/hypervisor.js';
import { encodeSnapshot } from '../snapshot/format.js';
import { helloFrame, MSG, pagesFrame, roundFrame, text, frame, utf8, type Frame } from './protocol.js';

/** The link pages are modeled over: `bandwidth` pages per this many guest instructions. */
export const BANDWIDTH_INSTRUCTIONS = 100_000;
/** Modeled clock for turning modeled cycles into time: 1 GHz (a cycle is a nanosecond). */
export const MODEL_HZ = 1e9;
/** Pre-copy stops iterating once a round leaves at most this many dirty pages (Xen's threshold). */
export const DEFAULT_STOP_PAGES = 50;

/** Where the pages go: the CLI's TCP connection, or a test's pipe. Both reject once the link is broken. */
export interface MigrationLink {
  send(bytes: Uint8Array): Promise<void>;
  /** The destination's next message. */
  receive(): Promise<Frame>;
}

export interface MigrationOptions {
  /** Pre-copy rounds before the switch-over at most (0: stop-and-copy, everything sent with the VM stopped). */
  readonly maxRounds: number;
  /** Pages per BANDWIDTH_INSTRUCTIONS guest instructions. */
  readonly bandwidth: number;
  /** Stop iterating when a round leaves at most this many dirty pages. */
  readonly stopPages: number;
  /** The run's instruction limit: pre-copy never runs the guest past it. */
  readonly maxInstructions: number;
  readonly mode: string;
}

export interface RoundReport {
  readonly round: number;
  /** Pages sent in this round. */
  readonly pages: number;
  /** Guest instructions the round took on the modeled link (the guest ran meanwhile, except in the last). */
  readonly instructions: number;
}

export interface MigrationReport {
  readonly mode: string;
  /** Guest time (simulated instructions) at which the migration began and at which the VM stopped. */
  readonly startedAt: number;
  readonly stoppedAt: number;
  /** Pre-copy rounds, then the stop-and-copy round last. */
  readonly rounds: readonly RoundReport[];
  readonly totalPages: number;
  readonly bytes: number;
  /** Guest instructions' worth of modeled link time the VM stood still, and that in modeled nanoseconds. */
  readonly downtimeInstructions: number;
  readonly downtimeNs: number;
  /** From the start of round 0 to the end of the switch-over, in guest instructions of modeled time. */
  readonly totalInstructions: number;
  /** Why pre-copy stopped iterating. */
  readonly stoppedBecause: 'stop-and-copy' | 'converged' | 'max-rounds';
}

export type MigrationOutcome =
  | { readonly ok: true; readonly report: MigrationReport }
  | { readonly ok: false; readonly reason: string; readonly report: Partial<MigrationReport> }
  /** The guest stopped (powered off, crashed, hit the limit) before the switch-over: nothing left to move. */
  | { readonly ok: false; readonly ended: true; readonly reason: string; readonly report: Partial<MigrationReport> };

/** Why this run cannot migrate with these options, or null (checked before the run starts). */
export function migrationRefusal(hv: Hypervisor, o: Pick<MigrationOptions, 'maxRounds'>): string | null {
  const t = hv.descriptor;
  const support = t.migrates ?? t.snapshots;
  if (support !== true) return support.refused;
  if (hv.vms.length !== 1) return 'a migration moves one VM; this run has several';
  if (hv.vms[0]!.devices === 'passthrough')
    return "a passed-through NIC is this machine's hardware, mapped into the VM: a VM that has one cannot move (use --devices emulated)";
  if (o.maxRounds > 0 && hv.runners[0]!.dirtyLog() === null)
    return `pre-copy needs to know which pages the guest writes, and ${t.name} keeps no dirty log; --max-rounds 0 migrates it stop-and-copy`;
  return null;
}

/** Migrate the run's one VM over `link`; the VM must stand between two slices (after runUntil). */
export async function migrate(hv: Hypervisor, link: MigrationLink, o: MigrationOptions): Promise<MigrationOutcome> {
  const vm = hv.vms[0]!;
  const ram = vm.guest.raw;
  const pageCount = ram.length / PAGE_SIZE;
  const startedAt = hv.usedBy(0);
  const rounds: RoundReport[] = [];
  let totalPages = 0;
  let bytes = 0;
  let sentPages = 0;
  const log = o.maxRounds > 0 ? hv.runners[0]!.dirtyLog() : null;
  const partial = (): Partial<MigrationReport> => ({ mode: o.mode, startedAt, rounds: [...rounds], totalPages, bytes });
  const send = async (b: Uint8Array) => {
    bytes += b.length;
    await link.send(b);
  };
  /** Guest time the link has used since the start: `sentPages` at `bandwidth` pages per BANDWIDTH_INSTRUCTIONS. */
  const linkTime = () => Math.ceil((sentPages * BANDWIDTH_INSTRUCTIONS) / o.bandwidth);
  const batch = Math.max(1, Math.floor(o.bandwidth / 10));

  try {
    await send(
      helloFrame({
        technique: hv.technique,
        memory: hv.memory,
        devices: vm.devices,
        strict: hv.host.strict,
        ramSize: ram.length,
        pageSize: PAGE_SIZE,
        mode: o.mode,
      }),
    );
    const answer = await link.receive();
    if (answer.type === MSG.REFUSE) return { ok: false, reason: `the destination refused the VM: ${text(answer.payload)}`, report: partial() };
    if (answer.type !== MSG.WELCOME) return { ok: false, reason: `the destination answered the handshake with message ${answer.type}`, report: partial() };

    /** Send `pages` as round `round`, the guest running meanwhile unless `stopped`. */
    const sendRound = async (round: number, pages: readonly number[], stopped: boolean): Promise<boolean> => {
      const before = linkTime();
      await send(roundFrame(round, pages.length));
      for (let i = 0; i < pages.length; i += batch) {
        const chunk = pages.slice(i, i + batch);
        await send(pagesFrame(ram, chunk));
        sentPages += chunk.length;
        totalPages += chunk.length;
        if (!stopped) {
          hv.runUntil(Math.min(startedAt + linkTime(), o.maxInstructions));
          if (!vm.running || hv.usedBy(0) >= o.maxInstructions) return false;
        }
      }
      rounds.push({ round, pages: pages.length, instructions: linkTime() - before });
      return true;
    };

    let last: number[] = Array.from({ length: pageCount }, (_, p) => p);
    let stoppedBecause: MigrationReport['stoppedBecause'] = 'stop-and-copy';
    if (log) {
      log.start();
      for (let round = 0; ; round++) {
        if (!(await sendRound(round, last, false))) {
          log.stop();
          await send(frame(MSG.ABORT, utf8('the VM stopped on the source before the switch-over')));
          return { ok: false, ended: true, reason: 'the guest stopped before the switch-over', report: partial() };
        }
        last = log.take();
        if (last.length <= o.stopPages) {
          stoppedBecause = 'converged';
          break;
        }
        if (round + 1 >= o.maxRounds) {
          stoppedBecause = 'max-rounds';
          break;
        }
      }
      log.stop();
    }
    // Stop-and-copy: the VM stands still from here; what is left goes, then its CPU, devices and disk.
    const stoppedAt = hv.usedBy(0);
    const downStart = linkTime();
    await sendRound(rounds.length, last, true);
    const saved = hv.save();
    const state = encodeSnapshot({
      run: { ...saved, ram: [new Uint8Array(ram.length)] },
      images: [vm.image],
      maxInstructions: o.maxInstructions,
    });
    await send(frame(MSG.SWITCH, state));
    const downtimeInstructions = linkTime() - downStart;
    const ack = await link.receive();
    if (ack.type === MSG.REFUSE) return { ok: false, reason: `the destination could not restore the VM: ${text(ack.payload)}`, report: partial() };
    if (ack.type !== MSG.ACK) return { ok: false, reason: `the destination answered the switch-over with message ${ack.type}`, report: partial() };
    return {
      ok: true,
      report: {
        mode: o.mode,
        startedAt,
        stoppedAt,
        rounds,
        totalPages,
        bytes,
        downtimeInstructions,
        downtimeNs: Math.round((downtimeInstructions * hv.profile.costs.instruction * 1e9) / MODEL_HZ),
        totalInstructions: linkTime(),
        stoppedBecause,
      },
    };
  } catch (e) {
    log?.stop();
    return { ok: false, reason: (e as Error).message, report: partial() };
  }
}

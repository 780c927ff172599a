// The hypervisor: places VMs in host memory, boots each under the chosen technique, time-slices them on the
// one physical CPU, and reports each VM's run.

import type { Image } from '../../assembler/types.js';
import { IMAGE_FLAG } from '../../assembler/types.js';
import { EXIT_CODE, MEMMAP, PAGE_SIZE } from '../../isa/abi.js';
import { loadProfile, type CostProfile } from '../cost/profile.js';
import { loadImage } from '../machine/loader.js';
import { MachineConfigError, ramSizeError } from '../machine/ram.js';
import type { RunResult } from '../run-result.js';
import type { Loopback, Nic } from '../devices/nic.js';
import { Platform, type PlatformState } from '../platform.js';
import type { PhaseCount } from '../phases.js';
import { buildRunStats } from '../stats.js';
import { exitsTotal } from './counters.js';
import type { VmExit } from './exits.js';
import { finalState, type GuestFinalState } from './guest-state.js';
import { Host, type HostState, type VmRegion } from './host.js';
import { PoolExhausted } from './memory/page-pool.js';
import type { ShadowSync } from './memory/shadow-sync.js';
import { HANDLERS, type HandlerOverrides } from './privileged.js';
import type { TechniqueDescriptor } from './techniques/descriptor.js';
import { findTechnique, techniqueNames } from './techniques/registry.js';
import type { Runner } from './techniques/runner.js';
import type { BackendSet } from './pv/backend.js';
import { SplitDevices, type SavedSplitDevices } from './pv/backends/index.js';
import type { DeviceMode, MemoryMode } from './types.js';
import { ConfigError } from './config-error.js';
import { SnapshotStateError } from './state-error.js';
import { Vm, type Divergence, type VmState } from './vm.js';

export interface VmSpec {
  readonly name: string;
  /** How this VM reaches its devices (default: the hypervisor's `devices`, else emulated). */
  readonly devices?: DeviceMode;
  readonly image: Image;
  readonly ramSize?: number;
  readonly stdin?: string | Uint8Array;
  readonly blockImage?: Uint8Array;
  readonly consoleSink?: (text: string) => void;
  /** Packets the far end of the wire sends, each as soon as the guest's NIC has a free receive descriptor. */
  readonly packets?: readonly Uint8Array[];
}

export interface HypervisorOptions {
  /** A registered technique's name (techniques/registry.ts). */
  readonly technique: string;
  readonly memory?: MemoryMode;
  /** Strict VX32: the sensitive-unprivileged instructions trap at ring > 0. */
  readonly strict?: boolean;
  readonly profile?: CostProfile;
  /** Guest instructions a VM runs before the scheduler switches to the next one. */
  readonly quantum?: number;
  /** Watches every exit of every VM as it is handled. */
  readonly onExit?: (vm: string, exit: VmExit) => void;
  /** Watches each external interrupt delivered into each VM (see InterruptObserver). */
  readonly onInterrupt?: (vm: string, at: number, vector: number) => void;
  /** Device model for every VM that does not name its own. */
  readonly devices?: DeviceMode;
  /** trap only: replace these entries of privileged.ts's handler table (exercise 03: student handlers). */
  readonly handlers?: HandlerOverrides;
  /** Shadow paging only: the policy that keeps the shadow in sync with guest page-table edits (exercise 06). */
  readonly shadowSync?: ShadowSync;
  /** The split-driver back-ends a PV domain under `--devices split` may connect to (vmm/hv/pv/backend.ts). */
  readonly backends?: BackendSet;
  /** Options of the technique's own (its descriptor's `options`, by key): bt's code-cache size, for one. */
  readonly techniqueOptions?: Readonly<Record<string, unknown>>;
}

/** A technique runs either unmodified kernels or paravirtual ports, and may refuse an image of its own accord. */
function checkKernel(spec: VmSpec, t: TechniqueDescriptor): void {
  const pv = (spec.image.flags & IMAGE_FLAG.PV) !== 0;
  if (t.kernels === 'paravirtual' && !pv)
    throw new ConfigError(
      `${spec.name} is not a paravirtual kernel (no .pv directive): --technique ${t.name} runs only kernels built with the SDK`,
    );
  if (t.kernels === 'unmodified' && pv) {
    const runs = techniqueNames().filter((n) => findTechnique(n)!.kernels === 'paravirtual');
    throw new ConfigError(`${spec.name} is a paravirtual kernel (.pv): it makes hypercalls and runs only under --technique ${runs.join(' or ')}`);
  }
  const refusal = t.checkKernel?.(spec.image, spec.ramSize ?? MEMMAP.DEFAULT_RAM);
  if (refusal) throw new ConfigError(`${spec.name}: ${refusal}`);
}

/** What a device model needs of the technique, for refusal messages. */
const DEVICE_MODE_NEEDS: Readonly<Record<DeviceMode, string>> = {
  emulated: 'device models in a VMM',
  passthrough: 'hardware assistance (to map the NIC into the VM)',
  split: 'a paravirtual kernel (.pv)',
};

/** Which techniques accept a device model, for refusal messages. */
function acceptedBy(devices: DeviceMode): string {
  return techniqueNames().filter((n) => findTechnique(n)!.devices.includes(devices)).join(' or ') || 'no technique';
}

export interface VmRunResult extends RunResult {
  readonly name: string;
  readonly technique: string;
  readonly memory: MemoryMode | null;
  /** Device model; null for native, which has the devices to itself. */
  readonly devices: DeviceMode | null;
  /** Silent failures of sensitive instructions (trap-and-emulate), first ones first. */
  readonly divergences: readonly Divergence[];
  /** Exits per workload phase, split where the guest printed `== name ==` (see phases.ts). */
  readonly phases: readonly PhaseCount[];
  /** The technique's state as text, where the user asked for it (bt's `--dump-cache`: the code cache). */
  readonly dump?: string;
}

export { ConfigError };

export { SnapshotStateError };

/** A whole run as plain data (JSON-able), for snapshots and migration. */
export interface HypervisorState {
  technique: string;
  memory: MemoryMode | null;
  strict: boolean;
  quantum: number;
  profile: CostProfile;
  techniqueOptions: Record<string, unknown>;
  sched: SchedulerState;
  worldSwitches: number;
  host: HostState;
  vms: {
    name: string;
    ramSize: number;
    /** Host-physical address of the VM's RAM: a paravirtual guest's page tables hold machine addresses. */
    base: number;
    devices: DeviceMode;
    vm: VmState;
    platform: PlatformState;
    /** The technique's own state (its runner's saveState). */
    technique: unknown;
    /** The split back-ends' state, where the VM has them. */
    split: unknown;
  }[];
}

/** A saved run: its state, and each VM's RAM and disk as bytes (kept out of the JSON: they are large). */
export interface SavedRun {
  state: HypervisorState;
  ram: Uint8Array[];
  disks: Uint8Array[];
}

export interface RestoreOptions {
  /** Each VM's console sink from the restore on (text produced before is not sent again). */
  consoleSinks?: readonly (((text: string) => void) | undefined)[];
  onExit?: (vm: string, exit: VmExit) => void;
  /** Model cycles with another profile than the saved run's. */
  profile?: CostProfile;
}

export const DEFAULT_QUANTUM = 50_000;

/** The round-robin scheduler's position: plain data, saved with the VMs. */
export interface SchedulerState {
  /** Simulated time each VM has used. */
  used: number[];
  /** The VM whose turn it is, and the instructions left of its quantum. */
  turn: number;
  quantumLeft: number;
  /** The VM that ran last (a change is a world switch), -1 before the first. */
  last: number;
}

export class Hypervisor {
  readonly host: Host;
  readonly vms: Vm[] = [];
  readonly runners: Runner[] = [];
  /** Each VM's slice of host memory: the VMM's page pool for it, then its RAM. */
  readonly regions: VmRegion[] = [];
  readonly technique: string;
  readonly descriptor: TechniqueDescriptor;
  readonly memory: MemoryMode | null;
  readonly profile: CostProfile;
  private readonly quantum: number;
  private worldSwitches = 0;
  private readonly opts: HypervisorOptions;
  /** The VM the physical NIC is passed through to, if any. */
  private nicOwner = -1;
  /** Each VM's split back-ends (`--devices split` without test back-ends), else null: tests reach `net.wire` here. */
  readonly splitDevices: (SplitDevices | null)[] = [];
  /** Where the scheduler is: time each VM has used, whose turn it is and what is left of it, who ran last. */
  private sched: SchedulerState = { used: [], turn: 0, quantumLeft: 0, last: -1 };
  /**
   * Called after every time slice, to watch a run without pausing it (the CLI's progress line). With one
   * VM a slice is at most `observeEvery` instructions; with several it is a scheduler turn, as always.
   */
  observer: { readonly every: number; readonly slice: () => void } | null = null;

  constructor(specs: readonly VmSpec[], opts: HypervisorOptions) {
    const t = findTechnique(opts.technique);
    if (!t) throw new ConfigError(`unknown technique ${JSON.stringify(opts.technique)} (choose from: ${techniqueNames().join(', ')})`);
    this.descriptor = t;
    this.technique = t.name;
    this.opts = opts;
    if (specs.length === 0) throw new ConfigError('no VM to run');
    if (t.maxVms !== undefined && specs.length > t.maxVms)
      throw new ConfigError(`${t.name} runs ${t.maxVms === 1 ? 'one kernel alone on the machine' : `at most ${t.maxVms} kernels`}; use a VMM technique to run several`);
    if (t.memory.length === 0 && opts.memory)
      throw new ConfigError(`${t.noMemory ?? `${t.name} has no memory mode to choose`}; --memory ${opts.memory} does not apply`);
    const memory = t.memory.length === 0 ? null : (opts.memory ?? t.memory[0]!);
    if (memory !== null && !t.memory.includes(memory))
      throw new ConfigError(`technique ${t.name} cannot use --memory ${memory} (it supports: ${t.memory.join(', ')})`);
    for (const spec of specs) checkKernel(spec, t);
    if (opts.handlers && t.oracle)
      throw new ConfigError(`${t.name} has no VMM: replacement handlers and shadow-sync policies need one`);
    if (opts.handlers && !t.replaceableHandlers)
      throw new ConfigError(`replacement handlers need a technique whose handlers can be replaced (${techniqueNames().filter((n) => findTechnique(n)!.replaceableHandlers).join(', ')}), not ${t.name}`);
    if (opts.shadowSync && t.oracle) throw new ConfigError(`${t.name} has no VMM: replacement handlers and shadow-sync policies need one`);
    if (opts.shadowSync && memory !== 'shadow')
      throw new ConfigError(`a shadow-sync policy needs shadow paging; ${t.name} here uses ${memory ?? 'no shadow tables'}`);
    for (const o of Object.keys(opts.techniqueOptions ?? {}))
      if (!(t.options ?? []).some((d) => d.key === o))
        throw new ConfigError(`option ${o} is not one of ${t.name}'s (${(t.options ?? []).map((d) => d.flags.split(' ')[0]).join(', ') || 'it has none'})`);
    this.memory = memory;
    this.profile = opts.profile ?? loadProfile();
    for (const e of Object.keys(t.costEvents ?? {}))
      if (typeof this.profile.techniqueCosts[t.name]?.[e] !== 'number')
        throw new ConfigError(`cost profile ${this.profile.name} has no cost for ${t.name}'s event ${e}`);
    this.quantum = Math.max(1, opts.quantum ?? DEFAULT_QUANTUM);
    this.sched = { used: specs.map(() => 0), turn: 0, quantumLeft: this.quantum, last: -1 };

    const sizes = specs.map((s) => s.ramSize ?? MEMMAP.DEFAULT_RAM);
    for (const size of sizes) {
      const bad = ramSizeError(size);
      if (bad) throw new MachineConfigError(bad);
    }
    this.host = new Host(sizes, { strict: opts.strict ?? false });

    specs.forEach((spec, id) => {
      const region = this.host.allocate(sizes[id]!);
      this.regions.push(region);
      const devices = spec.devices ?? opts.devices ?? t.devices[0]!;
      if (!t.devices.includes(devices))
        throw new ConfigError(
          t.oracle
            ? `${t.name} has the devices to itself; --devices ${devices} is for a VMM technique`
            : `--devices ${devices} needs ${DEVICE_MODE_NEEDS[devices]} under --technique ${acceptedBy(devices)}, not ${t.name}`,
        );
      let passthroughNic: { nic: Nic; wire: Loopback } | undefined;
      if (devices === 'passthrough') {
        const got = this.host.passThroughNic(spec.name, region);
        if ('takenBy' in got)
          throw new ConfigError(
            `${spec.name} asks for the NIC, but it is already passed through to ${got.takenBy}: a passed-through device belongs to one VM`,
          );
        passthroughNic = got;
        this.nicOwner = id;
      }
      const platform = new Platform(region.guest.raw, {
        ...(passthroughNic ? { passthroughNic } : {}),
        ...(spec.stdin !== undefined ? { stdin: spec.stdin } : {}),
        ...(spec.blockImage ? { blockImage: spec.blockImage } : {}),
        ...(spec.consoleSink ? { consoleSink: spec.consoleSink } : {}),
        // Packets waiting on the wire go to whichever NIC the guest drives: the emulated one, or the split back-end's.
        ...(spec.packets && devices !== 'split' ? { packets: spec.packets } : {}),
      });
      loadImage(region.guest.raw, spec.image);
      const vm = new Vm(id, spec.name, spec.image, region.guest, platform);
      vm.devices = devices;
      const split = devices === 'split' && !opts.backends ? SplitDevices.forPlatform(platform) : null;
      this.splitDevices.push(split);
      if (split && spec.packets) split.net.wire.queue(spec.packets);
      const watch = opts.onExit;
      if (watch) vm.onExit = (e) => watch(spec.name, e);
      if (opts.handlers) vm.handlers = { ...HANDLERS, ...opts.handlers };
      const runner = t.createRunner({
        vm,
        host: this.host,
        region,
        memory,
        devices,
        strict: opts.strict ?? false,
        passthrough: passthroughNic !== undefined,
        backends: devices === 'split' ? (opts.backends ?? split!.backendSet()) : {},
        options: opts,
      });
      const seen = opts.onInterrupt;
      if (seen) platform.pic.onAcknowledge = (vector) => seen(spec.name, runner.guestClock(), vector);
      runner.boot();
      this.vms.push(vm);
      this.runners.push(runner);
    });
  }

  /** Run every VM until it stops or has used `maxInstructions` (each): a VM still running then stops with `limit`. */
  run(maxInstructions: number): VmRunResult[] {
    const limit = Math.max(0, Math.floor(maxInstructions));
    this.runUntil(limit);
    for (const [i, vm] of this.vms.entries()) if (vm.running && this.sched.used[i]! >= limit) vm.stop('limit');
    return this.results();
  }

  /** Every VM's result as it stands (a VM still running reads as `limit`). */
  results(): VmRunResult[] {
    return this.vms.map((vm, i) => this.result(vm, this.runners[i]!));
  }

  /** Simulated time (guest instructions plus idle) VM i has used. */
  usedBy(i: number): number {
    return this.sched.used[i] ?? 0;
  }

  /**
   * Run until every VM has stopped or used `limit` instructions of simulated time in all, leaving the
   * ones that reach it running: a snapshot taken then resumes exactly where the run would have gone on.
   * VMs take turns of `quantum` instructions; a turn cut short by `limit` goes on from where it was on
   * the next call, so the interleaving never depends on where a run was paused.
   */
  runUntil(limit: number): void {
    const s = this.sched;
    const n = this.vms.length;
    const single = n === 1;
    for (;;) {
      // The next VM (from the one whose turn it is) that is running and has time left.
      let i = -1;
      for (let k = 0; k < n; k++) {
        const j = (s.turn + k) % n;
        if (this.vms[j]!.running && s.used[j]! < limit) {
          i = j;
          break;
        }
      }
      if (i < 0) return;
      if (i !== s.turn) {
        s.turn = i;
        s.quantumLeft = this.quantum;
      }
      const vm = this.vms[i]!;
      const runner = this.runners[i]!;
      if (s.last !== i && s.last !== -1) {
        this.worldSwitches++;
        vm.counters.worldSwitches++;
      }
      s.last = i;
      const start = performance.now();
      runner.switchIn();
      const left = limit - s.used[i]!;
      const slice = single ? Math.min(left, this.observer?.every ?? left) : Math.min(s.quantumLeft, left);
      let used = 0;
      try {
        used = runner.run(slice);
      } catch (e) {
        if (!(e instanceof PoolExhausted)) throw e;
        // Each user of the pool flushes what it holds and refills on demand; should that still not free a
        // page, this VM stops with a reason, and the VMM and the other VMs go on.
        runner.crash(`${(e as Error).message}, and flushing what the VMM keeps there freed none`, runner.cpu.pc >>> 0);
      }
      runner.switchOut();
      vm.wallMs += performance.now() - start;
      s.used[i]! += used;
      this.observer?.slice();
      // The turn ends when its quantum is spent or the VM gave the CPU up (yield, halt, stop); a turn that
      // only ran into `limit` stays this VM's.
      const cutByLimit = slice === left && used >= left && (single || left < s.quantumLeft);
      if (cutByLimit && vm.running) s.quantumLeft -= used;
      else {
        s.turn = (i + 1) % n;
        s.quantumLeft = this.quantum;
      }
    }
  }

  /**
   * Every VM of the run as plain data plus its RAM and disk, taken between time slices (every VM is
   * switched out). Derived state is left out; `Hypervisor.restore` rebuilds it. Options that are code
   * (replacement handlers, a shadow-sync policy, test back-ends, exit watchers) cannot be saved.
   */
  save(): SavedRun {
    const o = this.opts;
    if (this.descriptor.snapshots !== true) throw new ConfigError(this.descriptor.snapshots.refused);
    if (o.handlers || o.shadowSync || o.backends)
      throw new ConfigError('a run with replacement handlers, a shadow-sync policy or its own back-ends cannot be saved: they are code, not state');
    const state: HypervisorState = {
      technique: this.technique,
      memory: this.memory,
      strict: o.strict ?? false,
      quantum: this.quantum,
      profile: this.profile,
      techniqueOptions: JSON.parse(JSON.stringify(o.techniqueOptions ?? {})) as Record<string, unknown>,
      sched: { ...this.sched, used: [...this.sched.used] },
      worldSwitches: this.worldSwitches,
      host: this.host.save(),
      vms: this.vms.map((vm, i) => ({
        name: vm.name,
        ramSize: vm.guest.size,
        base: vm.guest.base,
        devices: vm.devices,
        vm: vm.save(),
        platform: vm.platform.save(),
        technique: this.runners[i]!.saveState(),
        split: this.splitDevices[i]?.save() ?? null,
      })),
    };
    return { state, ram: this.vms.map((vm) => vm.guest.raw), disks: this.vms.map((vm) => vm.platform.block.disk) };
  }

  /**
   * A run saved by `save()`, rebuilt: the same VMs at the same host addresses, each booted and then
   * given back its RAM, disk, devices, counters and technique state, with derived state rebuilt.
   * `images` are the VMs' kernels (for source lines and reports), `sinks` their consoles from here on.
   */
  static restore(saved: SavedRun, images: readonly Image[], attach: RestoreOptions = {}): Hypervisor {
    const s = saved.state;
    if (images.length !== s.vms.length || saved.ram.length !== s.vms.length || saved.disks.length !== s.vms.length)
      throw new SnapshotStateError(`the snapshot has ${s.vms.length} VMs but ${images.length} images, ${saved.ram.length} RAMs and ${saved.disks.length} disks`);
    const hv = new Hypervisor(
      s.vms.map((v, i) => ({
        name: v.name,
        image: images[i]!,
        ramSize: v.ramSize,
        devices: v.devices,
        blockImage: Uint8Array.from(saved.disks[i]!),
        ...(attach.consoleSinks?.[i] ? { consoleSink: attach.consoleSinks[i] } : {}),
      })),
      {
        technique: s.technique,
        ...(s.memory ? { memory: s.memory } : {}),
        strict: s.strict,
        quantum: s.quantum,
        profile: attach.profile ?? s.profile,
        ...(Object.keys(s.techniqueOptions).length ? { techniqueOptions: s.techniqueOptions } : {}),
        ...(attach.onExit ? { onExit: attach.onExit } : {}),
      },
    );
    hv.host.restore(s.host);
    s.vms.forEach((v, i) => {
      const vm = hv.vms[i]!;
      if (vm.guest.base !== v.base || vm.guest.size !== v.ramSize || saved.ram[i]!.length !== v.ramSize)
        throw new SnapshotStateError(`${v.name}: the snapshot's memory layout does not match this machine's`);
      vm.guest.raw.set(saved.ram[i]!);
      vm.restore(v.vm);
      vm.platform.restore(v.platform);
      hv.runners[i]!.restoreState(v.technique);
      // After the runner: a restored PV domain reattaches its connections before the back-ends take back their rings.
      const split = hv.splitDevices[i];
      if (split && v.split) split.restore(v.split as SavedSplitDevices);
      else if (split || v.split) throw new SnapshotStateError(`${v.name}: the snapshot's split devices do not match this machine's`);
    });
    hv.sched = { ...s.sched, used: [...s.sched.used] };
    hv.worldSwitches = s.worldSwitches;
    return hv;
  }

  /** VM i's registers, RAM, disk and sent packets as its guest sees them (after `run`). */
  finalState(i: number): GuestFinalState {
    const vm = this.vms[i];
    if (!vm) throw new RangeError(`no VM ${i}`);
    return finalState(vm, this.runners[i]!.guestRegisters());
  }

  /** Accesses the VM made straight to a passed-through device, with no exit (the host bus holds only those). */
  private passthroughAccesses(vm: Vm): number {
    const h = this.host.bus.stats;
    return vm.id === this.nicOwner ? h.mmioReads + h.mmioWrites : 0;
  }

  private result(vm: Vm, runner: Runner): VmRunResult {
    const c = vm.counters;
    const t = this.descriptor;
    const split = this.splitDevices[vm.id] ?? null;
    const exits: Record<string, number> = {};
    for (const [r, n] of Object.entries(c.exits)) if (n > 0) exits[r] = n;
    const io = vm.platform.bus.stats;
    const nic = vm.platform.nic.state;
    const blk = vm.platform.block.state;
    const per = (n: number, d: number) => (d > 0 ? Math.round((100 * n) / d) / 100 : 0);
    // The CPU counts a vector when it raises it; the ones that left as EXCEPTION exits (every fault of a
    // trap-and-emulate guest) were delivered by the VMM, not through the vector table, and are charged so.
    const delivered = vm.cpu.trapsByVector.slice();
    for (const [v, n] of Object.entries(c.exceptionExits)) delivered[Number(v)] = Math.max(0, delivered[Number(v)]! - n);
    runner.adjustDeliveries(delivered);
    if (c.upcalls > 0) exits['UPCALL'] = c.upcalls;
    const stats = buildRunStats({
      technique: t.name,
      accounting: t.accounting,
      ...(t.countEvents ? { countEvents: t.countEvents } : {}),
      cpu: { ...vm.cpu, trapsByVector: delivered },
      interrupts: runner.interruptsDelivered(),
      guestInstructions: vm.guestInstructions,
      idleInstructions: vm.idleInstructions,
      platform: vm.platform,
      profile: this.profile,
      dropped: { phaseMarks: vm.phaseLog.dropped, divergences: vm.divergencesDropped },
      // Bare metal has no VMM: nothing of what a VMM counts applies.
      ...(t.accounting.physicalDevices
        ? {}
        : {
            virt: {
              exits,
              exceptionExits: { ...c.exceptionExits },
              exitsTotal: exitsTotal(c),
              hostTraps: c.hostTraps,
              reflectedTraps: c.reflectedTraps,
              emulatedInstructions: c.emulatedInstructions,
              interpretedInstructions: c.interpretedInstructions,
              interruptsInjected: c.interruptsInjected,
              deviceAccesses: io.portReads + io.portWrites + io.mmioReads + io.mmioWrites,
              passthroughAccesses: this.passthroughAccesses(vm),
              deviceExits: { ...io.byDevice },
              exitsPerPacket: per(io.byDevice['nic'] ?? 0, nic.packetsTx + nic.packetsRx),
              exitsPerBlock: per(io.byDevice['block'] ?? 0, blk.commands),
              ...(split ? splitStats(split) : {}),
              ...runner.memoryCounts(),
              nestedWalkRefs: vm.cpu.nestedWalkRefs,
              worldSwitches: c.worldSwitches,
              silentFailures: c.silentFailures,
              hypercalls: { ...c.hypercalls },
              upcalls: c.upcalls,
              techniqueCounts: runner.techniqueCounts(),
            },
          }),
    });
    const dump = runner.dump();
    const r: VmRunResult = {
      name: vm.name,
      technique: this.technique,
      memory: this.memory,
      devices: t.accounting.physicalDevices ? null : vm.devices,
      // A VM still running has used its budget.
      status: vm.status === 'running' ? 'limit' : vm.status,
      exitCode: vm.running ? EXIT_CODE.LIMIT : vm.exitCode,
      ...(vm.status === 'poweroff' ? { guestStatus: vm.platform.poweroff.state.status >>> 0 } : {}),
      console: vm.platform.console,
      stats,
      wallMs: vm.wallMs,
      // popf first: it is the one that silently loses the guest's interrupts.
      divergences: [...vm.divergences].sort((a, b) => Number(b.insn === 'popf') - Number(a.insn === 'popf')),
      phases: vm.phaseLog.phases(stats.exitsTotal),
      ...(vm.crash ? { crash: vm.crash } : {}),
      ...(dump !== null ? { dump } : {}),
    };
    return r;
  }
}

/**
 * What split devices cost per unit of work: every notification is an exit of its own (the front-end's an
 * evtchn_send hypercall, the back-end's an event upcall); requests need no other hypercall (their pages
 * are granted once).
 */
function splitStats(d: SplitDevices): Pick<VmRunResult['stats'], 'exitsPerPacket' | 'exitsPerBlock' | 'notificationsPerBatch' | 'backends'> {
  const per = (n: number, den: number) => (den > 0 ? Math.round((100 * n) / den) / 100 : 0);
  const notes = (b: { counters: { notificationsIn: number; notificationsOut: number } }) => b.counters.notificationsIn + b.counters.notificationsOut;
  return {
    exitsPerPacket: per(notes(d.net), d.net.net.packetsTx + d.net.net.packetsRx),
    exitsPerBlock: per(notes(d.block), d.block.counters.requests),
    notificationsPerBatch: per(d.notifications, d.batches),
    backends: d.report(),
  };
}

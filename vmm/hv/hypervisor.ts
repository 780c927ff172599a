// The hypervisor: places VMs in host memory, boots each under the chosen technique, time-slices them on the
// one physical CPU, and reports each VM's run.

import type { Image } from '../../assembler/types.js';
import { MEMMAP, PAGE_SIZE, VEC } from '../../isa/abi.js';
import { loadProfile, type CostProfile } from '../cost/profile.js';
import { loadImage } from '../machine/loader.js';
import { emptyBtStats, type RunResult } from '../machine/run-result.js';
import type { Loopback, Nic } from '../devices/nic.js';
import { Platform } from '../platform.js';
import type { PhaseCount } from '../phases.js';
import { buildRunStats } from '../stats.js';
import { exitsTotal } from './counters.js';
import type { VmExit } from './exits.js';
import { finalState, type GuestFinalState } from './guest-state.js';
import { Host } from './host.js';
import type { ShadowSync } from './memory/shadow-sync.js';
import { HANDLERS, type HandlerOverrides } from './privileged.js';
import { EmulateRunner } from './techniques/emulate.js';
import { HwRunner } from './techniques/hw.js';
import type { Runner } from './techniques/runner.js';
import { TrapRunner } from './techniques/trap.js';
import { PV_RESERVED_PAGES, PvRunner } from './techniques/pv.js';
import type { BackendSet } from './pv/backend.js';
import { SplitDevices } from './pv/backends/index.js';
import { IMAGE_FLAG } from '../../assembler/types.js';
import { BtRunner, type BtOptions } from './techniques/bt/runner.js';
import { defaultMemory, TECHNIQUE_MEMORY, type DeviceMode, type MemoryMode, type Technique } from './types.js';
import { Vm, type Divergence } from './vm.js';

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
  readonly technique: Exclude<Technique, 'native'>;
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
  /** Binary translation: code-cache size. */
  readonly bt?: BtOptions;
}

/** A `.pv` image runs only under pv, and pv runs only `.pv` images; a PV image must leave the VMM's pages free. */
function checkPvImage(spec: VmSpec, technique: Technique): void {
  const pv = (spec.image.flags & IMAGE_FLAG.PV) !== 0;
  if (technique === 'pv' && !pv)
    throw new ConfigError(
      `${spec.name} is not a paravirtual kernel (no .pv directive): --technique pv runs only kernels built with the SDK`,
    );
  if (technique !== 'pv' && pv)
    throw new ConfigError(`${spec.name} is a paravirtual kernel (.pv): it makes hypercalls and runs only under --technique pv`);
  if (!pv) return;
  const top = (spec.ramSize ?? MEMMAP.DEFAULT_RAM) - PV_RESERVED_PAGES * PAGE_SIZE;
  for (const seg of spec.image.segments)
    if (seg.addr + seg.memSize > top)
      throw new ConfigError(
        `${spec.name}: segment ${seg.name} ends at 0x${(seg.addr + seg.memSize).toString(16)}, in the ${PV_RESERVED_PAGES} pages the VMM reserves at the top of RAM (from 0x${top.toString(16)})`,
      );
}

export interface VmRunResult extends RunResult {
  readonly name: string;
  readonly technique: Technique;
  readonly memory: MemoryMode | null;
  /** Device model; null for native, which has the devices to itself. */
  readonly devices: DeviceMode | null;
  /** Silent failures of sensitive instructions (trap-and-emulate), first ones first. */
  readonly divergences: readonly Divergence[];
  /** Exits per workload phase, split where the guest printed `== name ==` (see phases.ts). */
  readonly phases: readonly PhaseCount[];
  /** Binary translation with `dumpCache`: the code cache, block by block beside the guest's code. */
  readonly codeCache?: string;
}

/** A configuration the hypervisor refuses (technique and memory mode that do not go together, a PV image, …). */
export class ConfigError extends Error {}

export const DEFAULT_QUANTUM = 50_000;

export class Hypervisor {
  readonly host: Host;
  readonly vms: Vm[] = [];
  readonly runners: Runner[] = [];
  readonly technique: Exclude<Technique, 'native'>;
  readonly memory: MemoryMode | null;
  readonly profile: CostProfile;
  private readonly quantum: number;
  private readonly btOptions: BtOptions;
  private worldSwitches = 0;
  /** The VM the physical NIC is passed through to, if any. */
  private nicOwner = -1;
  /** Each VM's split back-ends (`--devices split` without test back-ends), else null: tests reach `net.wire` here. */
  readonly splitDevices: (SplitDevices | null)[] = [];

  constructor(specs: readonly VmSpec[], opts: HypervisorOptions) {
    if (specs.length === 0) throw new ConfigError('no VM to run');
    this.technique = opts.technique;
    const supported = TECHNIQUE_MEMORY[opts.technique];
    const memory = opts.technique === 'emulate' ? null : (opts.memory ?? defaultMemory(opts.technique));
    if (opts.technique === 'emulate' && opts.memory && opts.memory !== 'shadow')
      throw new ConfigError(`emulate uses its own software MMU; --memory ${opts.memory} does not apply`);
    if (memory !== null && !supported.includes(memory))
      throw new ConfigError(
        `technique ${opts.technique} cannot use --memory ${memory} (it supports: ${supported.join(', ') || 'none'})`,
      );
    for (const spec of specs) checkPvImage(spec, opts.technique);
    if (opts.handlers && opts.technique !== 'trap')
      throw new ConfigError(`replacement trap-and-emulate handlers need --technique trap, not ${opts.technique}`);
    if (opts.shadowSync && memory !== 'shadow')
      throw new ConfigError(`a shadow-sync policy needs shadow paging; ${opts.technique} here uses ${memory ?? 'its own software MMU'}`);
    this.memory = memory;
    this.profile = opts.profile ?? loadProfile();
    this.quantum = Math.max(1, opts.quantum ?? DEFAULT_QUANTUM);
    this.btOptions = opts.bt ?? {};

    const sizes = specs.map((s) => s.ramSize ?? MEMMAP.DEFAULT_RAM);
    for (const [i, size] of sizes.entries())
      if (!Number.isInteger(size) || size < PAGE_SIZE || size % PAGE_SIZE !== 0 || size > MEMMAP.MAX_RAM)
        throw new ConfigError(`${specs[i]!.name}: RAM must be a multiple of ${PAGE_SIZE} bytes up to ${MEMMAP.MAX_RAM}`);
    this.host = new Host(sizes, { strict: opts.strict ?? false });

    specs.forEach((spec, id) => {
      const region = this.host.allocate(sizes[id]!);
      const devices = spec.devices ?? opts.devices ?? 'emulated';
      if (devices === 'split' && opts.technique !== 'pv')
        throw new ConfigError(`--devices split needs a paravirtual kernel (.pv) under --technique pv, not ${opts.technique}`);
      let passthroughNic: { nic: Nic; wire: Loopback } | undefined;
      if (devices === 'passthrough') {
        if (opts.technique !== 'hw')
          throw new ConfigError(`--devices passthrough needs hardware assistance (--technique hw) to map the NIC into ${spec.name}`);
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
      const runner: Runner =
        opts.technique === 'emulate'
          ? new EmulateRunner(vm, region)
          : opts.technique === 'trap'
            ? new TrapRunner(vm, this.host, region, opts.strict ?? false, opts.shadowSync)
            : opts.technique === 'pv'
              ? new PvRunner(vm, this.host, region, devices, devices === 'split' ? (opts.backends ?? split!.backendSet()) : {})
              : opts.technique === 'bt'
                ? new BtRunner(vm, this.host, region, opts.bt ?? {})
                : new HwRunner(vm, this.host, region, memory as 'nested' | 'shadow', passthroughNic !== undefined, opts.shadowSync);
      const seen = opts.onInterrupt;
      if (seen) platform.pic.onAcknowledge = (vector) => seen(spec.name, runner.guestClock(), vector);
      runner.boot();
      this.vms.push(vm);
      this.runners.push(runner);
    });
  }

  /** Run every VM until it stops or has used `maxInstructions` (each). */
  run(maxInstructions: number): VmRunResult[] {
    const budget = Math.max(0, Math.floor(maxInstructions));
    const used = this.vms.map(() => 0);
    const single = this.vms.length === 1;
    let last = -1;
    for (;;) {
      let progressed = false;
      for (const [i, vm] of this.vms.entries()) {
        if (!vm.running) continue;
        if (used[i]! >= budget) {
          vm.stop('limit');
          continue;
        }
        const runner = this.runners[i]!;
        if (last !== i && last !== -1) {
          this.worldSwitches++;
          vm.counters.worldSwitches++;
        }
        last = i;
        const start = performance.now();
        runner.switchIn();
        const slice = single ? budget - used[i]! : Math.min(this.quantum, budget - used[i]!);
        used[i]! += runner.run(slice);
        runner.switchOut();
        vm.wallMs += performance.now() - start;
        if (vm.running && used[i]! >= budget) vm.stop('limit');
        progressed = true;
      }
      if (!progressed) break;
    }
    return this.vms.map((vm, i) => this.result(vm, this.runners[i]!));
  }

  /** VM i's registers, RAM, disk and sent packets as its guest sees them (after `run`). */
  finalState(i: number): GuestFinalState {
    const vm = this.vms[i];
    if (!vm) throw new RangeError(`no VM ${i}`);
    return finalState(vm, this.technique, this.memory);
  }

  /** Accesses the VM made straight to a passed-through device, with no exit (the host bus holds only those). */
  private passthroughAccesses(vm: Vm): number {
    const h = this.host.bus.stats;
    return vm.id === this.nicOwner ? h.mmioReads + h.mmioWrites : 0;
  }

  private result(vm: Vm, runner: Runner): VmRunResult {
    const c = vm.counters;
    const split = this.splitDevices[vm.id] ?? null;
    const shadow = runner instanceof TrapRunner || runner instanceof HwRunner ? runner.shadow : null;
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
    // A PV guest's hypercalls are #UD traps the VMM took, not deliveries.
    if (runner instanceof PvRunner) delivered[VEC.UD] = Math.max(0, delivered[VEC.UD]! - c.exits.HCALL);
    if (c.upcalls > 0) exits['UPCALL'] = c.upcalls;
    const stats = buildRunStats({
      technique: this.technique,
      cpu: { ...vm.cpu, trapsByVector: delivered },
      interrupts: runner.interruptsDelivered(),
      guestInstructions: vm.guestInstructions,
      idleInstructions: vm.idleInstructions,
      platform: vm.platform,
      profile: this.profile,
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
        shadowFaults: shadow?.stats.shadowFaults ?? 0,
        shadowSyncs: shadow?.stats.shadowSyncs ?? 0,
        shadowFlushes: shadow?.stats.shadowFlushes ?? 0,
        nestedWalkRefs: vm.cpu.nestedWalkRefs,
        worldSwitches: c.worldSwitches,
        silentFailures: c.silentFailures,
        hypercalls: { ...c.hypercalls },
        upcalls: c.upcalls,
        bt: runner instanceof BtRunner ? runner.counters() : emptyBtStats(),
      },
    });
    const r: VmRunResult = {
      name: vm.name,
      technique: this.technique,
      memory: this.memory,
      devices: vm.devices,
      status: vm.status === 'running' ? 'limit' : vm.status,
      exitCode: vm.exitCode,
      console: vm.platform.console,
      stats,
      wallMs: vm.wallMs,
      // popf first: it is the one that silently loses the guest's interrupts.
      divergences: [...vm.divergences].sort((a, b) => Number(b.insn === 'popf') - Number(a.insn === 'popf')),
      phases: vm.phaseLog.phases(stats.exitsTotal),
      ...(vm.crash ? { crash: vm.crash } : {}),
      ...(runner instanceof BtRunner && this.btOptions.dumpCache ? { codeCache: runner.dump() } : {}),
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

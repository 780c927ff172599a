// The VX32 platform: every device at its isa/abi.ts address on one bus, over one RAM.
//
// A bare-metal Machine has one platform, wired straight to its CPU. Each VM has one too: there
// the devices are the VMM's device models, reached through exits and traps instead of directly.

import { IRQ, MEMMAP, PORT } from '../isa/abi.js';
import { BlockDevice } from './devices/block.js';
import { Bus } from './devices/bus.js';
import { Iommu } from './devices/iommu.js';
import { Loopback, Nic } from './devices/nic.js';
import { Pic, PIC_PORT_COUNT } from './devices/pic.js';
import { PowerOff } from './devices/poweroff.js';
import { TEST_PORT_COUNT, TestPort } from './devices/testport.js';
import { Timer, TIMER_PORT_COUNT } from './devices/timer.js';
import { Uart, UART_PORT_COUNT } from './devices/uart.js';
import type { BusStats } from './devices/bus.js';
import type { LoopbackState } from './devices/nic.js';
import { VM_LIMITS } from './limits.js';
import type { DeviceStats, DroppedStats } from './run-result.js';
import { fromBase64, toBase64 } from './snapshot/bytes.js';
import { PhaseWatcher } from './phases.js';

/** The disk a platform gets when none is given: zeroed, the same for every technique. */
export const DEFAULT_DISK_BYTES = 1 << 20;

export interface PlatformOptions {
  /** Bytes the UART receives, queued up front. */
  stdin?: string | Uint8Array;
  /** Backing store of the block device (used in place: guest writes land in it). Default: a zeroed 1 MiB disk. */
  blockImage?: Uint8Array;
  /** Receives console text as the guest produces it (e.g. to stream it to stdout). */
  consoleSink?: (text: string) => void;
  /**
   * A physical NIC passed through to this guest: it lives on the host's bus, not this one, and this
   * platform only reports it.
   */
  passthroughNic?: { nic: Nic; wire: Loopback };
  /** Packets the far end of the wire sends, each as soon as the NIC has a free receive descriptor. */
  packets?: readonly Uint8Array[];
}

export class Platform {
  readonly bus = new Bus();
  readonly pic = new Pic();
  readonly timer: Timer;
  readonly uart: Uart;
  readonly poweroff = new PowerOff();
  readonly testport = new TestPort();
  readonly iommu: Iommu;
  readonly block: BlockDevice;
  readonly nic: Nic;
  /** The NIC's far end: tests read `wire.sent` and `wire.inject()` packets. */
  readonly wire: Loopback;
  /** The transcript: the first VM_LIMITS.CONSOLE_TRANSCRIPT_BYTES console bytes, in a buffer that grows to at most that. */
  private transcript = new Uint8Array(4096);
  private transcriptLength = 0;
  /** Console bytes past the transcript's limit: streamed to the sink and watched for phase marks, not kept. */
  consoleDropped = 0;
  /** The NIC is this platform's (not a physical one passed through from the host). */
  private readonly ownsNic: boolean;
  private readonly consoleSink: ((text: string) => void) | undefined;
  private readonly consoleDecoder = new TextDecoder('utf-8');
  private readonly phaseWatcher = new PhaseWatcher((name) => this.onPhase?.(name));
  /** Called when the console prints a phase mark (`== name ==`, see phases.ts). */
  onPhase: ((name: string) => void) | null = null;

  /** `ram` is the platform's physical memory as its devices' DMA sees it. */
  constructor(ram: Uint8Array, opts: PlatformOptions = {}) {
    this.consoleSink = opts.consoleSink;
    this.timer = new Timer(this.pic.line(IRQ.TIMER));
    this.uart = new Uart(this.pic.line(IRQ.UART), (byte) => this.writeConsole(byte), opts.stdin);
    // DMA is identity-mapped but fenced to RAM, so a device can never write past it.
    this.iommu = new Iommu(ram);
    const blockDma = this.iommu.domain('block');
    blockDma.identity(0, ram.length);
    this.block = new BlockDevice(opts.blockImage ?? new Uint8Array(DEFAULT_DISK_BYTES), blockDma, this.pic.line(IRQ.BLOCK));
    this.ownsNic = !opts.passthroughNic;
    if (opts.passthroughNic) {
      this.nic = opts.passthroughNic.nic;
      this.wire = opts.passthroughNic.wire;
    } else {
      const nicDma = this.iommu.domain('nic');
      nicDma.identity(0, ram.length);
      this.nic = new Nic(nicDma, this.pic.line(IRQ.NIC));
      this.wire = new Loopback(this.nic);
    }

    this.bus.mapPorts(PORT.PIC_CMD, PIC_PORT_COUNT, this.pic);
    this.bus.mapPorts(PORT.TIMER_CTRL, TIMER_PORT_COUNT, this.timer);
    this.bus.mapPorts(PORT.UART_DATA, UART_PORT_COUNT, this.uart);
    this.bus.mapPorts(PORT.POWEROFF, 1, this.poweroff);
    this.bus.mapPorts(PORT.TEST_PASS, TEST_PORT_COUNT, this.testport);
    this.bus.mapMmio(MEMMAP.BLOCK_MMIO, MEMMAP.MMIO_SIZE, this.block);
    if (!opts.passthroughNic) this.bus.mapMmio(MEMMAP.NIC_MMIO, MEMMAP.MMIO_SIZE, this.nic!);
    if (opts.packets) this.wire.queue(opts.packets);
  }

  /**
   * One byte of console output, from the UART or, for a paravirtual guest, from its console hypercall or
   * back-end: every path to the console goes through here, so transcripts and phase marks agree.
   */
  writeConsole(byte: number): void {
    const b = byte & 0xff;
    this.keep(b);
    this.phaseWatcher.feed(b);
    if (this.consoleSink) {
      const s = this.consoleDecoder.decode(Uint8Array.of(b), { stream: true });
      if (s) this.consoleSink(s);
    }
  }

  /**
   * Everything guest-visible the platform holds, as plain data: each device's state, the far end of the
   * wire, the bus counters, the console so far. The disk's contents are apart (`block.disk`): they are
   * large and binary. A passed-through NIC belongs to the host and is saved there.
   */
  save(): PlatformState {
    return {
      pic: this.pic.snapshot(),
      timer: this.timer.snapshot(),
      uart: this.uart.snapshot(),
      poweroff: this.poweroff.snapshot(),
      testport: this.testport.snapshot(),
      block: this.block.snapshot(),
      nic: this.ownsNic ? this.nic.snapshot() : null,
      wire: this.ownsNic ? this.wire.save() : null,
      iommu: this.iommu.snapshot(),
      bus: this.bus.saveStats(),
      console: toBase64(this.transcript.subarray(0, this.transcriptLength)),
      consoleDropped: this.consoleDropped,
      phase: this.phaseWatcher.save(),
    };
  }

  /** Put back what save() returned. Console text already produced is not sent to the sink again. */
  restore(s: PlatformState): void {
    this.pic.restore(s.pic);
    this.timer.restore(s.timer);
    this.uart.restore(s.uart);
    this.poweroff.restore(s.poweroff);
    this.testport.restore(s.testport);
    this.block.restore(s.block);
    if (this.ownsNic && s.nic && s.wire) {
      this.nic.restore(s.nic);
      this.wire.restore(s.wire);
    }
    this.iommu.restore(s.iommu);
    this.bus.restoreStats(s.bus);
    const kept = fromBase64(s.console);
    this.transcript = new Uint8Array(Math.max(4096, kept.length));
    this.transcript.set(kept);
    this.transcriptLength = kept.length;
    this.consoleDropped = s.consoleDropped;
    this.phaseWatcher.restore(s.phase);
  }

  private keep(b: number): void {
    const n = this.transcriptLength;
    if (n === this.transcript.length) {
      if (n >= VM_LIMITS.CONSOLE_TRANSCRIPT_BYTES) {
        this.consoleDropped++;
        return;
      }
      const bigger = new Uint8Array(Math.min(2 * n, VM_LIMITS.CONSOLE_TRANSCRIPT_BYTES));
      bigger.set(this.transcript);
      this.transcript = bigger;
    }
    this.transcript[n] = b;
    this.transcriptLength = n + 1;
  }

  /** Console text so far (its first VM_LIMITS.CONSOLE_TRANSCRIPT_BYTES bytes). */
  get console(): string {
    return new TextDecoder('utf-8').decode(this.transcript.subarray(0, this.transcriptLength));
  }

  /** What the platform's devices stopped keeping at their per-VM limits. */
  dropped(): Pick<DroppedStats, 'consoleBytes' | 'wirePackets' | 'testResults'> {
    return { consoleBytes: this.consoleDropped, wirePackets: this.wire.capture.dropped, testResults: this.testport.state.dropped };
  }

  deviceStats(): DeviceStats {
    const t = this.testport;
    const b = this.block.state;
    const n = this.nic.state;
    return {
      uart: { txBytes: this.uart.state.txBytes, rxBytes: this.uart.state.rxBytes },
      timer: { ticks: this.timer.state.ticks },
      pic: { delivered: this.pic.state.delivered, eois: this.pic.state.eois },
      block: { commands: b.commands, sectorsRead: b.sectorsRead, sectorsWritten: b.sectorsWritten, errors: b.errors },
      nic: { packetsTx: n.packetsTx, packetsRx: n.packetsRx, doorbells: n.doorbells, rxDrops: n.rxDrops, txDrops: n.txDrops, dmaErrors: n.dmaErrors },
      iommu: { faults: this.iommu.faults },
      tests: { passed: t.passed, failed: t.failed, results: t.state.results.map((x) => ({ ...x })) },
    };
  }
}

/** A platform's saved state (Platform.save). */
export interface PlatformState {
  pic: ReturnType<Pic['snapshot']>;
  timer: ReturnType<Timer['snapshot']>;
  uart: ReturnType<Uart['snapshot']>;
  poweroff: ReturnType<PowerOff['snapshot']>;
  testport: ReturnType<TestPort['snapshot']>;
  block: ReturnType<BlockDevice['snapshot']>;
  /** Null when the NIC is a passed-through physical one (the host saves it). */
  nic: ReturnType<Nic['snapshot']> | null;
  wire: LoopbackState | null;
  iommu: ReturnType<Iommu['snapshot']>;
  bus: BusStats;
  /** The console bytes kept so far, base64, and how many past the transcript's limit were not kept. */
  console: string;
  consoleDropped: number;
  phase: { line: string; overflow: boolean };
}

// The e1000-like NIC: TX and RX descriptor rings in guest memory, a tail-register doorbell, DMA, ICR/IMS interrupts.
//
// TX: writing TDT rings the doorbell; the device walks descriptors from TDH up to (not including)
// TDT, DMA-reads each buffer, hands a packet to the far end at each descriptor with EOP (buffers
// without EOP are fragments of the next packet), writes DD back into the descriptor's status and
// advances TDH. Then ICR.TXDW is set and IRQ.NIC raised if IMS allows it. A packet whose fragments add
// up to more than NIC_MAX_PACKET, or one with a buffer the device cannot read, is dropped, as real NICs
// drop an oversized frame: what was buffered is discarded at once (so the device never holds more than
// NIC_MAX_PACKET bytes, however long a guest goes without EOP), the rest of its fragments up to EOP are
// skipped, each of those descriptors gets NIC_DESC_STATUS_ERR with DD, and `txDrops` counts the packet.
// RX: the far end calls `receive(packet)`; the device fills the descriptor at RDH (owned by the
// device while RDH != RDT; the guest puts the buffer size in LEN, 0 meaning NIC_MAX_PACKET),
// DMA-writes the packet to its buffer, writes length and DD|EOP, advances
// RDH, sets ICR.RXT and raises the IRQ. With no free descriptor (RDH == RDT) the packet is dropped
// and counted. Reading ICR clears it. Nothing moves while CTRL.enable is 0.
import {
  NIC,
  NIC_DESC,
  NIC_CTRL_ENABLE,
  NIC_DESC_CMD_EOP,
  NIC_DESC_STATUS_DD,
  NIC_DESC_STATUS_ERR,
  NIC_ICR_RXT,
  NIC_ICR_TXDW,
  NIC_MAX_PACKET,
  NIC_STATUS_LINK_UP,
} from '../../isa/abi.js';
import type { DmaPort, IrqLine } from '../machine/io.js';
import { PacketCapture } from './capture.js';
import { clonePlain, isWordAccess, laneRead, type Device } from './device.js';

/** The default MAC, 52:54:00:12:34:56 (a locally administered address), low 4 bytes then high 2. */
export const NIC_DEFAULT_MAC = { lo: 0x12005452, hi: 0x5634 } as const;

/** Where transmitted packets go: the far end of the wire. */
export interface NicPeer {
  transmit(packet: Uint8Array): void;
  /** The guest just gave the NIC receive descriptors (or enabled it): a peer holding packets may send now. */
  rxReady?(): void;
}

export type NicState = {
  ctrl: number;
  icr: number;
  ims: number;
  tdba: number;
  tdlen: number;
  tdh: number;
  tdt: number;
  rdba: number;
  rdlen: number;
  rdh: number;
  rdt: number;
  macLo: number;
  macHi: number;
  /** Bytes of a packet whose earlier descriptors lacked EOP: never more than NIC_MAX_PACKET. */
  txPartial: number[];
  /** The packet being sent was dropped: skip its fragments up to and including EOP. */
  txDropping: boolean;
  /** Packets dropped on transmit: longer than NIC_MAX_PACKET, or a buffer the device could not read. */
  txDrops: number;
  packetsTx: number;
  packetsRx: number;
  doorbells: number;
  rxDrops: number;
  /** Descriptors or buffers the IOMMU refused, or malformed descriptors. */
  dmaErrors: number;
};

export class Nic implements Device<NicState> {
  readonly name = 'nic';
  state: NicState = {
    ctrl: 0,
    icr: 0,
    ims: 0,
    tdba: 0,
    tdlen: 0,
    tdh: 0,
    tdt: 0,
    rdba: 0,
    rdlen: 0,
    rdh: 0,
    rdt: 0,
    macLo: NIC_DEFAULT_MAC.lo,
    macHi: NIC_DEFAULT_MAC.hi,
    txPartial: [],
    txDropping: false,
    txDrops: 0,
    packetsTx: 0,
    packetsRx: 0,
    doorbells: 0,
    rxDrops: 0,
    dmaErrors: 0,
  };
  private readonly desc = new Uint8Array(NIC_DESC.SIZE);
  private readonly descView = new DataView(this.desc.buffer);
  /** One fragment's buffer, reused: a fragment is never longer than a packet. */
  private readonly txBuf = new Uint8Array(NIC_MAX_PACKET);

  constructor(
    private readonly dma: DmaPort,
    private readonly irq: IrqLine,
    private peer: NicPeer = { transmit: () => {} },
  ) {}

  /** Connect the far end (e.g. a Loopback, or another VM's NIC). */
  connect(peer: NicPeer): void {
    this.peer = peer;
  }

  get enabled(): boolean {
    return (this.state.ctrl & NIC_CTRL_ENABLE) !== 0;
  }

  read(offset: number, size: number): number {
    const base = offset & ~3;
    const v = laneRead(this.reg(base), offset, size);
    if (base === NIC.ICR) {
      this.state.icr = 0;
      this.irq.lower();
    }
    return v;
  }

  private reg(offset: number): number {
    const s = this.state;
    switch (offset) {
      case NIC.CTRL:
        return s.ctrl;
      case NIC.STATUS:
        return NIC_STATUS_LINK_UP;
      case NIC.ICR:
        return s.icr;
      case NIC.IMS:
        return s.ims;
      case NIC.TDBA:
        return s.tdba;
      case NIC.TDLEN:
        return s.tdlen;
      case NIC.TDH:
        return s.tdh;
      case NIC.TDT:
        return s.tdt;
      case NIC.RDBA:
        return s.rdba;
      case NIC.RDLEN:
        return s.rdlen;
      case NIC.RDH:
        return s.rdh;
      case NIC.RDT:
        return s.rdt;
      case NIC.MAC_LO:
        return s.macLo;
      case NIC.MAC_HI:
        return s.macHi;
      default:
        return 0;
    }
  }

  write(offset: number, size: number, value: number): void {
    if (!isWordAccess(offset, size)) return;
    const s = this.state;
    const v = value >>> 0;
    switch (offset) {
      case NIC.CTRL:
        s.ctrl = v & NIC_CTRL_ENABLE;
        if (this.enabled) this.processTx();
        if (this.enabled) this.peer?.rxReady?.();
        break;
      case NIC.IMS:
        s.ims = v & (NIC_ICR_TXDW | NIC_ICR_RXT);
        this.updateIrq();
        break;
      case NIC.TDBA:
        s.tdba = v;
        break;
      case NIC.TDLEN:
        s.tdlen = v;
        break;
      case NIC.TDH:
        s.tdh = v;
        break;
      case NIC.TDT:
        s.tdt = v;
        s.doorbells++;
        if (this.enabled) this.processTx();
        break;
      case NIC.RDBA:
        s.rdba = v;
        break;
      case NIC.RDLEN:
        s.rdlen = v;
        break;
      case NIC.RDH:
        s.rdh = v;
        break;
      case NIC.RDT:
        s.rdt = v;
        this.peer?.rxReady?.();
        break;
      case NIC.MAC_LO:
        s.macLo = v;
        break;
      case NIC.MAC_HI:
        s.macHi = v & 0xffff;
        break;
    }
  }

  /** Walk the TX ring from TDH to TDT. */
  private processTx(): void {
    const s = this.state;
    if (s.tdlen === 0 || s.tdh >= s.tdlen || s.tdt >= s.tdlen) return;
    let wrote = false;
    while (s.tdh !== s.tdt) {
      const at = s.tdba + s.tdh * NIC_DESC.SIZE;
      if (!this.dma.read(at, this.desc)) {
        // A descriptor the device cannot read: stop, leaving TDH on it, as hardware would hang.
        s.dmaErrors++;
        break;
      }
      const ok = this.txDescriptor();
      const status = this.desc[NIC_DESC.STATUS]! | NIC_DESC_STATUS_DD | (ok ? 0 : NIC_DESC_STATUS_ERR);
      this.dma.write(at + NIC_DESC.STATUS, Uint8Array.of(status));
      wrote = true;
      s.tdh = (s.tdh + 1) % s.tdlen;
    }
    if (wrote) this.cause(NIC_ICR_TXDW);
  }

  /**
   * The TX descriptor in `desc`: add its buffer to the packet being built and send the packet at EOP.
   * False if the packet it belongs to is dropped (now or earlier).
   */
  private txDescriptor(): boolean {
    const s = this.state;
    const addr = this.descView.getUint32(NIC_DESC.ADDR, true);
    const len = this.descView.getUint16(NIC_DESC.LEN, true);
    const eop = (this.desc[NIC_DESC.CMD]! & NIC_DESC_CMD_EOP) !== 0;
    let ok = !s.txDropping;
    if (ok) {
      if (s.txPartial.length + len > NIC_MAX_PACKET) {
        // One buffer longer than any packet is a malformed descriptor as well.
        if (len > NIC_MAX_PACKET) s.dmaErrors++;
        ok = this.dropTx();
      }
      else {
        const buf = this.txBuf.subarray(0, len);
        if (!this.dma.read(addr, buf)) {
          s.dmaErrors++;
          ok = this.dropTx();
        } else for (const b of buf) s.txPartial.push(b);
      }
    }
    if (eop) {
      s.txDropping = false;
      if (ok) {
        const packet = Uint8Array.from(s.txPartial);
        s.txPartial = [];
        s.packetsTx++;
        this.peer.transmit(packet);
      }
    }
    return ok;
  }

  /** Drop the packet being built: its buffered bytes now, its later fragments as they come. */
  private dropTx(): false {
    const s = this.state;
    s.txPartial = [];
    s.txDropping = true;
    s.txDrops++;
    return false;
  }

  /** Whether a packet arriving now would find a free receive descriptor. */
  get canReceive(): boolean {
    const s = this.state;
    return this.enabled && s.rdlen > 0 && s.rdh < s.rdlen && s.rdh !== s.rdt;
  }

  /** A packet arrives from the far end. Returns false if it was dropped. */
  receive(packet: Uint8Array): boolean {
    const s = this.state;
    if (!this.enabled || s.rdlen === 0 || s.rdh >= s.rdlen || s.rdh === s.rdt || packet.length > NIC_MAX_PACKET) {
      s.rxDrops++;
      return false;
    }
    const at = s.rdba + s.rdh * NIC_DESC.SIZE;
    if (!this.dma.read(at, this.desc)) {
      s.dmaErrors++;
      s.rxDrops++;
      return false;
    }
    const addr = this.descView.getUint32(NIC_DESC.ADDR, true);
    const room = this.descView.getUint16(NIC_DESC.LEN, true) || NIC_MAX_PACKET;
    if (packet.length > room) {
      s.rxDrops++;
      return false;
    }
    if (!this.dma.write(addr, packet)) {
      s.dmaErrors++;
      s.rxDrops++;
      return false;
    }
    this.descView.setUint16(NIC_DESC.LEN, packet.length, true);
    this.desc[NIC_DESC.STATUS] = NIC_DESC_STATUS_DD | NIC_DESC_CMD_EOP;
    this.dma.write(at + NIC_DESC.LEN, this.desc.subarray(NIC_DESC.LEN, NIC_DESC.STATUS + 1));
    s.rdh = (s.rdh + 1) % s.rdlen;
    s.packetsRx++;
    this.cause(NIC_ICR_RXT);
    return true;
  }

  private cause(bits: number): void {
    this.state.icr |= bits;
    this.updateIrq();
  }

  private updateIrq(): void {
    if (this.state.icr & this.state.ims) this.irq.raise();
  }

  snapshot(): NicState {
    return clonePlain(this.state);
  }

  restore(s: NicState): void {
    this.state = clonePlain(s);
  }
}

/** A host-side far end for tests and demos: records what the NIC sends and injects what it receives. */
export class Loopback implements NicPeer {
  /** What the guest sent, as far as the far end keeps it (VM_LIMITS.WIRE_CAPTURE_PACKETS). */
  readonly capture = new PacketCapture();
  /** Packets waiting for the guest to post receive descriptors (a far end that retries, never drops). */
  private readonly waiting: Uint8Array[] = [];

  constructor(private readonly nic: Nic) {
    nic.connect(this);
  }

  /** The packets kept, in the order sent. */
  get sent(): Uint8Array[] {
    return this.capture.packets;
  }

  transmit(packet: Uint8Array): void {
    this.capture.record(packet);
  }

  /** Send these packets, in order, each once the NIC has room for it. */
  queue(packets: readonly Uint8Array[]): void {
    this.waiting.push(...packets);
    this.rxReady();
  }

  /** Packets queued but not yet received by the NIC. */
  get pending(): number {
    return this.waiting.length;
  }

  rxReady(): void {
    // One too big for any NIC goes now: the NIC drops it, as it would any time.
    while (this.waiting.length > 0 && (this.nic.canReceive || this.waiting[0]!.length > NIC_MAX_PACKET))
      this.nic.receive(this.waiting.shift()!);
  }

  /** Deliver a packet to the NIC as if it came off the wire. */
  inject(packet: Uint8Array): boolean {
    return this.nic.receive(packet);
  }

  /** The far end's state: what was sent, what still waits (packets as arrays of byte values). */
  save(): LoopbackState {
    return { sent: this.sent.map((p) => Array.from(p)), waiting: this.waiting.map((p) => Array.from(p)) };
  }

  restore(s: LoopbackState): void {
    this.sent.splice(0, this.sent.length, ...s.sent.map((p) => Uint8Array.from(p)));
    this.waiting.splice(0, this.waiting.length, ...s.waiting.map((p) => Uint8Array.from(p)));
  }
}

export interface LoopbackState {
  sent: number[][];
  waiting: number[][];
}

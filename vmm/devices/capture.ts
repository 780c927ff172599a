// What the host-side far end of a VM's wire keeps of the packets the guest sends: the first ones, then a count.
//
// Tests, the testing API and differential runs read the packets a guest sent; a guest that sends forever
// must not make the VMM keep them all. The first VM_LIMITS.WIRE_CAPTURE_PACKETS are kept in order (each
// at most NIC_MAX_PACKET bytes, so the capture holds at most 2 MiB); later ones are counted in `dropped`.
import { VM_LIMITS } from '../limits.js';

export class PacketCapture {
  readonly packets: Uint8Array[] = [];
  /** Packets sent after the capture was full: delivered to the wire, not kept. */
  dropped = 0;

  constructor(readonly limit: number = VM_LIMITS.WIRE_CAPTURE_PACKETS) {}

  record(packet: Uint8Array): void {
    if (this.packets.length < this.limit) this.packets.push(packet);
    else this.dropped++;
  }
}

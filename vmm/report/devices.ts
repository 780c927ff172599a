// The `--stats` lines about devices: exits per packet and per block, and under split devices each back-end's
// requests, batches and notifications (how well one notification covered a batch), and what was dropped at a
// per-VM limit (vmm/limits.ts).

import Table from 'cli-table3';
import { NIC_MAX_PACKET } from '../../isa/abi.js';
import type { VmRunResult } from '../hv/hypervisor.js';
import { VM_LIMITS } from '../limits.js';

const fmt = (n: number) => n.toLocaleString('en-US');

/** Empty when the run moved no packet and no block. */
export function formatDeviceStats(r: VmRunResult): string {
  const s = r.stats;
  const backends = Object.entries(s.backends ?? {});
  const out: string[] = [];
  if (backends.length > 0) {
    const t = new Table({
      head: ['split back-end', 'requests', 'batches', 'to back-end', 'to guest', 'errors', 'refused'],
      colAligns: ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
      style: { head: [], border: [] },
      chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    });
    for (const [name, c] of backends)
      t.push([name, ...['requests', 'batches', 'notificationsIn', 'notificationsOut', 'errors', 'refused'].map((k) => fmt(c[k] ?? 0))]);
    out.push(t.toString());
    out.push(
      `  notifications (to the back-end: evtchn_send hypercalls; to the guest: event upcalls) per batch: ${s.notificationsPerBatch}`,
    );
  }
  const dropped = droppedLine(r);
  if (dropped) out.push(dropped);
  const per: string[] = [];
  if (s.exitsPerPacket > 0) per.push(`${s.exitsPerPacket} per packet`);
  if (s.exitsPerBlock > 0) per.push(`${s.exitsPerBlock} per block request`);
  if (per.length > 0)
    out.push(`  device exits: ${per.join(', ')}${backends.length > 0 ? ' (notifications both ways)' : ' (register accesses that reached the VMM)'}`);
  return out.join('\n');
}

/** What the devices and the VMM dropped at their per-VM limits, or '' when nothing was. */
function droppedLine(r: VmRunResult): string {
  const d = r.stats.dropped;
  const parts: string[] = [];
  const txDrops = r.stats.devices.nic?.txDrops ?? 0;
  if (txDrops > 0) parts.push(`NIC transmit ${fmt(txDrops)} (packets over ${NIC_MAX_PACKET} bytes or unreadable)`);
  if (d.consoleBytes > 0) parts.push(`console ${fmt(d.consoleBytes)} bytes (the transcript keeps ${fmt(VM_LIMITS.CONSOLE_TRANSCRIPT_BYTES)})`);
  if (d.wirePackets > 0) parts.push(`wire ${fmt(d.wirePackets)} sent packets (it keeps ${fmt(VM_LIMITS.WIRE_CAPTURE_PACKETS)})`);
  if (d.testResults > 0) parts.push(`test port ${fmt(d.testResults)} results (it keeps ${fmt(VM_LIMITS.TEST_RESULTS)})`);
  if (d.phaseMarks > 0) parts.push(`phases ${fmt(d.phaseMarks)} marks (a run keeps ${fmt(VM_LIMITS.PHASE_MARKS)})`);
  if (d.divergences > 0) parts.push(`divergences ${fmt(d.divergences)} (a run keeps ${fmt(VM_LIMITS.DIVERGENCES)})`);
  return parts.length > 0 ? `  dropped at per-VM limits: ${parts.join('; ')}` : '';
}

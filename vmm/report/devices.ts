// The `--stats` lines about devices: exits per packet and per block, and under split devices each back-end's
// requests, batches and notifications (how well one notification covered a batch).

import Table from 'cli-table3';
import type { VmRunResult } from '../hv/hypervisor.js';

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
  const per: string[] = [];
  if (s.exitsPerPacket > 0) per.push(`${s.exitsPerPacket} per packet`);
  if (s.exitsPerBlock > 0) per.push(`${s.exitsPerBlock} per block request`);
  if (per.length > 0)
    out.push(`  device exits: ${per.join(', ')}${backends.length > 0 ? ' (notifications both ways)' : ' (register accesses that reached the VMM)'}`);
  return out.join('\n');
}

// Exercise 05's checks: the student's split net front-end sends batches in order with one notification each,
// and takes a burst queued on the wire without losing a packet.
import { boot, CheckFailure, defineSuite, expectPoweroff, type CheckContext, type Run } from 'vmlab/testing';

const NTX = 16;
const TX_BATCHES = 3; // kernel/main.s: 6 + 6 + 4 packets, one nf_kick each
const NRX = 12;
const MAX_INSTRUCTIONS = 2_000_000;

/** kernel/main.s's packet i: 40 + 7i bytes, byte k = (16i + k) & 0xff. */
function txPacket(i: number): Uint8Array {
  return Uint8Array.from({ length: 40 + 7 * i }, (_, k) => (16 * i + k) & 0xff);
}

/** The burst the suite queues on the wire before boot: packet j is 64 + 5j bytes, byte k = (0xa0 + j + 3k) & 0xff. */
function rxPacket(j: number): Uint8Array {
  return Uint8Array.from({ length: 64 + 5 * j }, (_, k) => (0xa0 + j + 3 * k) & 0xff);
}
const BURST = Array.from({ length: NRX }, (_, j) => rxPacket(j));

/** The kernel with the work's netfront.s under pv with split devices; `burst` queues NRX packets on the wire first. */
function run(ctx: CheckContext, burst: boolean): Run {
  return ctx.memo(burst ? 'burst' : 'tx-only', () =>
    boot(ctx.exercise('kernel/main.s'), {
      technique: 'pv',
      devices: 'split',
      includePaths: [ctx.workdir],
      maxInstructions: MAX_INSTRUCTIONS,
      ...(burst ? { packets: BURST } : { defines: { NRX: 0 } }),
    }),
  );
}

function net(r: Run): Record<string, number> {
  return r.stats.backends.net ?? {};
}

function show(p: Uint8Array): string {
  const head = Buffer.from(p.subarray(0, 8)).toString('hex').replace(/(..)/g, '$1 ').trim();
  return `${p.length} bytes (${head}${p.length > 8 ? ' ...' : ''})`;
}

/** The run ended early: say how, with the kernel's last line. */
function ending(r: Run): string {
  if (r.status === 'poweroff') return '';
  const last = r.console.trimEnd().split('\n').at(-1) ?? '';
  return ` (the run ended ${r.status}${r.crash ? `: ${r.crash.reason}` : ''}; last line ${JSON.stringify(last)})`;
}

/** Packets `from`..`from + want.length` of the wire must be `want`, in order. */
function expectOnWire(r: Run, from: number, want: readonly Uint8Array[], what: string, missing: string): void {
  const got = r.packetsSent.slice(from, from + want.length);
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    if (g === undefined)
      throw new CheckFailure(`only ${got.length} of the ${want.length} ${what} reached the wire${ending(r)}: ${missing}`);
    if (!Buffer.from(g).equals(Buffer.from(want[i]!)))
      throw new CheckFailure(
        `${what}: packet ${i} on the wire is ${show(g)}, expected ${show(want[i]!)}: a request's gref, offset and len must name the buffer its packet was copied into, and requests go out in the order they were queued`,
      );
  }
}

export default defineSuite({
  title: 'Exercise 05: a split net front-end',
  checks: [
    {
      name: 'every packet delivered in order',
      points: 4,
      run(ctx) {
        const r = run(ctx, true);
        const tx = Array.from({ length: NTX }, (_, i) => txPacket(i));
        if (r.packetsSent.length === 0)
          throw new CheckFailure(
            `no packet reached the wire (0 of the ${NTX} the kernel sent in ${TX_BATCHES} batches)${ending(r)}: nf_queue must write a TX request (RING_NEXT_REQ; id, gref, offset, len; RING_ADVANCE_REQ), and nf_kick publish the batch (RING_PUSH) and notify the back-end when RING_PUSH says so (SPLIT_NOTIFY)`,
          );
        expectOnWire(r, 0, tx, 'packets the kernel sent', 'nf_kick must publish every queued request (RING_PUSH) and collect the responses, so their buffers can be used again');
      },
    },
    {
      name: 'at most one notification per batch',
      points: 3,
      run(ctx) {
        const t = run(ctx, false);
        if (t.packetsSent.length !== NTX)
          throw new CheckFailure(`notifications are counted once the packets are delivered: ${t.packetsSent.length} of ${NTX} reached the wire (see the check above)`);
        const n = net(t).notificationsIn ?? 0;
        if (n > TX_BATCHES)
          throw new CheckFailure(
            `${n} notifications (evtchn_send to the net back-end) for the kernel's ${TX_BATCHES} batches of packets: notify once per batch, in nf_kick after RING_PUSH, and only when it returns 1 (the back-end asked), never per packet`,
          );
        const b = run(ctx, true);
        const inB = net(b).notificationsIn ?? 0;
        const batches = net(b).batches ?? 0;
        if (inB > batches)
          throw new CheckFailure(
            `with the burst, ${inB} notifications to the net back-end for the ${batches} batches it served: notify only when RING_PUSH returns 1, also after reposting a receive buffer in nf_recv (the back-end asks only while packets wait for a buffer)`,
          );
      },
    },
    {
      name: 'no lost packet under an injected burst',
      points: 3,
      run(ctx) {
        const r = run(ctx, true);
        const got = r.read32('rx_count');
        const drops = net(r).rxDrops ?? 0;
        if (got === 0)
          throw new CheckFailure(
            `none of the ${NRX} packets queued on the wire reached the kernel${ending(r)}: nf_recv must take a response from the RX ring (RING_UNCONSUMED, RING_NEXT_RSP, RING_ADVANCE_RSP) and copy the packet out of the buffer its id names`,
          );
        if (got < NRX)
          throw new CheckFailure(
            `the kernel received ${got} of the ${NRX} packets of the burst${drops > 0 ? ` (the back-end dropped ${drops})` : ''}: only ${4} receive buffers are posted at a time, so after taking a packet nf_recv must post its buffer again (nf_post) and publish it (RING_PUSH, and SPLIT_NOTIFY when it returns 1): the back-end holds the rest of the burst until then`,
          );
        if (drops > 0) throw new CheckFailure(`the back-end dropped ${drops} packet(s) of the burst (a buffer posted with a bad grant, offset or length?)`);
        // The kernel sends each received packet back: what it received is what it echoes.
        expectOnWire(r, NTX, BURST, 'packets the kernel received and sent back', `the kernel received all ${NRX} and sends each back: the transmit path lost them (see the first check)`);
      },
    },
    {
      name: 'the kernel powers off with status 0',
      points: 1,
      run(ctx) {
        const r = run(ctx, true);
        try {
          expectPoweroff(r, 0);
        } catch (e) {
          if (!(e instanceof CheckFailure)) throw e;
          const bad = r.console.split('\n').filter((l) => / failed: [1-9-]|rx: \d+ of|unexpected|nf_init failed/.test(l) && !l.startsWith(`rx: ${NRX} of`));
          throw new CheckFailure(`${e.message}${bad.length > 0 ? `; the kernel reported: ${bad.map((l) => JSON.stringify(l)).join(', ')}` : ''}`);
        }
      },
    },
  ],
});

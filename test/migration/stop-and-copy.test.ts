// Stop-and-copy migration between two real vmlab processes over 127.0.0.1, under every VMM technique, and the failures that must lose nothing.
import { readFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { frame, MSG } from '../../vmm/migration/protocol.js';
import { killingRelay, receiver, ROOT, vmlab } from './procs.js';

const MINI = join(ROOT, 'guest-kernels', 'mini', 'main.s');
const MINI_PV = join(ROOT, 'guest-kernels', 'mini-pv', 'main.s');
const GOLDEN = readFileSync(join(ROOT, 'test', 'fixtures', 'golden', 'mini.console.txt'), 'utf8');

const CASES: [string, string[]][] = [
  ['emulate', [MINI, '-t', 'emulate']],
  ['trap --strict', [MINI, '-t', 'trap', '--strict']],
  ['bt', [MINI, '-t', 'bt']],
  ['hw/nested', [MINI, '-t', 'hw', '--memory', 'nested']],
  ['hw/shadow', [MINI, '-t', 'hw', '--memory', 'shadow']],
  ['pv (mini-pv, split devices)', [MINI_PV, '-t', 'pv', '--devices', 'split']],
];

describe('stop-and-copy (--max-rounds 0): the two consoles make the whole transcript', () => {
  for (const [name, run] of CASES)
    it(name, async () => {
      const dst = await receiver();
      const src = vmlab(['run', ...run, '--migrate-to', `127.0.0.1:${dst.port}`, '--migrate-at', '600000', '--max-rounds', '0']);
      const [s, d] = await Promise.all([src.done, dst.done]);
      expect(s.code, s.stderr).toBe(0);
      expect(s.stderr).toMatch(/migrated to 127\.0\.0\.1:\d+: started at instruction 600,000/);
      expect(d.code, d.stderr).toBe(0);
      expect(s.stdout.length).toBeGreaterThan(0);
      expect(d.stdout.length).toBeGreaterThan(0);
      expect(s.stdout + d.stdout).toBe(GOLDEN);
    });
});

describe('failures leave the VM on the source', () => {
  it('a refused connection: the source runs the VM to its end, says so, and exits 74', async () => {
    // A port nobody listens on: take a free one and close it again.
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const s = await vmlab(['run', MINI, '-t', 'hw', '--migrate-to', `127.0.0.1:${port}`, '--migrate-at', '500000', '--max-rounds', '0']).done;
    expect(s.code).toBe(74);
    expect(s.stdout).toBe(GOLDEN);
    expect(s.stderr).toMatch(/migration to 127\.0\.0\.1:\d+ failed: connection refused/);
    expect(s.stderr).not.toMatch(/at .*\.(ts|js):\d+/);
  });

  it('the destination killed mid-transfer: the source finishes with the full transcript', async () => {
    const dst = await receiver();
    // A relay between the two that kills the destination process once part of the pages went through.
    const { port, relay } = await killingRelay(dst, 40_000);
    try {
      const s = await vmlab(['run', MINI, '-t', 'hw', '--migrate-to', `127.0.0.1:${port}`, '--migrate-at', '500000', '--max-rounds', '0']).done;
      const d = await dst.done;
      expect(d.code).toBeNull(); // killed
      expect(d.stdout).toBe('');
      expect(s.code, s.stderr).toBe(74);
      expect(s.stdout).toBe(GOLDEN);
      expect(s.stderr).toMatch(/failed: .*; the VM stays here and runs to its end/);
    } finally {
      relay.close();
    }
  });

  it('a corrupt stream: the destination exits 66 with one line and discards the partial VM', async () => {
    const dst = await receiver();
    const sock = createConnection({ host: '127.0.0.1', port: dst.port });
    const bad = frame(MSG.HELLO, new TextEncoder().encode('VMLABMIG....{}'));
    bad[bad.length - 1] = bad[bad.length - 1]! ^ 0xff; // the checksum no longer matches
    sock.on('error', () => {});
    sock.write(bad);
    const d = await dst.done;
    sock.destroy();
    expect(d.code).toBe(66);
    expect(d.stderr).toMatch(/checksum does not match: the partial VM is discarded/);
    expect(d.stdout).toBe('');
  });

  it('a truncated stream: the destination exits 66', async () => {
    const dst = await receiver();
    const sock = createConnection({ host: '127.0.0.1', port: dst.port });
    sock.on('error', () => {});
    // A real handshake, a round that announces pages, then the source goes away.
    const { helloFrame, roundFrame } = await import('../../vmm/migration/protocol.js');
    sock.write(helloFrame({ technique: 'hw', memory: 'nested', devices: 'emulated', strict: false, ramSize: 4 << 20, pageSize: 4096, mode: 'pre-copy' }));
    sock.write(roundFrame(0, 1024));
    sock.end();
    const d = await dst.done;
    expect(d.code).toBe(66);
    expect(d.stderr).toMatch(/ended before the switch-over \(after 1 rounds and 0 pages\): the partial VM is discarded/);
  });

  it('a guest that ends during pre-copy: the source calls the migration off and finishes (exit 0), the destination exits 74', async () => {
    const dst = await receiver(['--json']);
    // Round 0 would take 1.6 million instructions at 64 pages per 100,000: mini ends first.
    const s = await vmlab(['run', MINI, '-t', 'emulate', '--migrate-to', `127.0.0.1:${dst.port}`, '--migrate-at', '1000000', '--bandwidth', '64']).done;
    const d = await dst.done;
    expect(s.code, s.stderr).toBe(0);
    expect(s.stdout).toBe(GOLDEN);
    expect(s.stderr).toMatch(/was called off: the guest stopped before the switch-over; the VM ends here/);
    expect(d.code).toBe(74);
    expect(d.stderr).toMatch(/the source called the migration off/);
  });

  it("receive --json prints the arrived VM's result: the console from the move on, stats from the start", async () => {
    const dst = await receiver(['--json']);
    const s = await vmlab(['run', MINI, '-t', 'trap', '--strict', '--migrate-to', `127.0.0.1:${dst.port}`, '--migrate-at', '700000', '--max-rounds', '0']).done;
    const d = await dst.done;
    expect(d.code, d.stderr).toBe(0);
    const j = JSON.parse(d.stdout) as { status: string; console: string; stats: { guestInstructions: number } };
    expect(j.status).toBe('poweroff');
    expect(s.stdout + j.console).toBe(GOLDEN);
    expect(j.stats.guestInstructions).toBe(1_567_775);
  });

  it('native cannot migrate: exit 67', async () => {
    const s = await vmlab(['run', MINI, '--migrate-to', '127.0.0.1:9', '--migrate-at', '1000']).done;
    expect(s.code).toBe(67);
    expect(s.stderr).toMatch(/bare metal has no VMM/);
  });
});

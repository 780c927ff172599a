// Real vmlab processes for the migration tests: a destination on a free loopback port, a source, each bounded in time and killed if it overstays.
import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection, createServer, type Server } from 'node:net';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'vmlab.js');

export interface Done {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface Proc {
  readonly child: ChildProcess;
  readonly done: Promise<Done>;
  /** What it has written to stderr so far. */
  stderr(): string;
}

/** Start `vmlab ...args`; it is killed after `limitMs` whatever it is doing. */
export function vmlab(args: readonly string[], limitMs = 50_000): Proc {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (err += s));
  const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
  const done = new Promise<Done>((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: out, stderr: err });
    }),
  );
  return { child, done, stderr: () => err };
}

/** Start `vmlab receive` on a free port (port 0) and wait until it says which. */
export async function receiver(extra: readonly string[] = []): Promise<Proc & { port: number }> {
  const p = vmlab(['receive', '--listen', '127.0.0.1:0', ...extra]);
  const port = await new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`receive did not start listening: ${p.stderr()}`)), 30_000);
    const look = () => {
      const m = /waiting for a VM on 127\.0\.0\.1:(\d+)/.exec(p.stderr());
      if (m) {
        clearTimeout(t);
        resolve(Number(m[1]));
      }
    };
    p.child.stderr!.on('data', look);
    void p.done.then(() => reject(new Error(`receive exited early: ${p.stderr()}`)));
  });
  return { ...p, port };
}

/**
 * A relay on a free loopback port in front of the destination `dst` that SIGKILLs the destination's
 * process once `afterBytes` of the source's stream went through: a death mid-transfer at a
 * deterministic point. Close it when done.
 */
export async function killingRelay(dst: Proc & { port: number }, afterBytes: number): Promise<{ port: number; relay: Server }> {
  let relayed = 0;
  const relay = createServer((from) => {
    const to = createConnection({ host: '127.0.0.1', port: dst.port });
    to.on('data', (b) => from.write(b));
    to.on('error', () => from.destroy());
    to.on('close', () => from.destroy());
    from.on('error', () => to.destroy());
    from.on('data', (b: Buffer) => {
      to.write(b);
      relayed += b.length;
      if (relayed > afterBytes && dst.child.exitCode === null) dst.child.kill('SIGKILL');
    });
  });
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
  return { port: (relay.address() as { port: number }).port, relay };
}

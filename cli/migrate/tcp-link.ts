// A migration link over a TCP connection: frames out with write callbacks, frames in through the protocol's reader, every failure as a rejection.
import { connect, type Socket } from 'node:net';
import { FrameReader, MigrationStreamError, type Frame } from '../../vmm/migration/protocol.js';
import type { MigrationLink } from '../../vmm/migration/source.js';

/** How long the source waits for the destination's answer to the handshake or the switch-over. */
export const ANSWER_TIMEOUT_MS = 30_000;

/** Both ends of the protocol over one socket. Once broken, every send and receive rejects with why. */
export class TcpLink implements MigrationLink {
  private readonly reader = new FrameReader();
  private readonly frames: Frame[] = [];
  private waiter: { resolve: (f: Frame) => void; reject: (e: Error) => void } | null = null;
  private broken: Error | null = null;

  constructor(
    readonly socket: Socket,
    private readonly answerTimeoutMs = ANSWER_TIMEOUT_MS,
  ) {
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const f of this.reader.push(chunk)) this.frames.push(f);
      } catch (e) {
        this.fail(e as Error);
        socket.destroy();
        return;
      }
      this.wake();
    });
    socket.on('error', (e: NodeJS.ErrnoException) => this.fail(new Error(describe(e))));
    socket.on('close', () => this.fail(new Error('the destination closed the connection')));
  }

  private fail(e: Error): void {
    if (this.broken === null) this.broken = e;
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    if (!w) return;
    if (this.frames.length > 0) {
      this.waiter = null;
      w.resolve(this.frames.shift()!);
    } else if (this.broken) {
      this.waiter = null;
      w.reject(this.broken);
    }
  }

  send(bytes: Uint8Array): Promise<void> {
    if (this.broken) return Promise.reject(this.broken);
    return new Promise((resolve, reject) => {
      this.socket.write(bytes, (err) => (err ? reject(this.broken ?? new Error(describe(err as NodeJS.ErrnoException))) : resolve()));
    });
  }

  receive(): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(new Error(`the destination did not answer within ${this.answerTimeoutMs / 1000} s`));
      }, this.answerTimeoutMs);
      const done = <T>(f: (v: T) => void) => (v: T) => {
        clearTimeout(timer);
        f(v);
      };
      this.waiter = { resolve: done(resolve), reject: done(reject) };
      this.wake();
    });
  }

  close(): void {
    this.socket.end();
    this.socket.unref();
  }
}

/** A socket error as the user should read it. */
export function describe(e: NodeJS.ErrnoException): string {
  if (e instanceof MigrationStreamError) return e.message;
  switch (e.code) {
    case 'ECONNREFUSED':
      return 'connection refused (is `vmlab receive` listening there?)';
    case 'ECONNRESET':
      return 'the destination reset the connection';
    case 'EPIPE':
      return 'the destination went away mid-transfer';
    default:
      return e.code ? `${e.code}: ${e.message}` : e.message;
  }
}

/** Connect to a destination, or reject with a one-line reason. */
export function connectLink(host: string, port: number, timeoutMs = 10_000): Promise<TcpLink> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no connection to ${host}:${port} within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    socket.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new Error(describe(e)));
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      socket.setNoDelay(true);
      resolve(new TcpLink(socket));
    });
  });
}

/** `host:port` on the loopback interface, or why not: the stream is neither authenticated nor encrypted. */
export function parseLoopbackAddress(text: string, allowZeroPort: boolean): { host: string; port: number } | string {
  const m = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[::1\]):(\d{1,5})$/.exec(text.trim());
  if (!m) return `${JSON.stringify(text)}: expected 127.0.0.1:<port> (migration runs over the loopback interface only: the stream is neither authenticated nor encrypted)`;
  const port = Number(m[2]);
  if (port > 65535 || (port === 0 && !allowZeroPort)) return `${JSON.stringify(text)}: the port must be 1 to 65535${allowZeroPort ? ' (or 0 for any free one)' : ''}`;
  return { host: m[1] === '[::1]' ? '::1' : m[1]!, port };
}

// The migration stream's framing and the destination's checks, in process: what a damaged or out-of-order stream is refused with.
import { describe, expect, it } from 'vitest';
import { Arrival } from '../../vmm/migration/destination.js';
import {
  frame,
  FrameReader,
  helloFrame,
  MigrationStreamError,
  MSG,
  pagesFrame,
  roundFrame,
  type Hello,
} from '../../vmm/migration/protocol.js';

const HELLO: Hello = { technique: 'hw', memory: 'nested', devices: 'emulated', strict: false, ramSize: 8 * 4096, pageSize: 4096, mode: 'pre-copy' };
const read = (bytes: Uint8Array) => new FrameReader().push(bytes);
const arrive = (...frames: Uint8Array[]) => {
  const a = new Arrival();
  const steps = frames.flatMap((f) => read(f)).map((f) => a.step(f));
  return { a, steps };
};

describe('frames', () => {
  it('come out whole however the bytes are split', () => {
    const ram = new Uint8Array(8 * 4096);
    ram[4096 * 3 + 5] = 7;
    const bytes = new Uint8Array([...helloFrame(HELLO), ...roundFrame(0, 2), ...pagesFrame(ram, [3, 4])]);
    const r = new FrameReader();
    const got = [];
    for (let i = 0; i < bytes.length; i += 1000) got.push(...r.push(bytes.subarray(i, i + 1000)));
    expect(got.map((f) => f.type)).toEqual([MSG.HELLO, MSG.ROUND, MSG.PAGES]);
    expect(r.pending).toBe(0);
    // Page 4 is all zeros: its number only, no bytes.
    expect(got[2]!.payload.length).toBe(4 + 4 + 4096 + 4);
  });

  it('a flipped bit, an unknown type or an absurd length is refused', () => {
    const f = roundFrame(0, 1);
    f[f.length - 1]! ^= 1;
    expect(() => read(f)).toThrow(/checksum/);
    const t = frame(MSG.ROUND, new Uint8Array(8));
    t[0] = 42;
    expect(() => read(t)).toThrow(/unknown message type 42/);
    const big = frame(MSG.PAGES, new Uint8Array(0));
    new DataView(big.buffer).setUint32(1, 1 << 30, true);
    expect(() => read(big)).toThrow(/at most/);
  });
});

describe('the destination', () => {
  it('welcomes a handshake it can take, and refuses another version or an unknown technique', () => {
    expect(arrive(helloFrame(HELLO)).steps[0]).toEqual({ kind: 'more', reply: { type: 'welcome', text: '' } });
    expect(arrive(helloFrame({ ...HELLO, technique: 'quantum' })).steps[0]).toMatchObject({ reply: { type: 'refuse' } });
    const v2 = helloFrame(HELLO);
    const body = v2.slice(9);
    new DataView(body.buffer).setUint32(8, 2, true);
    expect(() => arrive(frame(MSG.HELLO, body))).toThrow(/version 2; this vmlab speaks version 1/);
  });

  it('refuses pages before a handshake, rounds out of order, pages past RAM, and a round short of its pages', () => {
    const ram = new Uint8Array(HELLO.ramSize).fill(1);
    expect(() => arrive(roundFrame(0, 1))).toThrow(/does not begin with a handshake/);
    expect(() => arrive(helloFrame(HELLO), roundFrame(1, 1))).toThrow(/round 1 follows round -1/);
    expect(() => arrive(helloFrame(HELLO), roundFrame(0, 1), pagesFrame(new Uint8Array(16 * 4096), [12]))).toThrow(/page 12 is past the end/);
    expect(() => arrive(helloFrame(HELLO), roundFrame(0, 2), pagesFrame(ram, [0]), roundFrame(1, 0))).toThrow(/announced 2 pages and brought 1/);
    expect(() => arrive(helloFrame(HELLO), roundFrame(0, 1), pagesFrame(ram, [0, 1]))).toThrow(MigrationStreamError);
    expect(() => arrive(helloFrame(HELLO), roundFrame(0, 0), frame(MSG.SWITCH, new Uint8Array(10)))).toThrow(/switch-over state: too short/);
  });

  it('hands back an abort with its reason', () => {
    const { steps } = arrive(helloFrame(HELLO), frame(MSG.ABORT, new TextEncoder().encode('the VM stopped')));
    expect(steps[1]).toEqual({ kind: 'abort', reason: 'the VM stopped' });
  });
});

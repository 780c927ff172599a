// The back-end interface the split drivers plug into: grant, event channel, device_connect, notify and raise, end to end.
import { describe, expect, it } from 'vitest';
import { BACKEND, HC_ERR } from '../../isa/abi.js';
import { Hypervisor } from '../../vmm/hv/hypervisor.js';
import type { BackendSet } from '../../vmm/hv/pv/backend.js';
import { fixture, spec } from '../hv/helpers.js';

/** A test back-end: on each kick it reads word 0 of the ring page and writes it + 1 at word 1. */
function adder(log: string[]): BackendSet {
  return {
    CONSOLE: (host, conn) => {
      if (host.grants.get(conn.ring) === null) return -HC_ERR.ENOENT;
      return {
        notify() {
          const v = host.grants.read32(conn.ring, BACKEND.CONSOLE, 0) ?? 0;
          log.push(`kick ${v.toString(16)}`);
          // Another back-end's id, or a range past the page, is refused.
          log.push(`foreign ${host.grants.read32(conn.ring, BACKEND.BLOCK, 0)}`);
          log.push(`past ${host.grants.write32(conn.ring, BACKEND.CONSOLE, 4094, 1)}`);
          host.grants.write32(conn.ring, BACKEND.CONSOLE, 4, v + 1);
          host.raise();
        },
      };
    },
  };
}

describe('split-driver back-ends', () => {
  it('a front-end grants its ring, connects, kicks, and gets the answer through its upcall', () => {
    const log: string[] = [];
    const hv = new Hypervisor([spec('fe', fixture('pv/backend.s'))], { technique: 'pv', devices: 'split', backends: adder(log) });
    const [r] = hv.run(1_000_000);
    expect(r!.console).toBe('back-end answered\n');
    expect(r!.exitCode).toBe(0);
    expect(log).toEqual(['kick 1234', 'foreign null', `past ${-HC_ERR.EINVAL}`]);
    expect(r!.stats.hypercalls).toMatchObject({ GRANT: 1, DEVICE_CONNECT: 1, EVTCHN_SEND: 1, EVTCHN_BIND: 1 });
    expect(r!.stats.upcalls).toBe(1);
  });

  it('without back-ends (devices emulated) binding to one is ENOENT and the kernel says so by failing', () => {
    const [r] = new Hypervisor([spec('fe', fixture('pv/backend.s'))], { technique: 'pv', devices: 'emulated' }).run(1_000_000);
    expect(r!.exitCode).toBe(1);
  });
});

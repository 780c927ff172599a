// A migration link inside one process: the source's frames go straight to a destination's Arrival, for reports and tests without sockets.
import { Hypervisor } from '../hv/hypervisor.js';
import { Arrival } from './destination.js';
import { frame, FrameReader, MSG, utf8, type Frame } from './protocol.js';
import type { MigrationLink } from './source.js';

/** The source's end; `arrived` is the destination's restored run once the switch-over came. */
export class MemoryLink implements MigrationLink {
  private readonly reader = new FrameReader();
  private readonly arrival = new Arrival();
  private readonly replies: Frame[] = [];
  arrived: Hypervisor | null = null;

  send(bytes: Uint8Array): Promise<void> {
    for (const f of this.reader.push(bytes)) {
      const step = this.arrival.step(f);
      if (step.kind === 'more' && step.reply) this.reply(step.reply.type === 'welcome' ? MSG.WELCOME : MSG.REFUSE, step.reply.text);
      if (step.kind === 'switch') {
        this.arrived = Hypervisor.restore(step.snapshot.run, step.snapshot.images);
        this.reply(MSG.ACK, '{}');
      }
    }
    return Promise.resolve();
  }

  private reply(type: typeof MSG.WELCOME | typeof MSG.REFUSE | typeof MSG.ACK, text: string): void {
    const [f] = new FrameReader().push(frame(type, utf8(text)));
    this.replies.push(f!);
  }

  receive(): Promise<Frame> {
    const f = this.replies.shift();
    return f ? Promise.resolve(f) : Promise.reject(new Error('the destination has nothing to say'));
  }
}

// `vmlab receive`: wait on the loopback interface for one VM migrating in, restore it, acknowledge it, and run it to its end.
import type { Command } from 'commander';
import { createServer, type Socket } from 'node:net';
import { EXIT_CODE } from '../../isa/abi.js';
import { ConfigError, Hypervisor, SnapshotStateError } from '../../vmm/hv/hypervisor.js';
import { Arrival } from '../../vmm/migration/destination.js';
import { FrameReader, frame, MigrationStreamError, MSG, utf8 } from '../../vmm/migration/protocol.js';
import type { Snapshot } from '../../vmm/snapshot/format.js';
import { cliError } from '../load-image.js';
import { parseLoopbackAddress } from '../migrate/tcp-link.js';
import { finishRun, LineWriter } from './run.js';

interface ReceiveCliOptions {
  listen: string;
  json?: boolean;
  stats?: boolean;
}

/** What the connection ended with: a VM to run, or an exit code (the partial VM is already gone). */
type Received = { vm: Hypervisor; printed: number; snap: Snapshot } | { code: number };

/** Read one migration off `socket`; resolves once the VM is restored and acknowledged, or the stream failed. */
function receiveOne(socket: Socket, writer: LineWriter | null): Promise<Received> {
  return new Promise((resolve) => {
    const reader = new FrameReader();
    const arrival = new Arrival();
    let settled = false;
    const fail = (message: string, code: number = EXIT_CODE.BAD_IMAGE) => {
      if (settled) return;
      settled = true;
      cliError(`${message}: the partial VM is discarded`);
      socket.destroy();
      resolve({ code });
    };
    socket.on('data', (chunk: Buffer) => {
      if (settled) return;
      try {
        for (const f of reader.push(chunk)) {
          const step = arrival.step(f);
          if (step.kind === 'more') {
            if (step.reply?.type === 'welcome') socket.write(frame(MSG.WELCOME, utf8(JSON.stringify({ version: 1 }))));
            if (step.reply?.type === 'refuse') {
              socket.write(frame(MSG.REFUSE, utf8(step.reply.text)));
              return fail(`refused the incoming VM (${step.reply.text})`, EXIT_CODE.CONFIG);
            }
            continue;
          }
          if (step.kind === 'abort') return fail(`the source called the migration off (${step.reason})`, EXIT_CODE.MIGRATION_FAILED);
          let hv: Hypervisor;
          try {
            hv = Hypervisor.restore(step.snapshot.run, step.snapshot.images, {
              consoleSinks: [writer ? (s: string) => writer.write(s) : undefined],
            });
          } catch (e) {
            if (!(e instanceof SnapshotStateError || e instanceof ConfigError)) throw e;
            socket.write(frame(MSG.REFUSE, utf8(e.message)));
            return fail(`the VM cannot be restored here: ${e.message}`, e instanceof ConfigError ? EXIT_CODE.CONFIG : EXIT_CODE.BAD_IMAGE);
          }
          // The VM runs here only once the source has been told: until then the source still has it.
          settled = true;
          const printed = hv.vms[0]!.platform.console.length;
          socket.write(frame(MSG.ACK, utf8(JSON.stringify({ pages: arrival.pages, rounds: arrival.rounds }))), (err) => {
            socket.end();
            if (err) {
              cliError('the acknowledgement did not reach the source: the VM stays there; this copy is discarded');
              resolve({ code: EXIT_CODE.MIGRATION_FAILED });
            } else resolve({ vm: hv, printed, snap: step.snapshot });
          });
          return;
        }
      } catch (e) {
        if (e instanceof MigrationStreamError) return fail(e.message);
        throw e;
      }
    });
    socket.on('error', () => fail(`the connection failed after ${arrival.rounds} rounds and ${arrival.pages} pages`));
    socket.on('close', () =>
      fail(
        arrival.hello === null
          ? 'the source closed the connection before the handshake'
          : `the stream ended before the switch-over (after ${arrival.rounds} rounds and ${arrival.pages} pages${reader.pending ? `, inside a message of which ${reader.pending} bytes came` : ''})`,
      ),
    );
  });
}

async function receiveCommand(opts: ReceiveCliOptions): Promise<number> {
  const addr = parseLoopbackAddress(opts.listen, true);
  if (typeof addr === 'string') {
    cliError(`--listen ${addr}`);
    return EXIT_CODE.USAGE;
  }
  const writer = opts.json ? null : new LineWriter((s) => process.stdout.write(s));
  const server = createServer();
  const listening = await new Promise<string | null>((resolve) => {
    server.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'EADDRINUSE' ? 'the address is in use' : `${e.code ?? ''} ${e.message}`.trim()));
    server.listen(addr.port, addr.host, () => resolve(null));
  });
  if (listening !== null) {
    cliError(`cannot listen on ${opts.listen}: ${listening}`);
    return EXIT_CODE.USAGE;
  }
  const port = (server.address() as { port: number }).port;
  process.stderr.write(`vmlab: waiting for a VM on ${addr.host}:${port}\n`);
  // One VM per receive: the first connection is the migration, and nothing else is accepted.
  const socket = await new Promise<Socket>((resolve) => server.once('connection', resolve));
  server.close();
  const got = await receiveOne(socket, writer);
  if ('code' in got) return got.code;
  const { vm: hv, printed, snap } = got;
  process.stderr.write(`vmlab: VM ${hv.vms[0]!.name} arrived (${hv.technique}); running it from instruction ${hv.usedBy(0).toLocaleString('en-US')}\n`);
  const results = hv.run(snap.maxInstructions).map((r) => ({ ...r, console: r.console.slice(printed) }));
  return finishRun(results, writer ? [writer] : [], {
    json: opts.json ?? false,
    several: false,
    stats: opts.stats ?? false,
    profile: hv.profile,
    maxInstructions: snap.maxInstructions,
  });
}

export function register(program: Command): void {
  program
    .command('receive')
    .description('wait for one VM migrating in (`vmlab run --migrate-to`), then run it here to its end')
    .requiredOption('--listen <127.0.0.1:port>', 'where to wait, on the loopback interface (port 0: any free port, printed on stderr)')
    .option('--json', 'print the result object (console from the move on, cumulative stats) as JSON instead of the live console')
    .option('--stats', 'print the exits by reason, counted from the start of the original run')
    .addHelpText(
      'after',
      `
The destination of a live migration (docs/migration.md). It takes one connection, checks every
message of the stream, restores the VM once the switch-over state arrives, tells the source it has
the VM, and runs it; it prints only the console output produced after the move.

Exit codes: the guest's, as vmlab run; ${EXIT_CODE.BAD_IMAGE} = the stream was corrupt or ended before the switch-over
(the partial VM is discarded; the source keeps the VM); ${EXIT_CODE.CONFIG} = the VM needs what this vmlab cannot do;
${EXIT_CODE.MIGRATION_FAILED} = the source called the migration off.

Example:
  vmlab receive --listen 127.0.0.1:7000 &
  vmlab run guest-kernels/mini/main.s -t hw --migrate-to 127.0.0.1:7000 --migrate-at 500000`,
    )
    .action(async (opts: ReceiveCliOptions) => {
      process.exitCode = await receiveCommand(opts);
    });
}

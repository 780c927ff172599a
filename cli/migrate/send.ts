// `vmlab run --migrate-to`: run to the migration point, move the VM over TCP, and either let it go (on the ACK) or keep running it here.
import { EXIT_CODE } from '../../isa/abi.js';
import type { CostProfile } from '../../vmm/cost/profile.js';
import type { Hypervisor } from '../../vmm/hv/hypervisor.js';
import { frame, MSG, utf8 } from '../../vmm/migration/protocol.js';
import { migrate, migrationRefusal, type MigrationOptions, type MigrationReport } from '../../vmm/migration/source.js';
import { formatMigrationSummary } from '../../vmm/report/migration.js';
import { cliError } from '../load-image.js';
import { finishRun, jsonResult, type LineWriter } from '../commands/run.js';
import { connectLink } from './tcp-link.js';

export interface SendOptions extends Omit<MigrationOptions, 'maxInstructions'> {
  readonly host: string;
  readonly port: number;
  readonly at: number;
  readonly maxInstructions: number;
  readonly json: boolean;
  readonly stats: boolean;
  readonly profile: CostProfile;
}

/** Why this run cannot migrate (before it starts), or null. */
export function sendRefusal(hv: Hypervisor, o: Pick<SendOptions, 'maxRounds'>): string | null {
  return migrationRefusal(hv, o);
}

export async function runAndMigrate(hv: Hypervisor, writers: readonly LineWriter[], o: SendOptions): Promise<number> {
  const where = `${o.host}:${o.port}`;
  const finish = () =>
    finishRun(hv.run(o.maxInstructions), writers, { json: o.json, several: false, stats: o.stats, profile: o.profile, maxInstructions: o.maxInstructions });
  hv.runUntil(o.at);
  const vm = hv.vms[0]!;
  if (!vm.running) {
    process.stderr.write(`vmlab: the VM stopped before instruction ${o.at}: nothing to migrate\n`);
    // Tell a waiting destination there is nothing coming, if it is there; it does not matter if not.
    await connectLink(o.host, o.port, 2000)
      .then(async (l) => {
        await l.send(frame(MSG.ABORT, utf8(`the VM stopped on the source before instruction ${o.at}`))).catch(() => {});
        l.close();
      })
      .catch(() => {});
    return finish();
  }
  let outcome;
  try {
    const link = await connectLink(o.host, o.port);
    outcome = await migrate(hv, link, o);
    link.close();
  } catch (e) {
    outcome = { ok: false as const, reason: (e as Error).message, report: {} };
  }
  if (outcome.ok) {
    for (const w of writers) w.flush();
    const r = hv.results()[0]!;
    if (o.json)
      process.stdout.write(
        `${JSON.stringify({ ...jsonResult(r), status: 'migrated', exitCode: EXIT_CODE.OK, migratedTo: where, migration: outcome.report }, null, 2)}\n`,
      );
    process.stderr.write(`${formatMigrationSummary(where, outcome.report)}\n`);
    return EXIT_CODE.OK;
  }
  if ('ended' in outcome) {
    process.stderr.write(`vmlab: the migration to ${where} was called off: ${outcome.reason}; the VM ends here\n`);
    return finish();
  }
  // The destination never acknowledged: the VM is still ours, stopped between two slices, and goes on.
  cliError(`migration to ${where} failed: ${outcome.reason}; the VM stays here and runs to its end`);
  const results = hv.run(o.maxInstructions);
  if (o.json) {
    for (const w of writers) w.flush();
    const r = results[0]!;
    process.stdout.write(`${JSON.stringify({ ...jsonResult(r), migration: { status: 'failed', reason: outcome.reason, ...outcome.report } }, null, 2)}\n`);
  }
  // The status line and reports on stderr as for any run; the JSON above already holds the result.
  finishRun(results, writers, { json: false, several: false, stats: o.stats, profile: o.profile, maxInstructions: o.maxInstructions });
  process.stderr.write(`vmlab: exit ${EXIT_CODE.MIGRATION_FAILED}: the VM did not migrate (it ran to its end here)\n`);
  return EXIT_CODE.MIGRATION_FAILED;
}

export type { MigrationReport };

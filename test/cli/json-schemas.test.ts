// The JSON Schemas in docs/schemas/ describe what vmlab really writes: real outputs of run, compare and test validate against them (ajv).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { describe, expect, it } from 'vitest';
import { assembleFile } from '../../assembler/index.js';
import { jsonResult } from '../../cli/commands/run.js';
import { loadProfile, PROFILE_DIR } from '../../vmm/cost/profile.js';
import { parseTechniques, type TechniqueSpec } from '../../vmm/report/compare.js';
import { renderJson as compareJson } from '../../vmm/report/compare-format.js';
import { runComparison } from '../../vmm/comparison.js';
import { runGuests } from '../../vmm/session.js';
import { renderJson as testJson } from '../../testing/reporters/json.js';
import { CheckFailure, defineSuite, expectOutput, runSuite, setupFailure } from '../../testing/index.js';

const SCHEMAS = join(import.meta.dirname, '..', '..', 'docs', 'schemas');
const ajv = new Ajv({ allErrors: true });
for (const f of readdirSync(SCHEMAS).filter((f) => f.endsWith('.schema.json'))) ajv.addSchema(JSON.parse(readFileSync(join(SCHEMAS, f), 'utf8')));
const schema = (id: string): ValidateFunction => ajv.getSchema(`urn:vmlab:schema:${id}`)!;

function problems(v: ValidateFunction, value: unknown): string[] {
  return v(value) ? [] : (v.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

const callret = assembleFile(join(import.meta.dirname, '..', '..', 'guest-kernels', 'nanobench', 'callret.s'), { defines: { ITERS: 50 } }).image!;

describe('docs/schemas', () => {
  it('every schema compiles (strict ajv), and each names itself by its file', () => {
    const files = readdirSync(SCHEMAS).filter((f) => f.endsWith('.schema.json'));
    expect(files.sort()).toEqual(['compare.schema.json', 'cost-profile.schema.json', 'run-stats.schema.json', 'run.schema.json', 'test-result.schema.json']);
    for (const f of files) expect(schema(f.replace('.schema.json', ''))).toBeTypeOf('function');
  });

  it('cost profiles: the bundled ones validate; the published schema and the generated validator agree on a bad one', () => {
    for (const f of readdirSync(PROFILE_DIR)) expect(problems(schema('cost-profile'), JSON.parse(readFileSync(join(PROFILE_DIR, f), 'utf8'))), f).toEqual([]);
    const bad = JSON.parse(JSON.stringify(loadProfile('modern')));
    delete bad.costs.trap;
    expect(problems(schema('cost-profile'), bad)).toEqual(["/costs must have required property 'trap'"]);
  });

  it('vmlab run --json: one native run, a run under hw, and several VMs at once', () => {
    const native = runGuests([{ name: 'callret.s', image: callret }], { technique: 'native', maxInstructions: 1e6 }).map(jsonResult);
    const hw = runGuests(
      [{ name: 'a', image: callret }, { name: 'b', image: callret }],
      { technique: 'hw', maxInstructions: 1e6 },
    ).map(jsonResult);
    expect(problems(schema('run'), native[0])).toEqual([]);
    expect(problems(schema('run'), hw[0])).toEqual([]);
    expect(problems(schema('run'), hw)).toEqual([]);
    // The schema is strict enough to fail: a run without its stats, or an unknown status.
    expect(problems(schema('run'), { ...native[0], stats: undefined }).length).toBeGreaterThan(0);
    expect(problems(schema('run'), { ...native[0], status: 'finished' }).length).toBeGreaterThan(0);
  });

  it('vmlab compare --json: runs under trap and bt, and an n/a row', () => {
    const rows = runComparison([{ name: 'callret', image: callret }], {
      techniques: parseTechniques('native,trap,bt,pv') as TechniqueSpec[],
      profile: loadProfile('modern'),
      maxInstructions: 1e6,
      blockImage: new Uint8Array(4096),
    });
    expect(rows.map((r) => r.status)).toContain('n/a');
    expect(problems(schema('compare'), JSON.parse(compareJson(rows)))).toEqual([]);
  });

  it('vmlab test --reporter json: a run with every outcome, and a run that could not start', async () => {
    const suite = defineSuite({
      title: 't',
      checks: [
        { name: 'ok', points: 1, run: () => {} },
        { name: 'diff', points: 2, visibility: 'hidden', run: () => expectOutput('a', 'b') },
        { name: 'fail', points: 1, run: () => { throw new CheckFailure('no'); } },
        { name: 'error', points: 1, run: () => { throw new Error('boom'); } },
      ],
    });
    const ran = JSON.parse(testJson(await runSuite(suite, { exerciseDir: '/e', workdir: '/w' })));
    expect(problems(schema('test-result'), ran)).toEqual([]);
    expect(problems(schema('test-result'), JSON.parse(testJson(setupFailure('x', 'no such folder'))))).toEqual([]);
    expect(problems(schema('test-result'), { ...ran, checks: [{ ...ran.checks[0], visibility: 'secret' }] }).length).toBeGreaterThan(0);
  });
});

// npm run migration-report: pre-copy on guest-kernels/wws across writable working sets, in one process, written as docs/migration.md's results table.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assembleFile } from '../assembler/index.js';
import { Hypervisor } from '../vmm/hv/hypervisor.js';
import { MemoryLink } from '../vmm/migration/memory-link.js';
import { DEFAULT_STOP_PAGES, migrate } from '../vmm/migration/source.js';

const ROOT = join(import.meta.dirname, '..');
const DOC = join(ROOT, 'docs', 'migration.md');
const SETS = [8, 16, 32, 64, 128, 256, 400, 512];
const AT = 200_000;
const MAX_ROUNDS = 10;
const BANDWIDTH = 1024;
const BEGIN = '<!-- migration-report: begin -->';
const END = '<!-- migration-report: end -->';

const n = (x: number) => x.toLocaleString('en-US');
const rows: string[] = [];
for (const pages of SETS) {
  const asm = assembleFile(join(ROOT, 'guest-kernels', 'wws', 'main.s'), { defines: { DIRTY_PAGES: pages } });
  if (!asm.image) throw new Error(`wws with DIRTY_PAGES=${pages} does not assemble`);
  const hv = new Hypervisor([{ name: 'wws', image: asm.image }], { technique: 'hw', memory: 'nested' });
  hv.runUntil(AT);
  const link = new MemoryLink();
  const out = await migrate(hv, link, { maxRounds: MAX_ROUNDS, bandwidth: BANDWIDTH, stopPages: DEFAULT_STOP_PAGES, maxInstructions: 1e9, mode: 'pre-copy' });
  if (!out.ok || !link.arrived) throw new Error(`DIRTY_PAGES=${pages}: ${'reason' in out ? out.reason : 'no VM arrived'}`);
  const done = link.arrived.run(1e9)[0]!;
  const console = hv.results()[0]!.console;
  if (!done.console.startsWith(console) || !/wws: \d+ iterations done/.test(done.console)) throw new Error(`DIRTY_PAGES=${pages}: the transcript changed`);
  const r = out.report;
  const per = r.rounds.map((x) => n(x.pages));
  rows.push(
    `| ${pages} | ${r.rounds.length - 1} | ${per.length > 6 ? `${per.slice(0, 3).join(', ')}, …, ${per.at(-1)}` : per.join(', ')} | ${n(r.totalPages)} | ${n(r.rounds.at(-1)!.pages)} | ${n(r.downtimeInstructions)} | ${r.stoppedBecause} |`,
  );
  process.stderr.write(`DIRTY_PAGES=${pages}: ${r.stoppedBecause}, ${r.rounds.length - 1} rounds, downtime ${r.downtimeInstructions}\n`);
}
const table = [
  BEGIN,
  `hw/nested, migrating from instruction ${n(AT)}, \`--max-rounds ${MAX_ROUNDS}\`, \`--bandwidth ${BANDWIDTH}\` (written by \`npm run migration-report\`):`,
  '',
  '| DIRTY_PAGES | pre-copy rounds | pages per round | pages sent | downtime pages | downtime (guest instructions) | why it stopped |',
  '|---:|---:|---|---:|---:|---:|---|',
  ...rows,
  END,
].join('\n');
const doc = readFileSync(DOC, 'utf8');
const a = doc.indexOf(BEGIN);
const b = doc.indexOf(END);
writeFileSync(DOC, a >= 0 && b > a ? doc.slice(0, a) + table + doc.slice(b + END.length) : `${doc.trimEnd()}\n\n## Results\n\n${table}\n`);
process.stderr.write(`wrote the results table into ${DOC}\n`);

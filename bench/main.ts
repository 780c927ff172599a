// `npm run bench`: assembler throughput and guest MIPS, printed as a table and recorded with the date in docs/benchmarks.md.
//
// Benchmarks are not tests: nothing here asserts a time. Numbers depend on the machine and its load.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import Table from 'cli-table3';
import { benchAssembler } from './assembler.js';
import { benchCpu } from './cpu.js';
import { benchStartup } from './startup.js';

const DOC = 'docs/benchmarks.md';
const HEADER = `# Benchmarks

Recorded by \`npm run bench\` (bench/main.ts), newest first. These are measurements of the simulator
on the machine named in each entry, not modeled figures. Targets: the assembler at least 200,000
lines/s; the CPU at least 150 guest MIPS (median) on the compute loop with paging on.

How each figure is taken: the assembler assembles a generated 100,000-line source after a warm-up
and reports the fastest of three runs, in wall time. Each CPU loop runs five measured times after a
warm-up, at least 0.3 s each, and reports guest instructions per second of the process's CPU time,
so another process on the cores does not skew it; the median is the figure that counts. Start-up:
\`node bin/vmlab.js --help\` and \`run\` of an eight-instruction image, five runs after a warm-up,
median wall time, beside \`node -e 0\` on the same machine at the same time (target: run under 0.3 s).

`;

const stamp = new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}`;

// The CPU loops go first: they are timed by the process's CPU time, which would also count the
// collector's threads clearing up after the assembler's large heap.
process.stderr.write('cpu: three loops, paging on, 5 measured runs each after a warm-up...\n');
const cpu = benchCpu();
process.stderr.write('assembler: assembling a generated 100,000-line source...\n');
const asm = benchAssembler();
process.stderr.write('start-up: vmlab --help and a trivial run, 5 runs each after a warm-up...\n');
const startup = benchStartup();

const t = new Table({ head: ['benchmark', 'result', 'runs'], style: { head: [], border: [] } });
t.push(['assembler (100,000 lines)', `${asm.linesPerSec.toLocaleString('en-US')} lines/s`, `${asm.ms.toFixed(0)} ms`]);
for (const r of cpu)
  t.push([`cpu: ${r.name} loop`, `${r.median.toFixed(1)} MIPS (median)`, r.mips.map((m) => m.toFixed(0)).join(' ')]);
const secs = (runs: readonly number[]) => runs.map((x) => x.toFixed(3)).join(' ');
for (const r of startup) t.push([`start-up: ${r.name}`, `${r.median.toFixed(3)} s wall (median)`, secs(r.runs)]);
console.log(t.toString());

const entry = [
  `## ${stamp}`,
  '',
  `Machine: ${machine}.`,
  '',
  '| benchmark | result | individual runs |',
  '|---|---|---|',
  `| assembler, generated 100,000-line source | ${asm.linesPerSec.toLocaleString('en-US')} lines/s | ${asm.ms.toFixed(0)} ms |`,
  ...cpu.map(
    (r) => `| CPU, ${r.name} loop, paging on | ${r.median.toFixed(1)} guest MIPS (median) | ${r.mips.map((m) => m.toFixed(0)).join(', ')} |`,
  ),
  ...startup.map((r) => `| start-up, \`${r.name}\` | ${r.median.toFixed(3)} s wall (median) | ${r.runs.map((x) => x.toFixed(3)).join(', ')} |`),
  '',
  '',
].join('\n');

const old = existsSync(DOC) ? readFileSync(DOC, 'utf8') : HEADER;
// The entries start at the first `## `: the header above them may have changed since they were written.
const first = old.indexOf('\n## ');
const body = first >= 0 ? old.slice(first + 1) : '';
writeFileSync(DOC, HEADER + entry + body);
console.log(`recorded in ${DOC}`);

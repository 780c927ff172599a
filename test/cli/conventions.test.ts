// The CLI conventions a user of command-line tools expects: colour choices, `-` for standard streams, help that names the real exit codes.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseImage } from '../../assembler/image-format.js';
import { colorFor } from '../../cli/color.js';
import { EXIT_CODE } from '../../isa/abi.js';

const ROOT = join(import.meta.dirname, '..', '..');
const HELLO = 'test/fixtures/golden/hello.s';
const ESC = '\x1b[';

function vmlab(args: readonly string[], o: { input?: string | Buffer; env?: Record<string, string | undefined> } = {}) {
  const r = spawnSync(process.execPath, ['bin/vmlab.js', ...args], {
    cwd: ROOT,
    input: o.input ?? '',
    env: { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, CI: undefined, ...o.env },
    timeout: 30_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.toString('utf8') };
}

describe('colour', () => {
  const tty = { isTTY: true };
  const pipe = { isTTY: false };
  it('a terminal gets colour, a pipe does not, TERM=dumb does not', () => {
    expect(colorFor(tty, {}, [])).toBe(true);
    expect(colorFor(pipe, {}, [])).toBe(false);
    expect(colorFor(tty, { TERM: 'dumb' }, [])).toBe(false);
  });
  it('NO_COLOR and --no-color turn it off, FORCE_COLOR on; off wins', () => {
    expect(colorFor(tty, { NO_COLOR: '1' }, [])).toBe(false);
    expect(colorFor(tty, { NO_COLOR: '' }, [])).toBe(true); // no-color.org: an empty value does not count
    expect(colorFor(tty, {}, ['node', 'vmlab', '--no-color'])).toBe(false);
    expect(colorFor(pipe, { FORCE_COLOR: '1' }, [])).toBe(true);
    expect(colorFor(tty, { FORCE_COLOR: '0' }, [])).toBe(false);
    expect(colorFor(pipe, { FORCE_COLOR: '0' }, [])).toBe(false);
    expect(colorFor(pipe, { FORCE_COLOR: '1', NO_COLOR: '1' }, [])).toBe(false);
    expect(colorFor(pipe, { FORCE_COLOR: '1' }, ['--no-color'])).toBe(false);
  });
  it("the assembler's diagnostics follow them", () => {
    const bad = 'bogus r1\n';
    expect(vmlab(['asm', '-', '-o', '-'], { input: bad }).stderr).not.toContain(ESC);
    const forced = vmlab(['asm', '-', '-o', '-'], { input: bad, env: { FORCE_COLOR: '1' } });
    expect(forced.code).toBe(EXIT_CODE.ASSEMBLY);
    expect(forced.stderr).toContain(ESC);
    expect(vmlab(['asm', '-', '-o', '-', '--no-color'], { input: bad, env: { FORCE_COLOR: '1' } }).stderr).not.toContain(ESC);
    expect(vmlab(['asm', '-', '-o', '-'], { input: bad, env: { FORCE_COLOR: '1', NO_COLOR: '1' } }).stderr).not.toContain(ESC);
  });
});

describe('- is standard input or output', () => {
  it('asm - -o - writes the same image as asm <file> -o <file>, and run - runs it', () => {
    const piped = vmlab(['asm', '-', '-o', '-'], { input: readFileSync(join(ROOT, HELLO)) });
    expect(piped.code).toBe(EXIT_CODE.OK);
    expect(piped.stderr).toMatch(/^wrote standard output: /);
    const direct = vmlab(['asm', HELLO, '-o', '-']);
    // The same code and data; only the source name in the line table differs (<stdin>).
    const [a, b] = [parseImage(piped.stdout), parseImage(direct.stdout)];
    expect(a.entry).toBe(b.entry);
    expect(a.segments.map((s) => [s.addr, Buffer.from(s.data).toString('hex')])).toEqual(b.segments.map((s) => [s.addr, Buffer.from(s.data).toString('hex')]));
    const ran = vmlab(['run', '-'], { input: piped.stdout });
    const fromFile = vmlab(['run', HELLO]);
    expect(ran.code).toBe(fromFile.code);
    expect(ran.stdout.toString()).toBe(fromFile.stdout.toString());
    expect(ran.stdout.length).toBeGreaterThan(0);
  });
  it('a source on standard input is named <stdin> in diagnostics', () => {
    const r = vmlab(['run', '-'], { input: '.text\n  nosuch r1\n' });
    expect(r.code).toBe(EXIT_CODE.ASSEMBLY);
    expect(r.stderr).toMatch(/^<stdin>:2:3: error/m);
  });
  it('two outputs on standard output are refused', () => {
    const r = vmlab(['asm', HELLO, '-o', '-', '--map', '-']);
    expect(r.code).toBe(EXIT_CODE.USAGE);
    expect(r.stderr).toMatch(/only one of -o, --listing and --map can be -/);
    expect(r.stdout.length).toBe(0);
  });
});

describe('help', () => {
  // vmlab's own codes, and the edges of the guest-status range (0-62 passed through, 63 for the rest).
  const known = new Set<number>([...Object.values(EXIT_CODE), EXIT_CODE.GUEST_STATUS_MAX - 1]);
  const commands = ['', 'asm', 'disasm', 'run', 'compare', 'resume', 'receive', 'debug', 'test', 'isa'];
  it.each(commands)('vmlab %s --help names only exit codes vmlab really uses', (cmd) => {
    const r = vmlab([...(cmd ? [cmd] : []), '--help']);
    expect(r.code).toBe(EXIT_CODE.OK);
    const text = r.stdout.toString();
    const para = /Exit codes[^\n]*\n?(?:.+\n)*/.exec(text)?.[0];
    if (!para) return; // a command without an exit-code paragraph has nothing to get wrong
    // Every number in the paragraph but a privilege ring ("ring 1") is an exit code.
    const codes = [...para.matchAll(/(?<![\w.-]|ring )(\d{1,3})(?![\w.%-])/g)].map((m) => Number(m[1]));
    expect(codes.length).toBeGreaterThan(0);
    for (const c of codes) expect(known, `${cmd}: exit code ${c} in help`).toContain(c);
  });
});

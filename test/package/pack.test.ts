// The npm package as a user gets it: `npm pack`, installed into an empty project, where `npx vmlab` and `import('vmlab/testing')` work.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const dir = mkdtempSync(join(tmpdir(), 'vmlab-pack-'));
const project = join(dir, 'project');

function sh(cmd: string, args: string[], opts: SpawnSyncOptions = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 180_000, env: { ...process.env, NO_COLOR: '1' }, ...opts });
  return { code: r.status, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
}

let files: string[] = [];

beforeAll(() => {
  // dist/ is fresh (the global setup built it): pack without running prepare, which would rebuild it under other tests.
  const pack = sh(NPM, ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT });
  expect(pack.code, pack.stderr).toBe(0);
  const info = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
  files = info[0]!.files.map((f) => f.path);
  sh('mkdir', [project]);
  writeFileSync(join(project, 'package.json'), '{"name": "consumer", "private": true, "type": "module"}\n');
  const install = sh(NPM, ['install', '--prefer-offline', '--no-audit', '--no-fund', join(dir, info[0]!.filename)], { cwd: project });
  expect(install.code, install.stderr).toBe(0);
}, 300_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm pack', () => {
  it('holds the compiled CLI and declarations, and no solution, test, bench or CI file', () => {
    expect(files).toContain('dist/cli.js');
    expect(files).toContain('dist/testing.js');
    expect(files).toContain('dist/types/testing/index.d.ts');
    expect(files).toContain('LICENSE');
    expect(files.filter((f) => /(^|\/)solution\//.test(f) || /^(test|bench|\.ci)\//.test(f))).toEqual([]);
  });

  it('installs into an empty project where npx vmlab --version, run and test work', () => {
    const version = sh('npx', ['--no-install', 'vmlab', '--version'], { cwd: project });
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);

    writeFileSync(join(project, 'trivial.s'), '; trivial.s - print ok, power off with 7.\n.include "vx32.inc"\n.text\n.entry s\ns:  li r1, \'k\'\n    out PORT_UART_DATA, r1\n    li r1, 7\n    out PORT_POWEROFF, r1\n');
    const run = sh('npx', ['--no-install', 'vmlab', 'run', 'trivial.s'], { cwd: project });
    expect(run.stdout).toBe('k');
    expect(run.code).toBe(7);

    const ex = join(project, 'node_modules', 'vmlab', 'exercises', '01-syscall');
    expect(existsSync(join(ex, 'solution'))).toBe(false);
    const test = sh('npx', ['--no-install', 'vmlab', 'test', ex, '--workdir', join(ROOT, 'exercises', '01-syscall', 'solution'), '--reporter', 'json'], { cwd: project });
    expect(test.code, test.stderr).toBe(0);
    expect(JSON.parse(test.stdout)).toMatchObject({ passed: true });
  }, 240_000);

  it("import('vmlab/testing') loads as compiled JavaScript, with its declarations", () => {
    const r = sh(process.execPath, ['--input-type=module', '-e', "const t = await import('vmlab/testing'); console.log(typeof t.boot, typeof t.defineSuite)"], { cwd: project });
    expect(r.stdout.trim(), r.stderr).toBe('function function');
    const pkg = JSON.parse(readFileSync(join(project, 'node_modules', 'vmlab', 'package.json'), 'utf8'));
    expect(existsSync(join(project, 'node_modules', 'vmlab', pkg.exports['./testing'].types))).toBe(true);
  });
});

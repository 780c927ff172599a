// `npm run build`: bundle the CLI and vmlab/testing into dist/ with esbuild, and declarations for vmlab/testing with tsc.
//
// Both entry points are built in one esbuild run with code splitting, so the CLI and a suite that imports
// vmlab/testing share the same module instances (a CheckFailure or GuestFault thrown by one is an
// instance of the other's class). Every output file sits directly in dist/, so `..` from any of them is
// the package root; files that locate data next to their source (sdk/include, cost profiles, the
// resolve hook) get `import.meta.url` rewritten to their source path under that root.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build as esbuild, type BuildOptions, type Plugin } from 'esbuild';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = join(ROOT, 'dist');

/** `import.meta.url` of a bundled file, as the URL of its source file under the package root. */
const sourceUrls: Plugin = {
  name: 'source-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const rel = relative(ROOT, args.path).split('\\').join('/');
      const url = `new URL(${JSON.stringify(rel)}, new URL('../', import.meta.url)).href`;
      return { contents: text.replaceAll('import.meta.url', url), loader: 'ts' };
    });
  },
};

/**
 * What stays in node_modules: the package's runtime `dependencies` (tsx, which registers itself as a
 * loader and must be a real package). Everything else (chevrotain, commander, the table, CSV and XML
 * writers) is a devDependency compiled into the bundle: resolving and reading some hundred files from
 * node_modules was most of the CLI's start-up.
 */
function external(): string[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  return Object.keys(pkg.dependencies).flatMap((d) => [d, `${d}/*`]);
}

/** How dist/ is bundled (a test builds the same in memory to check what start-up loads). */
export function bundleOptions(): BuildOptions {
  return {
    absWorkingDir: ROOT,
    entryPoints: { cli: 'cli/main.ts', testing: 'testing/index.ts' },
    outdir: 'dist',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: external(),
    chunkNames: 'chunk-[hash]',
    define: { __VMLAB_DIST__: 'true' },
    // CommonJS dependencies bundled into ESM still `require` Node's built-ins: give them a require.
    banner: { js: "import { createRequire as __vmlabRequire } from 'node:module'; const require = __vmlabRequire(import.meta.url);" },
    sourcemap: 'linked',
    // Fewer bytes to read and compile at start-up; names stay, so stack traces still read.
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: 'warning',
    plugins: [sourceUrls],
  };
}

/** The JavaScript: dist/cli.js, dist/testing.js and their shared chunks. */
export async function buildJs(): Promise<void> {
  // The last build's bundles go (their chunk names change with their contents); dist/types stays.
  if (existsSync(DIST)) for (const f of readdirSync(DIST)) if (/\.js(\.map)?$/.test(f)) rmSync(join(DIST, f), { force: true });
  await esbuild(bundleOptions());
}

/** Declarations for vmlab/testing (and the modules its types mention) under dist/types/. */
export function buildTypes(): void {
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.testing.json')], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`tsc -p tsconfig.testing.json exited with ${r.status ?? r.signal}`);
}

if (process.argv[1] && /build\.ts$/.test(process.argv[1])) {
  try {
    await buildJs();
    if (!process.argv.includes('--js')) buildTypes();
  } catch (e) {
    process.stderr.write(`build: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
}

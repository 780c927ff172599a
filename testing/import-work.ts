// Loading a student's TypeScript file for a VMM-side exercise, with a message a student can act on.

import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CheckFailure } from './failure.js';
import { loadsAsModule, typeScriptLoader } from './ts-loader.js';

/**
 * Import the work's `file` (e.g. ctx.file('sync.ts')) as a module. A missing file, a file that does not
 * compile or throws on load, and a work folder outside any ES-module package each fail with a message.
 * (A plain import, so the file shares vmlab's own modules: a GuestFault it throws is the VMM's GuestFault.)
 */
export async function importWork(file: string): Promise<Record<string, unknown>> {
  const name = file.split('/').pop();
  if (!existsSync(file)) throw new CheckFailure(`no ${name} in ${dirname(file)}`);
  if (!loadsAsModule(dirname(file)))
    throw new CheckFailure(
      `${file} is outside any ES-module package: put a package.json containing {"type": "module"} in ${dirname(file)} (inside the vmlab folder nothing is needed)`,
    );
  try {
    await typeScriptLoader();
    return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (e) {
    throw new CheckFailure(`${name} does not load: ${e instanceof Error ? e.message : String(e)}`);
  }
}

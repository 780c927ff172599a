// Vitest global setup: compile dist/ from the sources under test, so tests that spawn bin/vmlab.js run this code.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildJs, buildTypes, DIST } from '../scripts/build.js';

export default async function setup(): Promise<void> {
  // The JavaScript takes a second; the declarations (only the package test reads them) are built once.
  await buildJs();
  if (!existsSync(join(DIST, 'types', 'testing', 'index.d.ts'))) buildTypes();
}

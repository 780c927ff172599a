// Cost profiles: per-event modeled cycle costs kept as data (vmm/cost/profiles/*.json), validated on load.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT_REASONS, type ExitReason } from '../../isa/abi.js';
import { COST_EVENT_NAMES, type CostEvent } from './events.js';

export interface CostProfile {
  readonly name: string;
  readonly description: string;
  /** Modeled cycles per event. */
  readonly costs: Readonly<Record<CostEvent, number>>;
  /**
   * Modeled cycles of the events a technique adds (its descriptor's costEvents), by technique name: the
   * cost layer checks only that they are numbers; a technique checks its own are all there before it runs.
   */
  readonly techniqueCosts: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Extra cycles the VMM spends handling an exit, by reason (0 where absent). */
  readonly exitHandling: Readonly<Partial<Record<ExitReason, number>>>;
  /** Where each number comes from: a publication it is calibrated against, or "estimate: …". */
  readonly sources: Readonly<Record<string, string>>;
}

export class ProfileError extends Error {}

export const PROFILE_DIR = join(dirname(fileURLToPath(import.meta.url)), 'profiles');
export const DEFAULT_PROFILE_NAME = 'modern';

export function profileNames(): string[] {
  return ['modern', 'vt-2006'];
}

/** Check a parsed JSON value is a complete profile; `origin` names it in messages. */
export function validateProfile(raw: unknown, origin: string): CostProfile {
  const fail = (msg: string): never => {
    throw new ProfileError(`${origin}: ${msg}`);
  };
  if (typeof raw !== 'object' || raw === null) fail('not a JSON object');
  const o = raw as Record<string, unknown>;
  if (typeof o.name !== 'string' || !o.name) fail('"name" must be a non-empty string');
  if (typeof o.description !== 'string') fail('"description" must be a string');
  const costs = o.costs as Record<string, unknown> | undefined;
  if (typeof costs !== 'object' || costs === null) fail('"costs" must be an object');
  for (const e of COST_EVENT_NAMES) {
    const v = costs![e];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(`costs.${e} must be a number >= 0`);
  }
  for (const k of Object.keys(costs!)) if (!(COST_EVENT_NAMES as string[]).includes(k)) fail(`costs.${k} is not an event vmlab counts`);
  const techniqueCosts = (o.techniqueCosts ?? {}) as Record<string, unknown>;
  if (typeof techniqueCosts !== 'object' || techniqueCosts === null) fail('"techniqueCosts" must be an object');
  for (const [t, table] of Object.entries(techniqueCosts)) {
    if (typeof table !== 'object' || table === null) fail(`techniqueCosts.${t} must be an object of event costs`);
    for (const [e, v] of Object.entries(table as Record<string, unknown>))
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(`techniqueCosts.${t}.${e} must be a number >= 0`);
  }
  const exitHandling = (o.exitHandling ?? {}) as Record<string, unknown>;
  if (typeof exitHandling !== 'object' || exitHandling === null) fail('"exitHandling" must be an object');
  for (const [k, v] of Object.entries(exitHandling)) {
    if (!(EXIT_REASONS as readonly string[]).includes(k)) fail(`exitHandling.${k} is not an exit reason`);
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(`exitHandling.${k} must be a number >= 0`);
  }
  const sources = (o.sources ?? {}) as Record<string, string>;
  return {
    name: o.name as string,
    description: o.description as string,
    costs: costs as Record<CostEvent, number>,
    techniqueCosts: techniqueCosts as Record<string, Record<string, number>>,
    exitHandling: exitHandling as Partial<Record<ExitReason, number>>,
    sources,
  };
}

/** Load a profile by bundled name (`modern`, `vt-2006`) or from a JSON file path. */
export function loadProfile(nameOrPath: string = DEFAULT_PROFILE_NAME): CostProfile {
  const bundled = join(PROFILE_DIR, `${nameOrPath}.json`);
  const path = profileNames().includes(nameOrPath) ? bundled : nameOrPath;
  if (!existsSync(path))
    throw new ProfileError(`no cost profile '${nameOrPath}' (bundled: ${profileNames().join(', ')}; or give a .json file)`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ProfileError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  return validateProfile(raw, path);
}

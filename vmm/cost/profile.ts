// Cost profiles: per-event modeled cycle costs kept as data (vmm/cost/profiles/*.json), checked against their JSON Schema on load.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExitReason } from '../../isa/abi.js';
import type { CostEvent } from './events.js';
import validateCostProfile from './profile-validate.js';

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

/** The parts of an ajv validation error the messages use. */
interface SchemaError {
  readonly instancePath: string;
  readonly keyword: string;
  readonly message?: string;
  readonly params: Record<string, unknown>;
}
type Validator = ((data: unknown) => boolean) & { errors?: SchemaError[] | null };
const validateSchema = validateCostProfile as unknown as Validator;

/** One schema error as `costs.vmExit: missing`, in the profile's own terms. */
function describeError(e: SchemaError): string {
  const path = e.instancePath.split('/').slice(1).join('.');
  const at = (key: unknown) => (path ? `${path}.${String(key)}` : String(key));
  switch (e.keyword) {
    case 'required':
      return `${at(e.params['missingProperty'])} is missing${path === 'costs' ? ' (every event needs a cost, in modeled cycles >= 0)' : ''}`;
    case 'additionalProperties': {
      const what = path === 'costs' ? 'an event vmlab counts' : path === 'exitHandling' ? 'an exit reason' : 'a profile field';
      return `${at(e.params['additionalProperty'])} is not ${what}`;
    }
    case 'pattern':
      return `${path} must not be blank`;
    default:
      return `${path || 'the profile'} ${e.message ?? 'is invalid'}`;
  }
}

/**
 * Check a parsed JSON value against the cost-profile schema (docs/schemas/cost-profile.schema.json,
 * by its generated ajv validator); `origin` names it in the message, which lists every problem.
 */
export function validateProfile(raw: unknown, origin: string): CostProfile {
  if (!validateSchema(raw)) {
    const problems = [...new Set((validateSchema.errors ?? []).map(describeError))];
    throw new ProfileError(`${origin}: not a cost profile (docs/schemas/cost-profile.schema.json): ${problems.join('; ')}`);
  }
  const o = raw as {
    name: string;
    description: string;
    costs: Record<CostEvent, number>;
    techniqueCosts?: Record<string, Record<string, number>>;
    exitHandling?: Partial<Record<ExitReason, number>>;
    sources?: Record<string, string>;
  };
  return {
    name: o.name,
    description: o.description,
    costs: o.costs,
    techniqueCosts: o.techniqueCosts ?? {},
    exitHandling: o.exitHandling ?? {},
    sources: o.sources ?? {},
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

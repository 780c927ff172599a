// The techniques vmlab knows: one line per technique folder. Generic layers look a technique up here by name.

import { btTechnique } from './bt/index.js';
import type { TechniqueDescriptor } from './descriptor.js';
import { emulateTechnique } from './emulate/index.js';
import { hwTechnique } from './hw/index.js';
import { nativeTechnique } from './native/index.js';
import { pvTechnique } from './pv/index.js';
import { trapTechnique } from './trap/index.js';

const registry = new Map<string, TechniqueDescriptor>();

/** Add a technique (the built-in ones below; a test or a plug-in may add its own). Names are unique. */
export function registerTechnique(d: TechniqueDescriptor): void {
  if (registry.has(d.name)) throw new Error(`a technique named ${d.name} is already registered`);
  registry.set(d.name, d);
}

/** Take a technique out again (for tests that register one of their own). */
export function unregisterTechnique(name: string): void {
  registry.delete(name);
}

/** The technique called `name`, or undefined. */
export function findTechnique(name: string): TechniqueDescriptor | undefined {
  return registry.get(name);
}

/** The technique called `name`; throws if there is none (callers validate user input with findTechnique). */
export function technique(name: string): TechniqueDescriptor {
  const d = registry.get(name);
  if (!d) throw new Error(`no technique named ${name}`);
  return d;
}

/** Every technique, in registration order (the order of tables and help texts). */
export function techniques(): readonly TechniqueDescriptor[] {
  return [...registry.values()];
}

export function techniqueNames(): string[] {
  return [...registry.keys()];
}

/** The comparison oracle (bare metal). */
export function oracle(): TechniqueDescriptor {
  const d = techniques().find((t) => t.oracle);
  if (!d) throw new Error('no oracle technique is registered');
  return d;
}

// The order of tables, help texts and `compare`'s default list.
for (const d of [nativeTechnique, emulateTechnique, trapTechnique, hwTechnique, btTechnique, pvTechnique]) registerTechnique(d);

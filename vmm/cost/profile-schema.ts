// The JSON Schema of a cost profile, built from the event and exit-reason tables (published as docs/schemas/cost-profile.schema.json).

import { EXIT_REASONS } from '../../isa/abi.js';
import { COST_EVENTS, COST_EVENT_NAMES } from './events.js';

const cycles = (description: string) => ({ type: 'number', minimum: 0, description });

/** Draft-07 schema (what ajv and most editors read by default); every event required, nothing unknown allowed. */
export function costProfileSchema(): Record<string, unknown> {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'urn:vmlab:schema:cost-profile',
    title: 'vmlab cost profile',
    description:
      "Modeled cycles per counted event, for `vmlab run/compare --cost-profile <file.json>`. Generated from vmlab's event table (vmm/cost/events.ts): do not edit.",
    type: 'object',
    required: ['name', 'description', 'costs'],
    additionalProperties: false,
    properties: {
      $schema: { type: 'string', description: 'where an editor finds this schema' },
      name: { type: 'string', pattern: '\\S', description: 'shown in reports next to every modeled figure (not blank)' },
      description: { type: 'string' },
      costs: {
        type: 'object',
        description: 'modeled cycles per event; every event vmlab counts, and no other',
        required: [...COST_EVENT_NAMES],
        additionalProperties: false,
        properties: Object.fromEntries(COST_EVENT_NAMES.map((e) => [e, cycles(COST_EVENTS[e])])),
      },
      techniqueCosts: {
        type: 'object',
        description:
          "modeled cycles of the events a technique adds (its descriptor's costEvents), by technique name; a technique checks its own are all there before it runs",
        additionalProperties: { type: 'object', additionalProperties: { type: 'number', minimum: 0 } },
      },
      exitHandling: {
        type: 'object',
        description: "extra modeled cycles of the VMM's work per exit, by exit reason (0 where absent)",
        additionalProperties: false,
        properties: Object.fromEntries(EXIT_REASONS.map((r) => [r, cycles(`handling one ${r} exit`)])),
      },
      sources: {
        type: 'object',
        description: 'where each number comes from: a publication it is calibrated against, or "estimate: ..."',
        additionalProperties: { type: 'string' },
      },
    },
  };
}

// The reporters `vmlab test --reporter` offers, by name.

import type { SuiteResult } from '../suite.js';
import { renderGradescope } from './gradescope.js';
import { renderHuman } from './human.js';
import { renderJson } from './json.js';
import { renderJunit } from './junit.js';
import type { ReporterName } from './names.js';

export { REPORTERS, type ReporterName } from './names.js';

export function render(name: ReporterName, r: SuiteResult, opts: { color?: boolean } = {}): string {
  switch (name) {
    case 'human':
      return renderHuman(r, opts);
    case 'json':
      return renderJson(r);
    case 'junit':
      return renderJunit(r);
    case 'gradescope':
      return renderGradescope(r);
  }
}

// The self-test ports: an in-guest test kernel writes a case number to TEST_PASS or TEST_FAIL per case.
import { clonePlain, type Device } from './device.js';

/** Register offsets from PORT.TEST_PASS. */
const PASS = 0;
const FAIL = 1;
export const TEST_PORT_COUNT = 2;

export type TestCaseResult = { case: number; pass: boolean };

export type TestPortState = {
  /** In the order the guest reported them; a case may appear more than once. */
  results: TestCaseResult[];
};

export class TestPort implements Device<TestPortState> {
  readonly name = 'testport';
  state: TestPortState = { results: [] };

  get passed(): number {
    return this.state.results.filter((r) => r.pass).length;
  }

  get failed(): number {
    return this.state.results.filter((r) => !r.pass).length;
  }

  read(): number {
    return 0;
  }

  write(offset: number, _size: number, value: number): void {
    if (offset === PASS || offset === FAIL) this.state.results.push({ case: value >>> 0, pass: offset === PASS });
  }

  snapshot(): TestPortState {
    return clonePlain(this.state);
  }

  restore(s: TestPortState): void {
    this.state = clonePlain(s);
  }
}

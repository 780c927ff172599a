// The self-test ports: an in-guest test kernel writes a case number to TEST_PASS or TEST_FAIL per case.
//
// Results are kept in order up to VM_LIMITS.TEST_RESULTS (a test table has far fewer cases); a guest that
// reports forever is counted, not recorded: the pass and fail totals stay exact, later results are dropped.
import { PORT } from '../../isa/abi.js';
import { VM_LIMITS } from '../limits.js';
import { clonePlain, type Device } from './device.js';

/** Register offsets from PORT.TEST_PASS. */
const PASS = 0;
const FAIL = PORT.TEST_FAIL - PORT.TEST_PASS;
export const TEST_PORT_COUNT = FAIL + 1;

export type TestCaseResult = { case: number; pass: boolean };

export type TestPortState = {
  /** In the order the guest reported them; a case may appear more than once. At most VM_LIMITS.TEST_RESULTS. */
  results: TestCaseResult[];
  /** Every result reported, kept or not. */
  passes: number;
  fails: number;
  /** Results reported after `results` was full. */
  dropped: number;
};

export class TestPort implements Device<TestPortState> {
  readonly name = 'testport';
  state: TestPortState = { results: [], passes: 0, fails: 0, dropped: 0 };

  get passed(): number {
    return this.state.passes;
  }

  get failed(): number {
    return this.state.fails;
  }

  read(): number {
    return 0;
  }

  write(offset: number, _size: number, value: number): void {
    if (offset !== PASS && offset !== FAIL) return;
    const s = this.state;
    if (offset === PASS) s.passes++;
    else s.fails++;
    if (s.results.length < VM_LIMITS.TEST_RESULTS) s.results.push({ case: value >>> 0, pass: offset === PASS });
    else s.dropped++;
  }

  snapshot(): TestPortState {
    return clonePlain(this.state);
  }

  restore(s: TestPortState): void {
    this.state = clonePlain(s);
  }
}

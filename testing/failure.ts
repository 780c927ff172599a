// CheckFailure: what a check throws when the work under test is wrong (as opposed to a bug in the suite).

export class CheckFailure extends Error {
  /** A readable diff (expected vs actual), when the check compared two texts. */
  readonly diff: string | undefined;

  constructor(message: string, diff?: string) {
    super(message);
    this.name = 'CheckFailure';
    this.diff = diff && diff.length > 0 ? diff : undefined;
  }
}

/** Throw a CheckFailure with `message` unless `condition` holds. */
export function expectThat(condition: boolean, message: string): asserts condition {
  if (!condition) throw new CheckFailure(message);
}

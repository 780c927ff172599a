// The error for saved state that cannot be put back on this machine (a layout or count that does not match).

/** Saved state that does not fit the machine it is restored on: the CLI reports it as a damaged snapshot (exit 66). */
export class SnapshotStateError extends Error {}

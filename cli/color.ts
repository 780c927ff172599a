// Whether the CLI colours what it writes to a stream: the user's choice first, then whether a person is watching.
//
// The conventions every colour-aware tool follows: `--no-color` and NO_COLOR (https://no-color.org, any
// non-empty value) and FORCE_COLOR=0 turn colour off; any other FORCE_COLOR turns it on, even into a pipe; otherwise a
// terminal gets colour unless TERM=dumb says it cannot show it.

export function colorFor(stream: { readonly isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env, argv: readonly string[] = process.argv): boolean {
  if (argv.includes('--no-color') || (env.NO_COLOR !== undefined && env.NO_COLOR !== '')) return false;
  if (env.FORCE_COLOR === '0' || env.FORCE_COLOR === 'false') return false;
  if (env.FORCE_COLOR !== undefined) return true;
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}

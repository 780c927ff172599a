// The names of the reporters `vmlab test --reporter` offers (apart from their code, so the CLI loads none to list them).

export const REPORTERS = ['human', 'json', 'junit', 'gradescope'] as const;
export type ReporterName = (typeof REPORTERS)[number];

// A module-resolution hook for `vmlab test`: `vmlab/testing` resolves to this checkout's testing API from
// anywhere, so a student's TypeScript work can live outside the vmlab folder (--workdir ~/my-06).
// Plain JavaScript: it runs in Node's hooks thread, before any TypeScript loader.

let target = '';

export function initialize(data) {
  target = data.target;
}

export async function resolve(specifier, context, next) {
  // Hand the real path on down the chain, so the TypeScript loader treats it like any other file.
  if (specifier === 'vmlab/testing') return next(target, context);
  return next(specifier, context);
}

// Whether this code runs from the compiled bundle in dist/ (scripts/build.ts defines __VMLAB_DIST__) or from its TypeScript sources.
declare const __VMLAB_DIST__: boolean | undefined;

export const COMPILED: boolean = typeof __VMLAB_DIST__ !== 'undefined' && __VMLAB_DIST__;

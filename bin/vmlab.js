#!/usr/bin/env node
// The `vmlab` command: runs the TypeScript CLI through tsx, so `npx vmlab` works straight after `npm ci`.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');

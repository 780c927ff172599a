// The list of vmlab subcommands; each module exports a function that adds itself to the program.
import type { Command } from 'commander';
import { register as asm } from './asm.js';
import { register as compare } from './compare.js';
import { register as debug } from './debug.js';
import { register as disasm } from './disasm.js';
import { register as isa } from './isa.js';
import { register as receive } from './receive.js';
import { register as resume } from './resume.js';
import { register as run } from './run.js';
import { register as test } from './test.js';

export type RegisterCommand = (program: Command) => void;

export const COMMANDS: RegisterCommand[] = [
  asm,
  compare,
  debug,
  disasm,
  isa,
  receive,
  resume,
  run,
  test,
];

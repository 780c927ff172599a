// The list of vmlab subcommands; each module exports a function that adds itself to the program.
import type { Command } from 'commander';

export type RegisterCommand = (program: Command) => void;

export const COMMANDS: RegisterCommand[] = [];

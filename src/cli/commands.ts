/**
 * The subcommands of `posthog-settings`, in the order `--help` lists them. To add one, write a module exporting a
 * Command (see command.ts) and append it here; main.ts needs no change.
 */
import { catalogCommand } from './catalog.js';
import type { Command } from './command.js';
import { explainCommand } from './explain.js';
import { renderCommand } from './render.js';
import { runCommand } from './run.js';
import { validateCommand } from './validate.js';

export const commands: readonly Command[] = [
  validateCommand,
  renderCommand,
  catalogCommand,
  explainCommand,
  runCommand,
];

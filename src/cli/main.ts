#!/usr/bin/env node
/**
 * Entry point of `posthog-settings`: dispatches to a subcommand from commands.ts and turns its outcome into the
 * process exit code. Sets process.exitCode rather than calling process.exit, so buffered output is not cut off.
 */
import { suggest } from '../catalog/index.js';
import { CLI_NAME, ExitCode, UsageError, writeLine, type Command, type IO } from './command.js';
import { commands } from './commands.js';

const registry: Record<string, Command> = Object.fromEntries(commands.map((c) => [c.name, c]));

function overview(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `Usage: ${CLI_NAME} <command> [options]`,
    '',
    'Check, render and explore PostHog InstanceSettings resources offline, and run the operator.',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    `Run \`${CLI_NAME} <command> --help\` for a command's options.`,
    'Exit status: 0 ok, 1 invalid, 2 usage error or unreadable input.',
  ].join('\n');
}

const wantsHelp = (args: string[]): boolean => {
  // Anything after `--` is an operand (a file could be called --help).
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h');
};

async function main(argv: string[], io: IO): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined) {
    writeLine(io.stderr, overview());
    return ExitCode.usage;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' && args[0] !== undefined ? registry[args[0]] : undefined;
    writeLine(io.stdout, topic ? topic.usage : overview());
    return ExitCode.ok;
  }
  const command = Object.hasOwn(registry, name) ? registry[name] : undefined;
  if (!command) {
    const near = suggest(
      name,
      Object.keys(registry).map((n) => n.toUpperCase()),
    ).map((n) => n.toLowerCase());
    const hint = near.length ? `did you mean ${near.join(' or ')}? ` : '';
    writeLine(
      io.stderr,
      `${CLI_NAME}: unknown command "${name}"; ${hint}run \`${CLI_NAME} --help\` to list the commands`,
    );
    return ExitCode.usage;
  }
  if (wantsHelp(args)) {
    writeLine(io.stdout, command.usage);
    return ExitCode.ok;
  }
  try {
    return await command.run(args, io);
  } catch (err) {
    if (err instanceof UsageError) {
      writeLine(io.stderr, `${CLI_NAME} ${command.name}: ${err.message}`);
      writeLine(io.stderr, `Run \`${CLI_NAME} ${command.name} --help\` for usage.`);
      return ExitCode.usage;
    }
    writeLine(io.stderr, `${CLI_NAME} ${command.name}: internal error, please report it:`);
    writeLine(io.stderr, err instanceof Error ? (err.stack ?? err.message) : String(err));
    return ExitCode.internal;
  }
}

// `posthog-settings catalog | head` closes the pipe early; that is the reader's choice, not a failure.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
});

/**
 * The contract between `main.ts` and a subcommand. A new subcommand is one module exporting a `Command`, plus one
 * entry in `commands.ts`; main.ts does the dispatch, `--help` and the mapping of errors to exit codes.
 */
import type { Readable, Writable } from 'node:stream';
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';

export const CLI_NAME = 'posthog-settings';

/** Streams are injected so a command never reaches for `process` and can be driven in-process too. */
export interface IO {
  stdout: Writable;
  stderr: Writable;
  stdin: Readable;
}

export interface Command {
  name: string;
  /** One line for the command list of `posthog-settings --help`. */
  summary: string;
  /** Full text of `posthog-settings <name> --help`. */
  usage: string;
  /** Resolves to the process exit code (see ExitCode). */
  run(argv: string[], io: IO): Promise<number>;
}

/** Exit codes CI can branch on: a bad resource (1) differs from input that could not be checked at all (2). */
export const ExitCode = {
  ok: 0,
  invalid: 1,
  usage: 2,
  /** A bug in the CLI itself: kept apart from 1 so a crash never reads as "your resource is invalid". */
  internal: 70,
} as const;

/** Thrown by a command for a bad invocation; main.ts prints it with a pointer to `--help` and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

const isParseArgsError = (err: unknown): err is Error =>
  err instanceof Error && /^ERR_PARSE_ARGS/.test(String((err as NodeJS.ErrnoException).code));

/** node:util parseArgs in strict mode, with its errors turned into UsageErrors. */
export function parseFlags<const O extends ParseArgsOptionsConfig>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    if (isParseArgsError(err)) throw new UsageError(err.message);
    throw err;
  }
}

/** `--output` is shared by several commands; reject typos rather than silently printing a table. */
export function outputFormat<const F extends string>(value: string | undefined, allowed: readonly F[]): F {
  const v = value ?? allowed[0]!;
  if (!(allowed as readonly string[]).includes(v)) {
    throw new UsageError(`--output must be ${allowed.join(' or ')}, not "${v}"`);
  }
  return v as F;
}

export const writeLine = (stream: Writable, text = ''): void => {
  stream.write(`${text}\n`);
};

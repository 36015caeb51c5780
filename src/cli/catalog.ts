/** `posthog-settings catalog`: the keys a PostHog version offers, as the validation sees them. */
import {
  availability,
  envOnlyDefs,
  resolveVersion,
  settingDefs,
  VersionError,
  type SettingDef,
  type Snapshot,
} from '../catalog/index.js';
import {
  CLI_NAME,
  ExitCode,
  outputFormat,
  parseFlags,
  UsageError,
  writeLine,
  type Command,
  type IO,
} from './command.js';

/** How a default reads in YAML terms: "" for the empty string, so it is not mistaken for "no default". */
export function formatDefault(value: SettingDef['default']): string {
  if (value === null) return '(none)';
  if (Array.isArray(value)) return `[${value.join(', ')}]`;
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

const yesNo = (b: boolean): string => (b ? 'yes' : 'no');

/** Columns padded to their widest cell; the last column is left ragged so lines carry no trailing blanks. */
export function formatTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]?.length ?? 0)));
  return rows
    .map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  '))
    .join('\n');
}

/** The catalog words its fixes for spec.posthogVersion; on the command line the same value goes to --version. */
export const versionFix = (err: VersionError): string =>
  `${err.message}; ${err.fix.replaceAll('posthogVersion: ', '--version ').replaceAll('posthogVersion', '--version')}`;

/** `latest` and release numbers name a snapshot indirectly; say which one, so the listing can be checked. */
export function describeResolution(version: string, snapshot: Snapshot): string {
  return snapshot.label === snapshot.id
    ? `PostHog ${version} resolves to catalog snapshot ${snapshot.id}`
    : `PostHog ${version} resolves to ${snapshot.label}`;
}

/** Settings of a snapshot, including those the catalog cannot place exactly (validation warns on them, not fails). */
function settingsOf(snapshot: Snapshot) {
  return settingDefs
    .map((def) => ({ def, state: availability(def, snapshot).state }))
    .filter((x) => x.state === 'available' || x.state === 'unverified');
}

function listSettings(version: string, format: 'table' | 'json', io: IO): number {
  let snapshot: Snapshot;
  try {
    snapshot = resolveVersion(version);
  } catch (err) {
    if (!(err instanceof VersionError)) throw err;
    writeLine(io.stderr, `${CLI_NAME} catalog: ${versionFix(err)}`);
    return ExitCode.usage;
  }
  const rows = settingsOf(snapshot);
  if (format === 'json') {
    // Key first: the catalog's defaults helper puts secret and apiWritable ahead of it.
    const settings = rows.map(({ def: { key, ...rest }, state }) => ({
      key,
      ...rest,
      unverified: state === 'unverified',
    }));
    writeLine(io.stdout, JSON.stringify({ version, snapshot, settings }, null, 2));
    return ExitCode.ok;
  }
  writeLine(io.stdout, `${describeResolution(version, snapshot)}: ${rows.length} instance settings`);
  writeLine(io.stdout);
  const table = [['KEY', 'TYPE', 'DEFAULT', 'SECRET', 'RUNTIME', 'SINCE']];
  for (const { def, state } of rows) {
    const since = state === 'unverified' ? `${def.unverifiedFrom ?? def.added}?` : def.added;
    table.push([def.key, def.type, formatDefault(def.default), yesNo(def.secret), yesNo(def.apiWritable), since]);
  }
  writeLine(io.stdout, formatTable(table));
  writeLine(io.stdout);
  writeLine(io.stdout, 'RUNTIME no: PostHog reads the key only at start, so a change applies when its pods restart.');
  writeLine(io.stdout, 'SECRET yes: set it under spec.secretSettings from a Secret, never as a plain value.');
  if (rows.some((r) => r.state === 'unverified')) {
    writeLine(
      io.stdout,
      `SINCE ending in ?: the key entered PostHog after that release, at a point the catalog cannot pin down, so PostHog ${version} may lack it (validation warns).`,
    );
  }
  writeLine(io.stdout, `Details of one key: ${CLI_NAME} explain KEY`);
  return ExitCode.ok;
}

function listEnv(format: 'table' | 'json', io: IO): number {
  if (format === 'json') {
    writeLine(io.stdout, JSON.stringify({ env: envOnlyDefs }, null, 2));
    return ExitCode.ok;
  }
  writeLine(io.stdout, `${envOnlyDefs.length} known environment-only variables (read when PostHog starts)`);
  writeLine(io.stdout);
  const table = [['NAME', 'TYPE', 'SECRET', 'DESCRIPTION']];
  for (const def of envOnlyDefs) table.push([def.name, def.type, yesNo(def.secret), def.description]);
  writeLine(io.stdout, formatTable(table));
  writeLine(io.stdout);
  writeLine(
    io.stdout,
    'Set them under spec.env, or spec.secretEnv from a Secret when SECRET is yes; a change restarts',
  );
  writeLine(io.stdout, 'the target workloads. Other names are accepted under spec.env too, unchecked.');
  return ExitCode.ok;
}

const usage = `Usage: ${CLI_NAME} catalog [--version V] [--output table|json]
       ${CLI_NAME} catalog --env [--output table|json]

List the instance settings a PostHog version offers: key, type, default, whether it is secret,
whether PostHog's API can change it at runtime, and the catalog snapshot it appeared in.

Options:
  --version V       a release such as 1.43.0, a catalog date such as 2026-04, or latest (default)
  --env             list the known environment-only variables instead
  --output FORMAT   table (default) or json

Exit status: 0 listed, 2 usage error or unknown version.`;

function run(argv: string[], io: IO): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    version: { type: 'string', short: 'v' },
    env: { type: 'boolean', default: false },
    output: { type: 'string', short: 'o' },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const format = outputFormat(values.output, ['table', 'json'] as const);
  if (values.env) {
    // The catalog does not track environment variables by version, so a version would silently mean nothing.
    if (values.version !== undefined) throw new UsageError('--env lists variables of every version; drop --version');
    return Promise.resolve(listEnv(format, io));
  }
  return Promise.resolve(listSettings(values.version ?? 'latest', format, io));
}

export const catalogCommand: Command = {
  name: 'catalog',
  summary: 'list the settings a PostHog version offers (or --env: environment-only variables)',
  usage,
  run,
};

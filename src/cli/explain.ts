/** `posthog-settings explain KEY`: everything the catalog knows about one key, and where it goes in a resource. */
import { API_VERSION, Kinds } from '../api/constants.js';
import {
  allEnvNames,
  allSettingKeys,
  availability,
  findEnvVar,
  findSetting,
  resolveVersion,
  settingDefs,
  settingFedByEnvVar,
  snapshots,
  suggest,
  VersionError,
  type EnvVarDef,
  type SettingDef,
  type Snapshot,
} from '../catalog/index.js';
import { describeResolution, formatDefault, versionFix } from './catalog.js';
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

type Found =
  | {
      kind: 'setting';
      def: SettingDef;
      /** The environment variable the user asked about, when it feeds the setting. */ via?: string;
    }
  | { kind: 'env'; def: EnvVarDef };

type Section = 'settings' | 'secretSettings' | 'env' | 'secretEnv';

function find(name: string): Found | undefined {
  // Keys are upper case, but a lower-case spelling is an obvious intent, not a typo.
  for (const n of new Set([name, name.toUpperCase()])) {
    const setting = findSetting(n);
    if (setting) return { kind: 'setting', def: setting };
    const env = findEnvVar(n);
    if (env) return { kind: 'env', def: env };
    const fed = settingFedByEnvVar(n);
    if (fed) return { kind: 'setting', def: fed, via: n };
  }
  return undefined;
}

const label = (id: string): string => snapshots.find((s) => s.id === id)?.label ?? id;

/** The snapshot label and the free-text provenance, without saying the same version twice. */
function when(id: string, note: string | undefined): string {
  const l = label(id);
  if (!note || note === l) return l;
  return note.startsWith(l) ? note : `${l}; ${note}`;
}

/** A value that is valid for the key, quoted where YAML could read it as something else (off, yes, 1.0). */
function exampleValue(def: SettingDef): string {
  switch (def.type) {
    case 'bool':
      return String(def.default !== true);
    case 'int':
      return String(typeof def.default === 'number' ? def.default : (def.min ?? 1));
    case 'list[int]':
      return '[1, 2]';
    case 'str':
      if (def.allowed) return JSON.stringify(def.allowed.find((a) => a !== def.default) ?? def.allowed[0]);
      if (def.format === 'team-ids') return '"1,2"';
      return typeof def.default === 'string' && def.default !== '' ? JSON.stringify(def.default) : '"<value>"';
  }
}

// Values are as strictly typed as the CRD: say how to write each type so YAML reads it as intended.
const settingHow: Record<SettingDef['type'], string> = {
  str: 'as a quoted string, so YAML cannot read it as a boolean or a number',
  int: 'as an unquoted whole number',
  bool: 'as an unquoted true or false',
  'list[int]': 'as a YAML list of whole numbers',
};

const envExamples: Record<EnvVarDef['type'], string> = {
  str: '"<value>"',
  bool: '"true"',
  int: '"1234"',
  url: '"https://posthog.example.com"',
  list: '"a,b"',
};

function placement(found: Found): { section: Section; how: string; entry: string[] } {
  const name = found.kind === 'setting' ? found.def.key : found.def.name;
  const ref = [`${name}:`, '  secretKeyRef:', '    name: <secret-name>', '    key: <key-in-the-secret>'];
  if (found.kind === 'setting') {
    if (found.def.secret) {
      return {
        section: 'secretSettings',
        how: 'as a reference to a Secret: the value itself never appears in the resource',
        entry: ref,
      };
    }
    return {
      section: 'settings',
      how: settingHow[found.def.type],
      entry: [`${name}: ${exampleValue(found.def)}`],
    };
  }
  if (found.def.secret) {
    return { section: 'secretEnv', how: 'as a reference to a Secret: it holds a secret', entry: ref };
  }
  return {
    section: 'env',
    how: 'as a string (environment variables are text, so quote numbers and booleans)',
    entry: [`${name}: ${envExamples[found.def.type]}`],
  };
}

function snippet(section: Section, entry: string[]): string[] {
  return [
    `apiVersion: ${API_VERSION}`,
    `kind: ${Kinds.InstanceSettings.kind}`,
    'metadata:',
    '  name: posthog',
    'spec:',
    `  ${section}:`,
    ...entry.map((l) => `    ${l}`),
  ];
}

function inVersion(def: SettingDef, version: string, snapshot: Snapshot): string {
  const a = availability(def, snapshot);
  const where = snapshot.id === version ? '' : ` (${describeResolution(version, snapshot)})`;
  switch (a.state) {
    case 'available':
      return `available${where}`;
    case 'unverified':
      return `perhaps${where}: the key entered PostHog at a point the catalog cannot pin down; validation warns`;
    case 'notYet':
      return `not yet${where}: added in ${a.added.label}`;
    case 'removed':
      return `no longer${where}: removed in ${a.removed.label}`;
  }
}

function settingFacts(def: SettingDef, version: { name: string; snapshot: Snapshot } | undefined): [string, string][] {
  const facts: [string, string][] = [
    ['type', def.type],
    ['default', formatDefault(def.default)],
    ['secret', def.secret ? "yes: PostHog's API keeps it write-only; it comes from a Secret" : 'no'],
    [
      'API-writable',
      def.apiWritable
        ? "yes: applied at runtime through PostHog's API, no restart"
        : 'no: PostHog reads it from the environment at start, so a change applies when its pods restart',
    ],
    ['added', when(def.added, def.addedNote)],
  ];
  if (def.unverifiedFrom) {
    facts.push(['maybe earlier', `from ${label(def.unverifiedFrom)} on; the catalog cannot pin down the release`]);
  }
  facts.push(['removed', def.removed ? when(def.removed, def.removedNote) : '-']);
  if (def.min !== undefined || def.max !== undefined) facts.push(['range', `${def.min ?? '…'} to ${def.max ?? '…'}`]);
  if (def.allowed) facts.push(['allowed', def.allowed.join(', ')]);
  if (def.format === 'team-ids') facts.push(['format', 'team ids separated by commas, e.g. "1,2,42"']);
  facts.push([
    'environment',
    `${def.envVar ?? def.key} sets its default when PostHog starts; a saved value wins over it`,
  ]);
  if (version) facts.push([`in PostHog ${version.name}`, inVersion(def, version.name, version.snapshot)]);
  return facts;
}

function envFacts(def: EnvVarDef): [string, string][] {
  return [
    ['type', def.type],
    ['secret', def.secret ? 'yes: it comes from a Secret' : 'no'],
    ['applies', 'read only when PostHog starts: a change rolls the target workloads (spec.targets)'],
  ];
}

function unknownKey(name: string, io: IO): number {
  const envVars = settingDefs.flatMap((d) => (d.envVar ? [d.envVar] : []));
  const near = suggest(name, [...allSettingKeys(), ...allEnvNames(), ...envVars]);
  const hint = near.length ? `did you mean ${near.join(' or ')}?` : `run \`${CLI_NAME} catalog\` to list the keys`;
  writeLine(io.stderr, `${CLI_NAME} explain: unknown key ${name}; ${hint}`);
  return ExitCode.invalid;
}

const usage = `Usage: ${CLI_NAME} explain [--version V] [--output text|json] KEY

Explain one instance setting or environment-only variable: type, default, whether it is secret
or API-writable, when it was added or removed, allowed values, and where it goes in an
InstanceSettings, with a YAML snippet.

Options:
  --version V       also say whether PostHog V has the key
  --output FORMAT   text (default) or json

Exit status: 0 explained, 1 unknown key, 2 usage error or unknown version.`;

function run(argv: string[], io: IO): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    version: { type: 'string', short: 'v' },
    output: { type: 'string', short: 'o' },
  });
  const format = outputFormat(values.output, ['text', 'json'] as const);
  if (positionals.length !== 1) throw new UsageError('name exactly one key, e.g. explain EMAIL_HOST');
  const name = positionals[0]!;

  let version: { name: string; snapshot: Snapshot } | undefined;
  if (values.version !== undefined) {
    try {
      version = { name: values.version, snapshot: resolveVersion(values.version) };
    } catch (err) {
      if (!(err instanceof VersionError)) throw err;
      writeLine(io.stderr, `${CLI_NAME} explain: ${versionFix(err)}`);
      return Promise.resolve(ExitCode.usage);
    }
  }

  const found = find(name);
  if (!found) return Promise.resolve(unknownKey(name, io));
  const place = placement(found);
  const yaml = snippet(place.section, place.entry);

  if (format === 'json') {
    const out = {
      kind: found.kind === 'setting' ? 'instanceSetting' : 'environmentOnly',
      ...found.def,
      ...(found.kind === 'setting' && found.via ? { askedAs: found.via } : {}),
      ...(found.kind === 'setting' && version
        ? {
            inVersion: {
              version: version.name,
              snapshot: version.snapshot.id,
              ...availability(found.def, version.snapshot),
            },
          }
        : {}),
      section: `spec.${place.section}`,
      snippet: `${yaml.join('\n')}\n`,
    };
    writeLine(io.stdout, JSON.stringify(out, null, 2));
    return Promise.resolve(ExitCode.ok);
  }

  const key = found.kind === 'setting' ? found.def.key : found.def.name;
  const facts = found.kind === 'setting' ? settingFacts(found.def, version) : envFacts(found.def);
  if (found.kind === 'env' && version)
    facts.push(['versions', 'the catalog does not track environment variables by version']);
  writeLine(io.stdout, `${key}: ${found.kind === 'setting' ? 'instance setting' : 'environment-only variable'}`);
  if (found.kind === 'setting' && found.via) {
    writeLine(io.stdout, `(${found.via} is the environment variable that sets its default)`);
  }
  writeLine(io.stdout, `  ${found.def.description}`);
  writeLine(io.stdout);
  const width = Math.max(...facts.map(([k]) => k.length));
  for (const [k, v] of facts) writeLine(io.stdout, `  ${k.padEnd(width)}  ${v}`);
  writeLine(io.stdout);
  writeLine(io.stdout, `Where it goes: spec.${place.section}, ${place.how}.`);
  writeLine(io.stdout);
  for (const line of yaml) writeLine(io.stdout, `  ${line}`);
  return Promise.resolve(ExitCode.ok);
}

export const explainCommand: Command = {
  name: 'explain',
  summary: 'explain one setting or environment variable, and where it goes in an InstanceSettings',
  usage,
  run,
};

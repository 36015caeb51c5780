/**
 * `posthog-settings render -f FILE`: print, offline, the objects and annotation the operator would write, from the
 * same pure validation and projection code. Referenced Secrets (and the hash-key Secret, for the exact env hash)
 * can be supplied with --secrets; secret values are redacted unless --show-secrets.
 */
import yaml from 'js-yaml';
import { API_VERSION, Annotations, Kinds, projectedNames } from '../api/constants.js';
import type { InstanceSettings } from '../api/types.js';
import { HASH_KEY_DATA, project } from '../projection/index.js';
import { formatIssue, validateSpec } from '../validation/index.js';
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
import { parseSource, readSources, type Unreadable } from './sources.js';

const usage = `Usage: ${CLI_NAME} render -f FILE [--secrets FILE] [--show-secrets] [--output yaml|json]

Prints the ConfigMaps, Secret, InstanceStaff and rollout annotation the operator would write for each
InstanceSettings in FILE ("-" for stdin), computed offline by the operator's own projection code.
  --secrets FILE   YAML with the referenced Secrets (data or stringData). Include the operator's
                   <name>-hash-key Secret (kubectl get secret <name>-hash-key -o yaml) for the exact env hash.
  --show-secrets   print secret values instead of redacting them`;

interface SecretDoc {
  kind?: string;
  metadata?: { name?: string };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

/** Documents of one input, parsed as `validate` parses them (YAML 1.1, like kubectl), so both read the same values. */
async function readDocuments(path: string, io: IO): Promise<unknown[]> {
  const { sources, unreadable } = await readSources([path], io.stdin);
  const problems = [...unreadable, ...sources.flatMap((src) => parseSource(src).errors)];
  if (problems.length) {
    const where = (u: Unreadable) => [u.file, u.line, u.col].filter((x) => x !== undefined).join(':');
    throw new Error(problems.map((u) => `${where(u)}: ${u.message}`).join('; '));
  }
  return sources.flatMap((src) => parseSource(src).documents.map((d) => d.value));
}

async function render(argv: string[], io: IO): Promise<number> {
  const { values } = parseFlags(argv, {
    file: { type: 'string', short: 'f' },
    secrets: { type: 'string' },
    'show-secrets': { type: 'boolean' },
    output: { type: 'string', short: 'o' },
  });
  if (!values.file) throw new UsageError('-f FILE is required');
  const format = outputFormat(values.output, ['yaml', 'json'] as const);
  let docs: unknown[];
  let secretDocs: SecretDoc[] = [];
  try {
    docs = await readDocuments(values.file, io);
    if (values.secrets) secretDocs = (await readDocuments(values.secrets, io)) as SecretDoc[];
  } catch (err) {
    writeLine(io.stderr, `${CLI_NAME} render: ${err instanceof Error ? err.message : String(err)}`);
    return ExitCode.usage;
  }
  const secrets = new Map<string, Record<string, string>>();
  for (const s of secretDocs.filter((d) => d?.kind === 'Secret' && d.metadata?.name)) {
    const decoded = Object.fromEntries(
      Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
    );
    secrets.set(s.metadata!.name!, { ...decoded, ...(s.stringData ?? {}) });
  }

  const out: unknown[] = [];
  let exit: number = ExitCode.ok;
  for (const doc of docs as InstanceSettings[]) {
    if (doc?.apiVersion !== API_VERSION || doc.kind !== Kinds.InstanceSettings.kind) continue;
    const name = doc.metadata?.name ?? 'unnamed';
    // Offline there is no uid: the ownerReference shows where the operator puts the real one.
    const owner: InstanceSettings = {
      ...doc,
      metadata: {
        ...doc.metadata,
        name,
        namespace: doc.metadata?.namespace ?? 'default',
        uid: '<uid of the InstanceSettings>',
      },
    };
    const result = validateSpec(doc.spec);
    for (const w of result.warnings) writeLine(io.stderr, `warning: ${name}: ${formatIssue(w)}`);
    if (!result.resolved) {
      for (const e of result.errors) writeLine(io.stderr, `error: ${name}: ${formatIssue(e)}`);
      exit = ExitCode.invalid;
      continue;
    }
    // The key is random bytes: take it from the raw base64, not from the utf-8 decoded map.
    const keySecret = secretDocs.find(
      (d) => d?.kind === 'Secret' && d.metadata?.name === projectedNames(name).hashKeySecret,
    );
    const rawKey = keySecret?.data?.[HASH_KEY_DATA];
    const projection = project(owner, result.resolved, {
      secrets,
      hashKey: rawKey ? Buffer.from(rawKey, 'base64') : undefined,
    });
    if (!projection.ok) {
      for (const e of projection.problems)
        writeLine(io.stderr, `error: ${name}: ${formatIssue(e)} (pass it with --secrets)`);
      exit = ExitCode.invalid;
      continue;
    }
    const p = projection.projection;
    const secret = values['show-secrets']
      ? p.secret
      : { ...p.secret, data: Object.fromEntries(Object.keys(p.secret.data).map((k) => [k, '<redacted>'])) };
    out.push(p.settingsConfigMap, p.envConfigMap, secret);
    if (p.staff) out.push(p.staff);
    const targets = result.resolved.targets;
    out.push({
      '# rollout': {
        mode: result.resolved.rollout,
        annotation: Annotations.envHash,
        value: p.envHash ?? `<computed in the cluster with the key in Secret ${projectedNames(name).hashKeySecret}>`,
        targets: targets ? { kinds: targets.kinds, selector: targets.selector } : 'none',
      },
    });
  }
  if (format === 'json') writeLine(io.stdout, JSON.stringify(out, null, 2));
  else io.stdout.write(out.map((o) => yaml.dump(o, { lineWidth: -1, noRefs: true })).join('---\n'));
  return exit;
}

export const renderCommand: Command = {
  name: 'render',
  summary: 'print offline the objects the operator would write',
  usage,
  run: render,
};

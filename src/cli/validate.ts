/**
 * `posthog-settings validate`: the operator's own validation, offline, for CI. Every issue is reported at the line
 * and column it comes from, in the file:line:col form editors and CI annotations understand.
 */
import { API_VERSION, Kinds } from '../api/constants.js';
import { DNS_SUBDOMAIN_PATTERN } from '../api/schema.js';
import { formatPath, validateSpec, type Issue, type PathSegment } from '../validation/index.js';
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
import { locate, parseSource, readSources, yaml11Hint, type ParsedDocument, type Unreadable } from './sources.js';

interface Located {
  line: number;
  col: number;
  path: string;
  message: string;
}

interface DocumentReport {
  file: string;
  index: number;
  /** Position in a `kind: List` document; absent for a resource that is a document of its own. */
  item?: number;
  name: string | null;
  namespace: string | null;
  valid: boolean;
  errors: Located[];
  warnings: Located[];
}

/** One Kubernetes object to look at: a whole document, or an entry of a `kind: List` (as `kubectl get -o yaml` writes). */
interface Resource {
  parsed: ParsedDocument;
  item?: number;
  prefix: PathSegment[];
  value: unknown;
}

const KIND = Kinds.InstanceSettings.kind;
const record = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

function resourcesOf(parsed: ParsedDocument): Resource[] {
  const obj = record(parsed.value);
  if (obj?.kind === 'List' && Array.isArray(obj.items)) {
    return obj.items.map((value: unknown, item) => ({ parsed, item, prefix: ['items', item], value }));
  }
  return [{ parsed, prefix: [], value: parsed.value }];
}

/** validateSpec covers the spec; the name is checked here because kubectl needs one and the operator derives names from it. */
function checkMetadata(obj: Record<string, unknown>): Issue[] {
  const metadata = record(obj.metadata);
  if (!metadata)
    return [{ severity: 'error', path: ['metadata'], message: 'is required: give the resource a metadata.name' }];
  const name = metadata.name;
  if (name === undefined || name === null || name === '') {
    return [{ severity: 'error', path: ['metadata', 'name'], message: 'is required, e.g. name: posthog' }];
  }
  if (typeof name !== 'string') {
    return [{ severity: 'error', path: ['metadata', 'name'], message: 'must be a string' }];
  }
  if (!new RegExp(DNS_SUBDOMAIN_PATTERN).test(name) || name.length > 253) {
    return [
      {
        severity: 'error',
        path: ['metadata', 'name'],
        message: `"${name}" is not a valid name: use lower-case letters, digits, "-" and ".", starting and ending with a letter or digit`,
      },
    ];
  }
  return [];
}

function located(res: Resource, issue: Issue): Located {
  const path = [...res.prefix, ...issue.path];
  const at = locate(res.parsed, path);
  // Only where the type is the complaint: elsewhere the hint would distract from the real problem.
  const hint = /\b(true|false|string|boolean)\b/.test(issue.message) ? yaml11Hint(at.node) : undefined;
  return {
    line: at.line,
    col: at.col,
    path: formatPath(path),
    message: hint ? `${issue.message} (${hint})` : issue.message,
  };
}

const byPosition = (a: Located, b: Located) => a.line - b.line || a.col - b.col;

function check(res: Resource, strict: boolean): DocumentReport {
  const obj = record(res.value)!;
  const metadata = record(obj.metadata);
  const result = validateSpec(obj.spec);
  const errors = [...checkMetadata(obj), ...result.errors].map((i) => located(res, i));
  const warnings = result.warnings.map((i) => located(res, i));
  return {
    file: res.parsed.file,
    index: res.parsed.index,
    ...(res.item === undefined ? {} : { item: res.item }),
    name: text(metadata?.name),
    namespace: text(metadata?.namespace),
    valid: errors.length === 0 && !(strict && warnings.length > 0),
    errors: errors.sort(byPosition),
    warnings: warnings.sort(byPosition),
  };
}

/** A resource of our kind at another API version is probably a typo that would otherwise pass CI unchecked. */
function otherVersionNote(res: Resource): string | undefined {
  const obj = record(res.value);
  if (obj?.kind !== KIND || obj.apiVersion === API_VERSION) return undefined;
  const at = locate(res.parsed, [...res.prefix, 'apiVersion']);
  const version = JSON.stringify(obj.apiVersion ?? null);
  return `${res.parsed.file}:${at.line}:${at.col}: note: skipped an ${KIND} of apiVersion ${version}: this CLI checks ${API_VERSION}`;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function summaryLine(s: { checked: number; invalid: number; skipped: number; warnings: number; unreadable: number }) {
  const parts = [
    `${s.checked} ${KIND} checked`,
    `${s.invalid} invalid`,
    `${plural(s.skipped, 'other document')} skipped`,
  ];
  if (s.warnings > 0) parts.push(plural(s.warnings, 'warning'));
  if (s.unreadable > 0) parts.push(`${plural(s.unreadable, 'input')} unreadable`);
  return parts.join(', ');
}

const usage = `Usage: ${CLI_NAME} validate [--strict] [--output text|json] <file|dir|->...

Check InstanceSettings resources (${API_VERSION}) offline, with the operator's own rules.
Reads multi-document YAML files; directories are searched recursively for *.yaml and *.yml,
and - reads standard input. Documents of other kinds are skipped and counted.

Options:
  --strict          warnings fail too
  --output FORMAT   text (default: file:line:col: severity: path: message) or json

Exit status: 0 all valid, 1 some resource invalid, 2 usage error or unreadable input.`;

async function run(argv: string[], io: IO): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    strict: { type: 'boolean', default: false },
    output: { type: 'string', short: 'o' },
  });
  const format = outputFormat(values.output, ['text', 'json'] as const);
  if (positionals.length === 0) throw new UsageError('name at least one file or directory, or - for standard input');

  const { sources, unreadable } = await readSources(positionals, io.stdin);
  const documents: DocumentReport[] = [];
  const notes: string[] = [];
  let skipped = 0;
  for (const source of sources) {
    const parsed = parseSource(source);
    unreadable.push(...parsed.errors);
    for (const res of parsed.documents.flatMap(resourcesOf)) {
      const obj = record(res.value);
      if (obj?.apiVersion === API_VERSION && obj.kind === KIND) {
        documents.push(check(res, values.strict));
      } else {
        skipped++;
        const note = otherVersionNote(res);
        if (note) notes.push(note);
      }
    }
  }

  const invalid = documents.filter((d) => !d.valid).length;
  const summary = { checked: documents.length, invalid, skipped };
  for (const note of notes) writeLine(io.stderr, note);
  if (format === 'json') {
    const out = {
      files: sources.map((s) => s.name),
      documents,
      summary,
      ...(unreadable.length ? { unreadable } : {}),
    };
    writeLine(io.stdout, JSON.stringify(out, null, 2));
  } else {
    for (const u of unreadable) writeLine(io.stderr, formatUnreadable(u));
    for (const d of documents) {
      const lines = [
        ...d.errors.map((i) => ({ ...i, severity: 'error' })),
        ...d.warnings.map((i) => ({ ...i, severity: 'warning' })),
      ].sort(byPosition);
      for (const i of lines)
        writeLine(io.stdout, `${d.file}:${i.line}:${i.col}: ${i.severity}: ${i.path}: ${i.message}`);
    }
    const warnings = documents.reduce((n, d) => n + d.warnings.length, 0);
    writeLine(io.stdout, summaryLine({ ...summary, warnings, unreadable: unreadable.length }));
  }
  // Unreadable input outranks invalid: part of what was asked for was not checked at all.
  if (unreadable.length > 0) return ExitCode.usage;
  return invalid > 0 ? ExitCode.invalid : ExitCode.ok;
}

const formatUnreadable = (u: Unreadable): string =>
  u.line === undefined ? `${u.file}: error: ${u.message}` : `${u.file}:${u.line}:${u.col}: error: ${u.message}`;

export const validateCommand: Command = {
  name: 'validate',
  summary: 'check InstanceSettings files offline, as the operator would (for CI)',
  usage,
  run,
};

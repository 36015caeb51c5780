/**
 * Input for the commands that read resources (validate, and render later): files, directories and stdin, parsed as
 * multi-document YAML with source positions so every problem can be reported as file:line:col.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import {
  isAlias,
  isCollection,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  Scalar,
  type Document,
  type Node,
  type Tags,
} from 'yaml';
import type { PathSegment } from '../validation/index.js';

export const STDIN_NAME = '<stdin>';

export interface Source {
  /** As the user named it (or found under a named directory), so messages point at what they typed. */
  name: string;
  text: string;
}

export interface Position {
  line: number;
  col: number;
}

/** Input that could not be checked at all: a missing file, an empty directory, a YAML syntax error. */
export interface Unreadable extends Partial<Position> {
  file: string;
  message: string;
}

export interface ParsedDocument {
  file: string;
  /** 0-based position of the document in its file. */
  index: number;
  doc: Document.Parsed;
  value: unknown;
  lineCounter: LineCounter;
}

const YAML_FILE = /\.ya?ml$/i;

async function readStream(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

function reason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return err instanceof Error ? err.message : String(err);
}

/** Every *.yaml / *.yml under `dir`, sorted, so output and exit codes do not depend on readdir order. */
async function yamlFilesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    // Hidden directories are VCS or tool state (.git, .helm), never manifests.
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await yamlFilesUnder(path)));
    else if (YAML_FILE.test(entry.name) && (entry.isFile() || (entry.isSymbolicLink() && (await stat(path)).isFile())))
      out.push(path);
  }
  return out.sort();
}

/** Read the named inputs: `-` is stdin, directories are searched recursively for YAML files. */
export async function readSources(
  args: string[],
  stdin: Readable,
): Promise<{ sources: Source[]; unreadable: Unreadable[] }> {
  const sources: Source[] = [];
  const unreadable: Unreadable[] = [];
  for (const arg of args) {
    if (arg === '-') {
      sources.push({ name: STDIN_NAME, text: await readStream(stdin) });
      continue;
    }
    try {
      if ((await stat(arg)).isDirectory()) {
        const files = await yamlFilesUnder(arg);
        if (files.length === 0) unreadable.push({ file: arg, message: 'no *.yaml or *.yml files in this directory' });
        for (const file of files) sources.push({ name: file, text: await readFile(file, 'utf8') });
      } else {
        sources.push({ name: arg, text: await readFile(arg, 'utf8') });
      }
    } catch (err) {
      unreadable.push({ file: arg, message: `cannot read: ${reason(err)}` });
    }
  }
  return { sources, unreadable };
}

/**
 * Parse as YAML 1.1, the dialect kubectl, Helm and Argo CD read manifests in: unquoted yes/no/on/off are booleans
 * there, so `CLICKHOUSE_KILL_SWITCH: off` must fail here as it fails on apply. Timestamps stay strings, as they do
 * in Kubernetes' YAML-to-JSON conversion.
 */
const parseOptions = {
  version: '1.1',
  customTags: (tags: Tags) =>
    tags.filter((t) => (typeof t === 'string' ? t !== 'timestamp' : t.tag !== 'tag:yaml.org,2002:timestamp')),
} as const;

/** A file with a syntax error is reported whole and none of its documents are checked: the rest may be misread. */
export function parseSource(source: Source): { documents: ParsedDocument[]; errors: Unreadable[] } {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(source.text, { ...parseOptions, lineCounter });
  const list = Array.isArray(docs) ? docs : [];
  const errors = list.flatMap((doc) =>
    doc.errors.map((e) => ({
      file: source.name,
      line: e.linePos?.[0].line,
      col: e.linePos?.[0].col,
      // The library appends " at line L, column C:" and a code excerpt; file:line:col already says where.
      message: e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, ''),
    })),
  );
  if (errors.length > 0) return { documents: [], errors };
  const documents = list
    .map((doc, index) => ({ file: source.name, index, doc, value: doc.toJS() as unknown, lineCounter }))
    // `---` at the end of a file, or a document of comments only: nothing to check.
    .filter((d) => d.doc.contents !== null);
  return { documents, errors: [] };
}

const keyText = (key: unknown): string | undefined =>
  isScalar(key) ? String(key.value) : typeof key === 'string' ? key : undefined;

const start = (node: Node | null | undefined): number | undefined => node?.range?.[0];
const isEmptyScalar = (node: unknown) =>
  isScalar(node) && (node.source === '' || node.source === undefined) && node.value === null;

/** The YAML node a path names, or the nearest ancestor there is (a missing field is reported where it belongs). */
export function nodeAt(doc: Document.Parsed, path: readonly PathSegment[]): { node: Node | null; offset: number } {
  let node: Node | null = doc.contents;
  let offset = start(node) ?? 0;
  for (const seg of path) {
    if (isAlias(node)) node = node.resolve(doc) ?? null;
    if (isMap(node)) {
      const pair = node.items.find((p) => keyText(p.key) === String(seg));
      if (!pair) break;
      const value = pair.value as Node | null;
      // A scalar is reported at its value; a mapping, list or empty value at its key, which is on the same line.
      offset =
        (isCollection(value) || !value || isEmptyScalar(value) ? start(pair.key as Node) : start(value)) ?? offset;
      node = value;
    } else if (isSeq(node) && typeof seg === 'number' && node.items[seg]) {
      node = node.items[seg] as Node;
      offset = start(node) ?? offset;
    } else {
      break;
    }
  }
  return { node, offset };
}

export function locate(d: ParsedDocument, path: readonly PathSegment[]): Position & { node: Node | null } {
  const { node, offset } = nodeAt(d.doc, path);
  return { ...d.lineCounter.linePos(offset), node };
}

/**
 * YAML 1.1 turns some unquoted words into booleans, which makes messages such as `false is not a string` puzzling
 * next to a line that says `off`; name the cause when the node is such a word.
 */
export function yaml11Hint(node: Node | null): string | undefined {
  if (!isScalar(node) || node.type !== Scalar.PLAIN || typeof node.value !== 'boolean') return undefined;
  const src = node.source ?? '';
  if (/^(true|false)$/i.test(src)) return undefined;
  return `unquoted ${src} is the boolean ${String(node.value)} in the YAML that kubectl reads; write "${src}" for the text`;
}

/**
 * Shape checks with ajv against the CRD schema itself (src/api/schema.ts), so offline validation matches what the
 * API server enforces. Offline we are stricter in one way: unknown fields are errors, where the API server would
 * silently prune them (a typo such as `setings:` would otherwise vanish).
 */
import { Ajv, type ErrorObject } from 'ajv';
import { instanceSettingsSpecSchema, type Schema } from '../api/schema.js';
import { suggest } from '../catalog/index.js';
import type { IssueList, PathSegment } from './issues.js';

/** Deep copy of a CRD schema with additionalProperties: false wherever properties are listed. */
function closeObjects(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closeObjects);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'x-kubernetes-validations' || k === 'default') continue; // CEL is mirrored in validation/index.ts
    // Open maps (spec.settings) are typed per key by the catalog, with richer messages than a schema can give.
    if (k === 'properties' && (schema as Schema)['x-kubernetes-preserve-unknown-fields'] === true) continue;
    out[k] =
      k === 'properties'
        ? Object.fromEntries(Object.entries(v as Schema).map(([p, s]) => [p, closeObjects(s)]))
        : closeObjects(v);
  }
  if (out.properties && out.additionalProperties === undefined && !out['x-kubernetes-preserve-unknown-fields']) {
    out.additionalProperties = false;
  }
  return out;
}

// verbose: error objects carry their parent schema, which lists the known fields for "did you mean".
const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, verbose: true });
for (const keyword of [
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-map-type',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-int-or-string',
]) {
  ajv.addKeyword({ keyword });
}
const validateSpec = ajv.compile(closeObjects(instanceSettingsSpecSchema) as Schema);

function pathOf(err: ErrorObject): PathSegment[] {
  const segs = err.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  return ['spec', ...segs];
}

function messageOf(err: ErrorObject, path: PathSegment[]): { path: PathSegment[]; message: string } {
  const p = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'additionalProperties': {
      const field = String(p.additionalProperty);
      const known = Object.keys((err.parentSchema?.properties as Schema | undefined) ?? {});
      const near = suggest(
        field,
        known.map((k) => k.toUpperCase()),
      ).map((u) => known.find((k) => k.toUpperCase() === u)!);
      const hint = near.length ? `did you mean ${near.join(' or ')}?` : `known fields: ${known.join(', ')}`;
      return { path: [...path, field], message: `unknown field "${field}" (the API server would drop it); ${hint}` };
    }
    case 'type':
      return {
        path,
        message: `must be ${p.type === 'object' ? 'a mapping' : p.type === 'array' ? 'a list' : `a ${String(p.type)}`}`,
      };
    case 'enum':
      return {
        path,
        message: `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      };
    case 'pattern':
      if (path.join('.') === 'spec.posthogVersion') {
        return { path, message: 'must be a release such as "1.43.0", a catalog date such as "2026-04", or "latest"' };
      }
      return { path, message: `does not match ${String(p.pattern)}` };
    case 'required':
      return { path: [...path, String(p.missingProperty)], message: 'is required' };
    case 'maxItems':
    case 'maxProperties':
    case 'maxLength':
      return { path, message: `is too long: at most ${String(p.limit)}` };
    default:
      return { path, message: err.message ?? err.keyword };
  }
}

/** Report shape errors in `spec`; returns whether the rest is well-typed enough for the semantic checks. */
export function checkShape(spec: unknown, issues: IssueList): boolean {
  if (spec === undefined || spec === null) {
    issues.error(['spec'], 'is required: an InstanceSettings needs a spec (it may be empty: spec: {})');
    return false;
  }
  if (validateSpec(spec)) return true;
  const errors = validateSpec.errors ?? [];
  const seen = new Set<string>();
  for (const err of errors) {
    const { path, message } = messageOf(err, pathOf(err));
    const key = `${path.join('\0')}:${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.error(path, message);
  }
  // Unknown fields alone leave the rest well-typed, so the semantic checks can still run and report too.
  return errors.every((e) => e.keyword === 'additionalProperties');
}

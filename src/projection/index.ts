/**
 * Pure projection: (resource, resolved spec, referenced data) → the exact objects the operator writes.
 * The controller and `posthog-settings render` both call this, so what a pipeline renders is what the cluster gets.
 */
import { createHash, createHmac } from 'node:crypto';
import { API_VERSION, Annotations, GROUP, Kinds, Labels, OPERATOR_NAME, projectedNames } from '../api/constants.js';
import type { InstanceSettings, InstanceStaff } from '../api/types.js';
import type { Issue, ResolvedRef, ResolvedSpec } from '../validation/index.js';
import { toEnvString } from '../validation/values.js';

export interface ConfigMapObject {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  metadata: ProjectedMeta;
  data: Record<string, string>;
}
export interface SecretObject {
  apiVersion: 'v1';
  kind: 'Secret';
  metadata: ProjectedMeta;
  type: 'Opaque';
  data: Record<string, string>;
}
export interface ProjectedMeta {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences: {
    apiVersion: string;
    kind: string;
    name: string;
    uid: string;
    controller: true;
    blockOwnerDeletion: true;
  }[];
}

/** Values read from the cluster that the projection needs: referenced Secrets (decoded) and the hash key. */
export interface ReferencedData {
  /** Secret name → its data (decoded), or undefined when the Secret does not exist. */
  secrets: ReadonlyMap<string, Readonly<Record<string, string>> | undefined>;
  /** Key of the rollout-hash HMAC; without it the hash cannot be computed (offline render). */
  hashKey: Buffer | undefined;
}

export interface Projection {
  settingsConfigMap: ConfigMapObject;
  envConfigMap: ConfigMapObject;
  secret: SecretObject;
  staff: InstanceStaff | undefined;
  /** Keyed hash of what needs a restart; undefined when no hash key was given. */
  envHash: string | undefined;
  settingsHash: string;
  counts: { settings: number; env: number; secrets: number };
}

export type ProjectionResult = { ok: true; projection: Projection } | { ok: false; problems: Issue[] };

export const SETTINGS_JSON_KEY = 'settings.json';

function meta(owner: InstanceSettings, name: string, component: string): ProjectedMeta {
  return {
    name,
    namespace: owner.metadata.namespace!,
    labels: {
      [Labels.managedBy]: OPERATOR_NAME,
      [Labels.instance]: owner.metadata.name!,
      [Labels.component]: component,
    },
    ownerReferences: [
      {
        apiVersion: API_VERSION,
        kind: Kinds.InstanceSettings.kind,
        name: owner.metadata.name!,
        uid: owner.metadata.uid!,
        controller: true,
        blockOwnerDeletion: true,
      },
    ],
  };
}

const sortedRecord = (entries: [string, string][]): Record<string, string> =>
  Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** Resolve secretKeyRefs against the referenced data; every missing Secret or key is reported by name. */
function gather(refs: ResolvedRef[], section: string, data: ReferencedData, problems: Issue[]): [string, string][] {
  const out: [string, string][] = [];
  for (const { name, ref } of refs) {
    const secret = data.secrets.get(ref.name);
    const path = ['spec', section, name, 'secretKeyRef'];
    if (!secret) {
      problems.push({
        severity: 'error',
        path,
        message: `Secret "${ref.name}" not found in the namespace; create it or fix secretKeyRef.name`,
      });
    } else if (!Object.hasOwn(secret, ref.key)) {
      const has = Object.keys(secret).sort().join(', ') || 'no keys';
      problems.push({
        severity: 'error',
        path,
        message: `Secret "${ref.name}" has no key "${ref.key}" (it has: ${has}); fix secretKeyRef.key`,
      });
    } else out.push([name, secret[ref.key]!]);
  }
  return out;
}

/**
 * HMAC-SHA256 over exactly what needs a restart: the env ConfigMap's data and the secret env values. Keyed, so
 * someone who can read a Deployment cannot test guesses of a secret against it.
 */
export function envHash(key: Buffer, env: Record<string, string>, secretEnv: [string, string][]): string {
  // Both parts sorted by name, so the hash depends on the values only, never on the order they came in.
  const byName = ([a]: [string, string], [b]: [string, string]) => (a < b ? -1 : a > b ? 1 : 0);
  const canonical = JSON.stringify({
    env: Object.entries(env).sort(byName),
    secretEnv: [...secretEnv].sort(byName),
  });
  return createHmac('sha256', key).update(canonical).digest('hex').slice(0, 32);
}

export function project(owner: InstanceSettings, spec: ResolvedSpec, data: ReferencedData): ProjectionResult {
  const names = projectedNames(owner.metadata.name!);
  const problems: Issue[] = [];

  const settingsData = sortedRecord(spec.settings.map((s) => [s.key, toEnvString(s.value)]));
  const typed = Object.fromEntries(spec.settings.map((s) => [s.key, s.value]));
  const settingsCm: ConfigMapObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      ...meta(owner, names.settingsConfigMap, 'settings'),
      annotations: { [`${GROUP}/catalog`]: spec.snapshot.id },
    },
    data: { ...settingsData, [SETTINGS_JSON_KEY]: JSON.stringify(typed, null, 2) + '\n' },
  };
  const envData = sortedRecord(spec.env.map((e) => [e.name, e.value]));
  const envCm: ConfigMapObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta(owner, names.envConfigMap, 'env'),
    data: envData,
  };

  const secretSettings = gather(spec.secretSettings, 'secretSettings', data, problems);
  const secretEnv = gather(spec.secretEnv, 'secretEnv', data, problems);
  if (problems.length) return { ok: false, problems };

  const secret: SecretObject = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: meta(owner, names.secret, 'secrets'),
    type: 'Opaque',
    data: sortedRecord(
      [...secretSettings, ...secretEnv].map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')]),
    ),
  };

  let staff: InstanceStaff | undefined;
  if (spec.staffUsers) {
    staff = {
      apiVersion: API_VERSION,
      kind: 'InstanceStaff',
      metadata: meta(owner, names.staff, 'staff'),
      spec: { users: spec.staffUsers },
    };
  }

  return {
    ok: true,
    projection: {
      settingsConfigMap: settingsCm,
      envConfigMap: envCm,
      secret,
      staff,
      envHash: data.hashKey ? envHash(data.hashKey, envData, secretEnv) : undefined,
      settingsHash: createHash('sha256').update(JSON.stringify(settingsCm.data)).digest('hex').slice(0, 16),
      counts: {
        settings: spec.settings.length + spec.secretSettings.length,
        env: spec.env.length + spec.secretEnv.length,
        secrets: secretSettings.length + secretEnv.length,
      },
    },
  };
}

/** Data key of the rollout-hash key in the `<name>-hash-key` Secret. */
export const HASH_KEY_DATA = 'hmac-key';

/** The Secret that keeps a resource's rollout-hash key; created once, with a fresh random key. */
export function hashKeySecret(owner: InstanceSettings, key: Buffer): SecretObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: meta(owner, projectedNames(owner.metadata.name!).hashKeySecret, 'hash-key'),
    type: 'Opaque',
    data: { [HASH_KEY_DATA]: key.toString('base64') },
  };
}

/** The pod-template patch that rolls a workload: only this annotation, nothing else. */
export const rolloutAnnotationPatch = (hash: string) => ({
  spec: { template: { metadata: { annotations: { [Annotations.envHash]: hash } } } },
});

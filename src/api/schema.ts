/**
 * The one source of truth for the shape of our resources. crds/*.yaml and the Helm chart's copy are generated
 * from it (src/api/generate-crds.ts), and the shared validation checks offline documents against the same
 * objects with ajv, so `kubectl apply`, the operator and `posthog-settings validate` agree on the shape.
 *
 * Only the structural-schema subset of OpenAPI is used (no $ref, no additionalProperties: false), because the
 * API server refuses anything else in a CRD.
 */
import { RolloutModes, TargetKinds } from './constants.js';
import { settingDefs, type SettingDef } from '../catalog/settings.js';
import { snapshots } from '../catalog/versions.js';

export type Schema = Record<string, unknown>;

const describe = (description: string, s: Schema): Schema => ({ description, ...s });

/** Env var names: what a container's env accepts and what PostHog reads. */
export const ENV_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*$';
/** PostHog's instance setting keys are upper-case identifiers. */
export const SETTING_KEY_PATTERN = '^[A-Z][A-Z0-9_]*$';
/** A Secret's name: a DNS-1123 subdomain. */
export const DNS_SUBDOMAIN_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
/** A key inside a Secret's data. */
export const SECRET_DATA_KEY_PATTERN = '^[-._a-zA-Z0-9]+$';
export const POSTHOG_VERSION_PATTERN = '^(latest|[0-9]+\\.[0-9]+\\.[0-9]+|[0-9]{4}-[0-9]{2})$';

export const MAX_SETTINGS = 200;
export const MAX_STAFF = 100;

const secretKeyRef = describe('Where the value comes from: a key of a Kubernetes Secret in the same namespace.', {
  type: 'object',
  properties: {
    name: describe('Name of the Secret (in the namespace of this resource).', { type: 'string', maxLength: 253 }),
    key: describe("Key inside the Secret's data.", { type: 'string', maxLength: 253 }),
  },
  'x-kubernetes-validations': [
    {
      rule: 'has(self.name) && has(self.key) && self.name != "" && self.key != ""',
      message: 'a secretKeyRef needs both name (the Secret) and key (the entry in its data)',
    },
    {
      rule: '!has(self.name) || self.name.matches("' + DNS_SUBDOMAIN_PATTERN.replaceAll('\\', '\\\\') + '")',
      message: 'secretKeyRef.name must be a Secret name: lower-case letters, digits, "-" and "."',
    },
    {
      rule: '!has(self.key) || self.key.matches("' + SECRET_DATA_KEY_PATTERN + '")',
      message: 'secretKeyRef.key must be a Secret data key: letters, digits, "-", "_" and "."',
    },
  ],
});

const secretSource = (what: string): Schema =>
  describe(`Reads ${what} from a Secret; the value is never copied into a ConfigMap, a log, an event or the status.`, {
    type: 'object',
    required: ['secretKeyRef'],
    properties: { secretKeyRef },
  });

const keyRule = (pattern: string, message: string) => ({
  rule: `self.all(k, k.matches("${pattern}"))`,
  message,
});

const label = (id: string) => snapshots.find((x) => x.id === id)?.label ?? id;

/** A typed property per catalog key, so the API server checks types at apply time and `kubectl explain` lists them. */
function settingProperty(d: SettingDef): Schema {
  const facts = [
    `Default ${JSON.stringify(d.default)}.`,
    `In PostHog from ${label(d.added)}${d.removed ? ` until ${label(d.removed)}` : ''}.`,
    d.apiWritable ? '' : 'Read from the environment at start only (not changeable at runtime).',
  ].filter(Boolean);
  const description = `${d.description} ${facts.join(' ')}`;
  if (d.secret) {
    return { description: `${d.description} Secret: set it under spec.secretSettings, never here.`, type: 'string' };
  }
  switch (d.type) {
    case 'bool':
      return { description, type: 'boolean' };
    case 'int':
      return {
        description,
        type: 'integer',
        ...(d.min !== undefined && { minimum: d.min }),
        ...(d.max !== undefined && { maximum: d.max }),
      };
    case 'str':
      return {
        description,
        type: 'string',
        ...(d.allowed && { enum: [...d.allowed] }),
        ...(d.format === 'team-ids' && { pattern: '^(\\s*[0-9]+\\s*(,\\s*[0-9]+\\s*)*)?$' }),
      };
    case 'list[int]':
      return { description, type: 'array', items: { type: 'integer', minimum: 0 } };
  }
}

const secretKeys = settingDefs.filter((d) => d.secret).map((d) => d.key);
const plainKeys = settingDefs.filter((d) => !d.secret).map((d) => d.key);

const maps = ['secretSettings', 'env', 'secretEnv'] as const;

/**
 * A name may be set in one section only. The three map-typed sections compare directly; spec.settings is an object
 * with a typed field per key (CEL cannot range over it), so its known keys are checked one by one.
 */
const noKeyInTwoSections = [
  ...maps.flatMap((a, i) =>
    maps.slice(i + 1).map((b) => ({
      rule: `!has(self.${a}) || !has(self.${b}) || self.${a}.all(k, !(k in self.${b}))`,
      message: `a name appears in both spec.${a} and spec.${b}; keep it in one of them`,
    })),
  ),
  ...maps.map((m) => ({
    rule: `!has(self.settings) || !has(self.${m}) || !(${plainKeys.map((k) => `(has(self.settings.${k}) && '${k}' in self.${m})`).join(' || ')})`,
    message: `a name appears in both spec.settings and spec.${m}; keep it in one of them`,
  })),
];

const labelSelector = describe("Label selector of the target workloads (same form as a Deployment's selector).", {
  type: 'object',
  properties: {
    matchLabels: describe('Labels a workload must carry, all of them.', {
      type: 'object',
      additionalProperties: { type: 'string' },
    }),
    matchExpressions: describe('Set-based requirements, all of which must hold.', {
      type: 'array',
      maxItems: 20,
      items: {
        type: 'object',
        required: ['key', 'operator'],
        properties: {
          key: describe('Label key.', { type: 'string' }),
          operator: describe('In, NotIn, Exists or DoesNotExist.', {
            type: 'string',
            enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'],
          }),
          values: describe('Values for In and NotIn; empty for Exists and DoesNotExist.', {
            type: 'array',
            items: { type: 'string' },
          }),
        },
      },
    }),
  },
  'x-kubernetes-map-type': 'atomic',
});

export const instanceSettingsSpecSchema: Schema = describe(
  'Desired PostHog instance configuration: instance settings, environment-only settings, secrets by reference, staff users and which workloads roll when a restart is needed.',
  {
    type: 'object',
    properties: {
      posthogVersion: describe(
        'PostHog version whose settings catalog applies: a release such as "1.43.0", a catalog date such as "2026-04" (for installs newer than the numbered releases), or "latest" (default). Keys unknown to that version are refused.',
        { type: 'string', default: 'latest', pattern: POSTHOG_VERSION_PATTERN },
      ),
      settings: describe(
        'Instance (dynamic) settings: key to value, typed as in the catalog (boolean, integer, string, or list of integers). They apply without a restart and never roll pods. Secret keys belong in secretSettings. Every key PostHog has had is listed below; whether the version in spec.posthogVersion has it is checked by the operator (`posthog-settings catalog --version V` lists them).',
        {
          type: 'object',
          maxProperties: MAX_SETTINGS,
          properties: Object.fromEntries(settingDefs.map((d) => [d.key, settingProperty(d)])),
          // Keys the catalog does not know are kept, not pruned, so the operator can report them by name.
          'x-kubernetes-preserve-unknown-fields': true,
          'x-kubernetes-validations': secretKeys.map((k) => ({
            rule: `!has(self.${k})`,
            message: `${k} is a secret setting and may not be a plain value; reference a Secret under spec.secretSettings.${k}.secretKeyRef`,
          })),
        },
      ),
      secretSettings: describe(
        'Secret instance settings (such as EMAIL_HOST_PASSWORD): key to a secretKeyRef. PostHog never returns them through its API.',
        {
          type: 'object',
          maxProperties: MAX_SETTINGS,
          additionalProperties: secretSource('a secret instance setting'),
          'x-kubernetes-validations': [
            keyRule(
              SETTING_KEY_PATTERN,
              'setting keys are upper-case letters, digits and underscores, e.g. EMAIL_HOST_PASSWORD',
            ),
          ],
        },
      ),
      env: describe(
        'Environment-only settings (read at process start, such as SITE_URL): variable name to value. A change rolls the target workloads once. Secret variables belong in secretEnv.',
        {
          type: 'object',
          maxProperties: MAX_SETTINGS,
          additionalProperties: { type: 'string', maxLength: 65536 },
          'x-kubernetes-validations': [
            keyRule(
              ENV_NAME_PATTERN,
              'environment variable names are letters, digits and underscores, not starting with a digit',
            ),
          ],
        },
      ),
      secretEnv: describe(
        'Secret environment-only settings (such as SECRET_KEY or DATABASE_URL): variable name to a secretKeyRef. Rotating the referenced Secret rolls the target workloads once.',
        {
          type: 'object',
          maxProperties: MAX_SETTINGS,
          additionalProperties: secretSource('a secret environment variable'),
          'x-kubernetes-validations': [
            keyRule(
              ENV_NAME_PATTERN,
              'environment variable names are letters, digits and underscores, not starting with a digit',
            ),
          ],
        },
      ),
      staffUsers: describe(
        "Email addresses of the instance's staff users (who may manage instance settings). Recorded, normalised, in the InstanceStaff resource of the same name. An empty list is refused: an instance needs at least one staff user, and two or more are recommended.",
        { type: 'array', maxItems: MAX_STAFF, items: { type: 'string', maxLength: 254 } },
      ),
      targets: describe(
        'Workloads in this namespace that get the restart annotation (posthog-operator.dev/env-hash) when environment-only settings change.',
        {
          type: 'object',
          required: ['selector'],
          properties: {
            selector: labelSelector,
            kinds: describe('Workload kinds considered (default: all three).', {
              type: 'array',
              items: { type: 'string', enum: [...TargetKinds] },
              maxItems: 3,
              'x-kubernetes-list-type': 'set',
            }),
          },
        },
      ),
      rollout: describe(
        'Auto (default): write the restart annotation on the targets. Manual: only publish the hash in status.envHash and touch no workload.',
        { type: 'string', enum: [...RolloutModes], default: 'Auto' },
      ),
    },
    'x-kubernetes-validations': noKeyInTwoSections,
  },
);

const conditions = describe("Observations of the resource's state (kstatus-compatible: Ready, Reconciling, Stalled).", {
  type: 'array',
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-list-map-keys': ['type'],
  items: {
    type: 'object',
    required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'],
    properties: {
      type: describe('Condition type, e.g. Ready.', { type: 'string', maxLength: 316 }),
      status: describe('True, False or Unknown.', { type: 'string', enum: ['True', 'False', 'Unknown'] }),
      observedGeneration: describe('metadata.generation this condition was computed from.', {
        type: 'integer',
        format: 'int64',
        minimum: 0,
      }),
      lastTransitionTime: describe('When the status last changed.', { type: 'string', format: 'date-time' }),
      reason: describe('One-word CamelCase reason.', { type: 'string', maxLength: 1024 }),
      message: describe('Human-readable details.', { type: 'string', maxLength: 32768 }),
    },
  },
});

export const instanceSettingsStatusSchema: Schema = describe('What the operator observed and projected.', {
  type: 'object',
  properties: {
    observedGeneration: describe('metadata.generation of the spec last reconciled.', {
      type: 'integer',
      format: 'int64',
    }),
    conditions,
    catalogVersion: describe('The settings catalog that spec.posthogVersion resolved to.', { type: 'string' }),
    settingsCount: describe('Number of instance settings projected (plain and secret).', { type: 'integer' }),
    envCount: describe('Number of environment-only settings projected (plain and secret).', { type: 'integer' }),
    secretCount: describe('Number of values gathered into the projected Secret.', { type: 'integer' }),
    settingsHash: describe('Digest of the instance-settings ConfigMap data (no secrets in it).', { type: 'string' }),
    envHash: describe(
      'Keyed hash (HMAC) of everything that needs a restart; the value of the posthog-operator.dev/env-hash annotation.',
      { type: 'string' },
    ),
    projected: describe('Names of the projected objects.', {
      type: 'object',
      properties: {
        settingsConfigMap: describe('ConfigMap with the instance settings.', { type: 'string' }),
        envConfigMap: describe('ConfigMap with the environment-only settings, for envFrom.', { type: 'string' }),
        secret: describe('Secret with the referenced secret values, for envFrom.', { type: 'string' }),
        staff: describe('InstanceStaff resource with the staff users.', { type: 'string' }),
      },
    }),
    targets: describe('Target workloads and the hash each carries.', {
      type: 'array',
      items: {
        type: 'object',
        required: ['kind', 'name', 'upToDate'],
        properties: {
          kind: describe('Workload kind.', { type: 'string' }),
          name: describe('Workload name.', { type: 'string' }),
          envHash: describe('Hash found on its pod template.', { type: 'string' }),
          upToDate: describe('Whether it carries the current hash.', { type: 'boolean' }),
          conflictsWith: describe(
            'Other InstanceSettings that also select this workload; it is left alone until only one does.',
            { type: 'array', items: { type: 'string' } },
          ),
        },
      },
    }),
    warnings: describe('Validation warnings: accepted, but worth a look.', {
      type: 'array',
      items: { type: 'string' },
    }),
  },
});

export const instanceStaffSpecSchema: Schema = describe(
  'Staff users of the PostHog instance, kept by the operator from the InstanceSettings of the same name: lower-cased, de-duplicated, sorted email addresses.',
  {
    type: 'object',
    required: ['users'],
    properties: {
      users: describe('Normalised email addresses of the staff users.', {
        type: 'array',
        maxItems: MAX_STAFF,
        items: { type: 'string', maxLength: 254 },
      }),
    },
  },
);

export const instanceStaffStatusSchema: Schema = describe('What the operator recorded about the staff users.', {
  type: 'object',
  properties: {
    observedGeneration: describe('metadata.generation last reconciled.', { type: 'integer', format: 'int64' }),
    conditions,
    count: describe('Number of staff users recorded.', { type: 'integer' }),
    history: describe('Bounded record (newest last) of who was added or removed as staff, and when.', {
      type: 'array',
      maxItems: 100,
      items: {
        type: 'object',
        required: ['time', 'action', 'email'],
        properties: {
          time: describe('When the operator recorded the change.', { type: 'string', format: 'date-time' }),
          action: describe('Added or Removed.', { type: 'string', enum: ['Added', 'Removed'] }),
          email: describe("The staff user's email address.", { type: 'string' }),
        },
      },
    }),
  },
});

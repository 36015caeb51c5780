/**
 * The shared validation of an InstanceSettings: pure, used by the operator (status and events) and by the CLI
 * (validate, render), so a pipeline checks exactly what the cluster enforces. Every issue names its field and
 * carries the fix in its message.
 */
import { RolloutModes, TargetKinds, type RolloutMode, type TargetKind } from '../api/constants.js';
import {
  DNS_SUBDOMAIN_PATTERN,
  ENV_NAME_PATTERN,
  SECRET_DATA_KEY_PATTERN,
  SETTING_KEY_PATTERN,
} from '../api/schema.js';
import type { InstanceSettingsSpec, LabelSelector, SecretKeyRef, SettingValue } from '../api/types.js';
import {
  allEnvNames,
  allSettingKeys,
  availability,
  findEnvVar,
  findSetting,
  resolveVersion,
  settingFedByEnvVar,
  suggest,
  VersionError,
  type SettingDef,
  type Snapshot,
} from '../catalog/index.js';
import { formatIssue, IssueList, type Issue, type PathSegment } from './issues.js';
import { checkShape } from './shape.js';
import { checkStaffList } from './staff.js';
import { checkEnvValue, checkSettingValue } from './values.js';

export { formatIssue, formatPath, type Issue, type PathSegment } from './issues.js';

export interface ResolvedSetting {
  key: string;
  def: SettingDef;
  value: SettingValue;
}
export interface ResolvedRef {
  name: string;
  ref: SecretKeyRef;
}

/** A valid spec, normalised: what the projection is computed from. */
export interface ResolvedSpec {
  snapshot: Snapshot;
  settings: ResolvedSetting[];
  secretSettings: ResolvedRef[];
  env: { name: string; value: string }[];
  secretEnv: ResolvedRef[];
  /** undefined: staff users are not managed by this resource. */
  staffUsers: string[] | undefined;
  targets: { selector: LabelSelector; kinds: TargetKind[] } | undefined;
  rollout: RolloutMode;
}

export interface ValidationResult {
  errors: Issue[];
  warnings: Issue[];
  /** Present only when there are no errors. */
  resolved?: ResolvedSpec;
}

const sections = ['settings', 'secretSettings', 'env', 'secretEnv'] as const;
const byName = <T>(entries: [string, T][]) => entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
const refExample = (name: string) => `{${name}: {secretKeyRef: {name: <secret>, key: <key>}}}`;

function describeAbsence(def: SettingDef, snapshot: Snapshot, version: string): string | undefined {
  const a = availability(def, snapshot);
  if (a.state === 'notYet') {
    const note = def.addedNote === a.added.label ? '' : ` (${def.addedNote})`;
    return `${def.key} was added in ${a.added.label}${note}; PostHog ${version} does not have it: raise spec.posthogVersion or remove the key`;
  }
  if (a.state === 'removed') {
    const note = a.removed.kind === 'release' && def.removedNote ? ` (${def.removedNote})` : '';
    return `${def.key} was removed in ${a.removed.label}${note}; PostHog ${version} no longer has it: remove the key, or name an older spec.posthogVersion`;
  }
  return undefined;
}

function unknownSetting(key: string): string {
  const near = suggest(key, [...allSettingKeys(), ...allEnvNames()]);
  const hint = near.length ? `did you mean ${near.join(' or ')}?` : 'run `posthog-settings catalog` to list the keys';
  return `unknown instance setting ${key}; ${hint}`;
}

function checkRef(ref: SecretKeyRef | undefined, path: PathSegment[], issues: IssueList): void {
  // Mirrors the CRD's CEL rules, so offline validation refuses what `kubectl apply` would.
  if (!ref?.name || !ref.key) {
    issues.error(
      [...path, 'secretKeyRef'],
      'a secretKeyRef needs both name (the Secret) and key (the entry in its data)',
    );
    return;
  }
  if (!new RegExp(DNS_SUBDOMAIN_PATTERN).test(ref.name)) {
    issues.error(
      [...path, 'secretKeyRef', 'name'],
      `"${ref.name}" is not a Secret name: use lower-case letters, digits, "-" and "."`,
    );
  }
  if (!new RegExp(SECRET_DATA_KEY_PATTERN).test(ref.key)) {
    issues.error(
      [...path, 'secretKeyRef', 'key'],
      `"${ref.key}" is not a Secret data key: use letters, digits, "-", "_" and "."`,
    );
  }
}

export function validateSpec(spec: unknown): ValidationResult {
  const issues = new IssueList();
  const shapeOk = checkShape(spec, issues);
  if (!shapeOk) return split(issues.items);
  const s = spec as InstanceSettingsSpec;
  const version = s.posthogVersion ?? 'latest';

  let snapshot: Snapshot | undefined;
  try {
    snapshot = resolveVersion(version);
  } catch (err) {
    if (!(err instanceof VersionError)) throw err;
    issues.error(['spec', 'posthogVersion'], `${err.message}; ${err.fix}`);
  }

  // Same rules as the CRD's CEL validations.
  const keyRules = {
    settings: SETTING_KEY_PATTERN,
    secretSettings: SETTING_KEY_PATTERN,
    env: ENV_NAME_PATTERN,
    secretEnv: ENV_NAME_PATTERN,
  };
  for (const section of sections) {
    const re = new RegExp(keyRules[section]);
    for (const key of Object.keys(s[section] ?? {})) {
      if (!re.test(key)) {
        issues.error(
          ['spec', section, key],
          section.endsWith('nv')
            ? 'is not an environment variable name: use letters, digits and underscores, not starting with a digit'
            : 'is not a setting key: settings are upper-case letters, digits and underscores, e.g. EMAIL_HOST',
        );
      }
    }
  }
  for (const [i, a] of sections.entries()) {
    for (const b of sections.slice(i + 1)) {
      for (const key of Object.keys(s[a] ?? {})) {
        if (s[b] && key in s[b])
          issues.error(['spec', b, key], `${key} is also set in spec.${a}; keep it in one of them`);
      }
    }
  }

  const settings: ResolvedSetting[] = [];
  for (const [key, raw] of byName(Object.entries(s.settings ?? {}))) {
    const path = ['spec', 'settings', key];
    const def = findSetting(key);
    if (!def) {
      const env = findEnvVar(key);
      if (env) {
        const where = env.secret
          ? `spec.secretEnv: ${refExample(key)}`
          : `spec.env (as a string: ${key}: "${String(raw)}")`;
        issues.error(
          path,
          `${key} is an environment-only setting, read when PostHog starts (it needs a restart); move it to ${where}`,
        );
      } else issues.error(path, unknownSetting(key));
      continue;
    }
    if (def.secret) {
      issues.error(
        path,
        `${key} is a secret setting and may not be a plain value; reference a Secret instead: spec.secretSettings: ${refExample(key)}`,
      );
      continue;
    }
    if (snapshot) {
      const absent = describeAbsence(def, snapshot, version);
      if (absent) {
        issues.error(path, absent);
        continue;
      }
      if (availability(def, snapshot).state === 'unverified') {
        issues.warn(
          path,
          `${key} appeared around ${def.addedNote}; the catalog cannot confirm PostHog ${version} has it: check its Instance settings page`,
        );
      }
    }
    const checked = checkSettingValue(def, raw);
    if (!checked.ok) {
      issues.error(path, checked.message);
      continue;
    }
    if (!def.apiWritable) {
      issues.warn(
        path,
        `${key} cannot be changed at runtime through PostHog's API: PostHog reads it from the environment at start, so it takes effect when the pods next restart`,
      );
    }
    settings.push({ key, def, value: checked.value });
  }

  const useTls = settings.find((x) => x.key === 'EMAIL_USE_TLS')?.value === true;
  const useSsl = settings.find((x) => x.key === 'EMAIL_USE_SSL')?.value === true;
  if (useTls && useSsl) {
    issues.error(
      ['spec', 'settings', 'EMAIL_USE_SSL'],
      'EMAIL_USE_TLS and EMAIL_USE_SSL are both true, but SMTP uses one: STARTTLS (EMAIL_USE_TLS, usually port 587) or implicit TLS (EMAIL_USE_SSL, usually port 465); set the other to false',
    );
  }

  const secretSettings: ResolvedRef[] = [];
  for (const [key, src] of byName(Object.entries(s.secretSettings ?? {}))) {
    const path = ['spec', 'secretSettings', key];
    checkRef(src.secretKeyRef, path, issues);
    const def = findSetting(key);
    if (!def) {
      const env = findEnvVar(key);
      issues.error(
        path,
        env
          ? `${key} is an environment-only setting; move it to ${env.secret ? 'spec.secretEnv' : 'spec.env'}`
          : unknownSetting(key),
      );
      continue;
    }
    if (!def.secret) {
      issues.error(
        path,
        `${key} is not a secret setting; write its value under spec.settings (secretSettings is for keys PostHog keeps write-only, such as EMAIL_HOST_PASSWORD)`,
      );
      continue;
    }
    const absent = snapshot && describeAbsence(def, snapshot, version);
    if (absent) issues.error(path, absent);
    else secretSettings.push({ name: key, ref: src.secretKeyRef });
  }

  const env: { name: string; value: string }[] = [];
  for (const [name, value] of byName(Object.entries(s.env ?? {}))) {
    const path = ['spec', 'env', name];
    const known = findEnvVar(name);
    const setting = settingFedByEnvVar(name);
    if (known?.secret) {
      issues.error(
        path,
        `${name} holds a secret and may not be a plain value; reference a Secret instead: spec.secretEnv: ${refExample(name)}`,
      );
      continue;
    }
    if (setting?.secret) {
      issues.error(
        path,
        `${name} is a secret instance setting; reference a Secret instead: spec.secretSettings: ${refExample(setting.key)}`,
      );
      continue;
    }
    if (setting) {
      issues.warn(
        path,
        `${name} is an instance setting: a value saved in PostHog's database wins over the environment, and this only takes effect after a restart; spec.settings applies it without a restart`,
      );
    }
    const problem = known && checkEnvValue(known.type, name, value);
    if (problem) {
      issues.error(path, problem);
      continue;
    }
    env.push({ name, value });
  }

  const secretEnv: ResolvedRef[] = [];
  for (const [name, src] of byName(Object.entries(s.secretEnv ?? {}))) {
    const path = ['spec', 'secretEnv', name];
    checkRef(src.secretKeyRef, path, issues);
    const setting = settingFedByEnvVar(name);
    if (setting) {
      issues.warn(
        path,
        `${name} is an instance setting: a value saved in PostHog's database wins over the environment; spec.secretSettings applies it without a restart`,
      );
    }
    secretEnv.push({ name, ref: src.secretKeyRef });
  }

  let staffUsers: string[] | undefined;
  if (s.staffUsers !== undefined) {
    const staff = checkStaffList(s.staffUsers);
    for (const bad of staff.invalid) {
      issues.error(
        ['spec', 'staffUsers', bad.index],
        `"${bad.value}" is not an email address; write it as name@example.com`,
      );
    }
    if (s.staffUsers.length === 0) {
      issues.error(
        ['spec', 'staffUsers'],
        'is empty, which would leave the instance without a staff user to manage it; list at least one email address (two or more are recommended), or remove the field to leave staff unmanaged',
      );
    } else if (staff.invalid.length === 0 && staff.users.length < 2) {
      issues.warn(
        ['spec', 'staffUsers'],
        'only one staff user: PostHog recommends several, so the instance can still be maintained when one is away',
      );
    }
    for (const dup of staff.duplicates)
      issues.warn(['spec', 'staffUsers'], `${dup} is listed more than once; it is recorded once`);
    staffUsers = staff.users;
  }

  let targets: ResolvedSpec['targets'];
  if (s.targets) {
    const sel = s.targets.selector;
    if (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0) {
      issues.error(
        ['spec', 'targets', 'selector'],
        'is empty and would select every workload in the namespace; add matchLabels, e.g. {app.kubernetes.io/part-of: posthog}',
      );
    }
    (sel.matchExpressions ?? []).forEach((req, i) => {
      const needsValues = req.operator === 'In' || req.operator === 'NotIn';
      if (needsValues !== (req.values ?? []).length > 0) {
        issues.error(
          ['spec', 'targets', 'selector', 'matchExpressions', i, 'values'],
          needsValues ? `${req.operator} needs at least one value` : `${req.operator} takes no values; remove them`,
        );
      }
    });
    targets = { selector: sel, kinds: s.targets.kinds?.length ? [...s.targets.kinds] : [...TargetKinds] };
  }

  const rollout = s.rollout ?? 'Auto';
  if (!RolloutModes.includes(rollout)) issues.error(['spec', 'rollout'], 'must be Auto or Manual');
  if (rollout === 'Auto' && !targets && (env.length > 0 || secretEnv.length > 0)) {
    issues.warn(
      ['spec', 'targets'],
      'environment-only settings are set but no targets are named, so no workload will restart when they change; add spec.targets.selector',
    );
  }

  const result = split(issues.items);
  if (result.errors.length === 0 && snapshot) {
    result.resolved = { snapshot, settings, secretSettings, env, secretEnv, staffUsers, targets, rollout };
  }
  return result;
}

function split(items: Issue[]): ValidationResult {
  return {
    errors: items.filter((i) => i.severity === 'error'),
    warnings: items.filter((i) => i.severity === 'warning'),
  };
}

/** One line per problem, for status messages and events. */
export const summarise = (issues: Issue[]): string => issues.map(formatIssue).join('; ');

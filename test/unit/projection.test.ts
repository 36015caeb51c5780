/**
 * The pure projection (src/projection): the objects the operator writes for a valid spec, how missing Secrets are
 * reported, the keyed env hash that rolls workloads, and the staff-record decisions.
 */
import { createHash, createHmac } from 'node:crypto';
import { expect } from 'chai';
import type { InstanceSettings, InstanceSettingsSpec, InstanceStaff, StaffHistoryEntry } from '../../src/api/types.js';
import {
  envHash,
  project,
  SETTINGS_JSON_KEY,
  type Projection,
  type ReferencedData,
} from '../../src/projection/index.js';
import { appendHistory, decideStaff, MAX_HISTORY } from '../../src/projection/staff.js';
import { formatIssue, formatPath, validateSpec, type Issue, type ResolvedSpec } from '../../src/validation/index.js';

const ref = (name: string, key: string) => ({ secretKeyRef: { name, key } });
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

const UID = '6f1c1b8e-1111-2222-3333-444455556666';
const owner: InstanceSettings = {
  apiVersion: 'posthog-operator.dev/v1alpha1',
  kind: 'InstanceSettings',
  metadata: { name: 'posthog', namespace: 'analytics', uid: UID, generation: 3 },
};

const SMTP_PASSWORD = 'hunter2-ünïcode';
const DJANGO_KEY = 'django-secret-value';

function baseSpec(): InstanceSettingsSpec {
  return {
    settings: {
      EMAIL_HOST: 'smtp.example.com',
      EMAIL_PORT: 587,
      EMAIL_USE_TLS: true,
      EMAIL_USE_SSL: false,
      CLICKHOUSE_ENABLE_ANALYZER_TEAMS: [1, 2, 42],
    },
    secretSettings: { EMAIL_HOST_PASSWORD: ref('smtp', 'password') },
    env: { SITE_URL: 'https://posthog.example.com', SECURE_COOKIES: 'true' },
    secretEnv: { SECRET_KEY: ref('posthog', 'secret-key') },
    staffUsers: ['a@example.com', 'b@example.com'],
    targets: { selector: { matchLabels: { app: 'posthog' } } },
  };
}

function baseSecrets(): Map<string, Record<string, string> | undefined> {
  return new Map<string, Record<string, string> | undefined>([
    ['smtp', { password: SMTP_PASSWORD, username: 'mailer' }],
    ['posthog', { 'secret-key': DJANGO_KEY }],
  ]);
}

const HASH_KEY = Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 37 + 200) % 256));

function resolve(spec: InstanceSettingsSpec): ResolvedSpec {
  const r = validateSpec(spec);
  expect(r.errors.map(formatIssue), 'the test spec is valid').to.deep.equal([]);
  return r.resolved!;
}

function projectOk(
  spec: InstanceSettingsSpec = baseSpec(),
  data: Partial<ReferencedData> = {},
): Projection & { envHash: string } {
  const r = project(owner, resolve(spec), { secrets: baseSecrets(), hashKey: HASH_KEY, ...data });
  if (!r.ok) expect.fail(`projection failed: ${r.problems.map(formatIssue).join('; ')}`);
  return r.projection as Projection & { envHash: string };
}

function projectProblems(spec: InstanceSettingsSpec, secrets: ReferencedData['secrets']): Issue[] {
  const r = project(owner, resolve(spec), { secrets, hashKey: HASH_KEY });
  if (r.ok) return expect.fail('the projection should have failed');
  return r.problems;
}

describe('project', () => {
  describe('settings ConfigMap', () => {
    it('has one key per setting in the form PostHog reads from its environment, plus typed settings.json', () => {
      const cm = projectOk().settingsConfigMap;
      expect(cm.apiVersion).to.equal('v1');
      expect(cm.kind).to.equal('ConfigMap');
      expect(cm.metadata.name).to.equal('posthog-settings');
      expect(cm.metadata.namespace).to.equal('analytics');
      const { [SETTINGS_JSON_KEY]: json, ...env } = cm.data;
      expect(env).to.deep.equal({
        CLICKHOUSE_ENABLE_ANALYZER_TEAMS: '1,2,42',
        EMAIL_HOST: 'smtp.example.com',
        EMAIL_PORT: '587',
        EMAIL_USE_SSL: 'false',
        EMAIL_USE_TLS: 'true',
      });
      expect(JSON.parse(json!)).to.deep.equal({
        CLICKHOUSE_ENABLE_ANALYZER_TEAMS: [1, 2, 42],
        EMAIL_HOST: 'smtp.example.com',
        EMAIL_PORT: 587,
        EMAIL_USE_SSL: false,
        EMAIL_USE_TLS: true,
      });
    });

    it('keeps secret settings out of it', () => {
      const cm = projectOk().settingsConfigMap;
      expect(cm.data).to.not.have.property('EMAIL_HOST_PASSWORD');
      expect(JSON.stringify(cm)).to.not.include(SMTP_PASSWORD);
    });

    it('writes its keys in sorted order whatever the order in the spec', () => {
      const spec = baseSpec();
      spec.settings = Object.fromEntries(Object.entries(spec.settings!).reverse());
      expect(Object.keys(projectOk(spec).settingsConfigMap.data)).to.deep.equal(
        Object.keys(projectOk().settingsConfigMap.data),
      );
    });

    it('names the catalog snapshot it was checked against', () => {
      const cm = projectOk().settingsConfigMap;
      expect(cm.metadata.annotations).to.have.property('posthog-operator.dev/catalog').that.is.a('string').and.not
        .empty;
    });
  });

  it('puts the plain env values in the env ConfigMap, and no secret env', () => {
    const cm = projectOk().envConfigMap;
    expect(cm.metadata.name).to.equal('posthog-env');
    expect(cm.data).to.deep.equal({ SECURE_COOKIES: 'true', SITE_URL: 'https://posthog.example.com' });
    expect(JSON.stringify(cm)).to.not.include(DJANGO_KEY);
  });

  it('puts the referenced values, base64 encoded, in the Secret', () => {
    const secret = projectOk().secret;
    expect(secret.kind).to.equal('Secret');
    expect(secret.type).to.equal('Opaque');
    expect(secret.metadata.name).to.equal('posthog-secrets');
    expect(secret.data).to.deep.equal({ EMAIL_HOST_PASSWORD: b64(SMTP_PASSWORD), SECRET_KEY: b64(DJANGO_KEY) });
    expect(Buffer.from(secret.data.EMAIL_HOST_PASSWORD!, 'base64').toString('utf8')).to.equal(SMTP_PASSWORD);
  });

  it('owns every object by the InstanceSettings as its controller, and labels it as managed by the operator', () => {
    const p = projectOk();
    const objects = [p.settingsConfigMap, p.envConfigMap, p.secret, p.staff!];
    for (const o of objects) {
      expect(o.metadata.ownerReferences, o.metadata.name).to.deep.equal([
        {
          apiVersion: 'posthog-operator.dev/v1alpha1',
          kind: 'InstanceSettings',
          name: 'posthog',
          uid: UID,
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
      expect(o.metadata.labels).to.include({
        'app.kubernetes.io/managed-by': 'posthog-settings-operator',
        'posthog-operator.dev/instance-settings': 'posthog',
      });
      expect(o.metadata.namespace).to.equal('analytics');
    }
    const components = objects.map((o) => o.metadata.labels!['posthog-operator.dev/component']);
    expect(new Set(components).size, 'each object has its own component label').to.equal(objects.length);
  });

  it('records the staff users in an InstanceStaff named after the resource, only when staffUsers is set', () => {
    const staff = projectOk().staff!;
    expect(staff.kind).to.equal('InstanceStaff');
    expect(staff.apiVersion).to.equal('posthog-operator.dev/v1alpha1');
    expect(staff.metadata.name).to.equal('posthog');
    expect(staff.spec).to.deep.equal({ users: ['a@example.com', 'b@example.com'] });

    const spec = baseSpec();
    delete spec.staffUsers;
    expect(projectOk(spec).staff).to.equal(undefined);
  });

  it('counts settings, env and secrets', () => {
    expect(projectOk().counts).to.deep.equal({ settings: 6, env: 3, secrets: 2 });
  });

  describe('missing references', () => {
    it('reports a missing Secret by name at the reference, for each reference', () => {
      const problems = projectProblems(baseSpec(), new Map());
      expect(problems.map((p) => formatPath(p.path))).to.have.members([
        'spec.secretSettings.EMAIL_HOST_PASSWORD.secretKeyRef',
        'spec.secretEnv.SECRET_KEY.secretKeyRef',
      ]);
      const smtp = problems.find((p) => p.path.includes('secretSettings'))!;
      expect(smtp.severity).to.equal('error');
      expect(smtp.message).to.include('Secret "smtp" not found');
      expect(problems.find((p) => p.path.includes('secretEnv'))!.message).to.include('Secret "posthog" not found');
    });

    it('reports a Secret that is known not to exist the same way', () => {
      const secrets = baseSecrets();
      secrets.set('smtp', undefined);
      const problems = projectProblems(baseSpec(), secrets);
      expect(problems.map(formatIssue)).to.deep.equal([
        'spec.secretSettings.EMAIL_HOST_PASSWORD.secretKeyRef: Secret "smtp" not found in the namespace; create it or fix secretKeyRef.name',
      ]);
    });

    it('reports a missing key with the keys the Secret has, but none of its values', () => {
      const secrets = baseSecrets();
      secrets.set('posthog', { 'wrong-key': DJANGO_KEY, another: 'other-value' });
      const problems = projectProblems(baseSpec(), secrets);
      expect(problems).to.have.length(1);
      expect(formatPath(problems[0]!.path)).to.equal('spec.secretEnv.SECRET_KEY.secretKeyRef');
      const message = problems[0]!.message;
      expect(message).to.include('Secret "posthog" has no key "secret-key"');
      expect(message).to.include('(it has: another, wrong-key)');
      expect(message).to.not.include(DJANGO_KEY).and.not.include('other-value');
      expect(JSON.stringify(problems)).to.not.include(SMTP_PASSWORD);
    });

    it('says so when the Secret has no keys at all', () => {
      const secrets = baseSecrets();
      secrets.set('posthog', {});
      expect(projectProblems(baseSpec(), secrets)[0]!.message).to.include('(it has: no keys)');
    });

    it('does not take an inherited property for a key of the Secret', () => {
      const spec = baseSpec();
      spec.secretEnv = { SECRET_KEY: ref('posthog', 'constructor') };
      const problems = projectProblems(spec, baseSecrets());
      expect(problems.map((p) => p.message)).to.deep.equal([
        'Secret "posthog" has no key "constructor" (it has: secret-key); fix secretKeyRef.key',
      ]);
    });
  });
});

describe('env hash', () => {
  const HEX32 = /^[0-9a-f]{32}$/;

  function withEnv(env: Record<string, string>): InstanceSettingsSpec {
    return { ...baseSpec(), env };
  }

  it('is 32 hex characters', () => {
    expect(projectOk().envHash).to.match(HEX32);
  });

  it('is undefined without a hash key', () => {
    expect(projectOk(baseSpec(), { hashKey: undefined }).envHash).to.equal(undefined);
  });

  it('is stable for the same inputs', () => {
    expect(projectOk().envHash).to.equal(projectOk().envHash);
  });

  it('does not depend on the order of keys in the spec or in the Secret', () => {
    const spec = baseSpec();
    spec.env = Object.fromEntries(Object.entries(spec.env!).reverse());
    spec.secretEnv = { SECRET_KEY: ref('posthog', 'secret-key'), ANOTHER_SECRET: ref('posthog', 'other') };
    const reversed = baseSpec();
    reversed.secretEnv = Object.fromEntries(Object.entries(spec.secretEnv).reverse());
    const secrets = baseSecrets();
    secrets.set('posthog', { other: 'x', 'secret-key': DJANGO_KEY });
    const reorderedSecrets = baseSecrets();
    reorderedSecrets.set('posthog', { 'secret-key': DJANGO_KEY, other: 'x' });
    expect(projectOk(spec, { secrets }).envHash).to.equal(projectOk(reversed, { secrets: reorderedSecrets }).envHash);
  });

  it('envHash() itself does not depend on the order of the env entries or of the secret env', () => {
    const env = { A_VAR: '1', B_VAR: '2', C_VAR: '3' };
    const secretEnv: [string, string][] = [
      ['S_ONE', 'x'],
      ['S_TWO', 'y'],
    ];
    const h = envHash(HASH_KEY, env, secretEnv);
    expect(envHash(HASH_KEY, { C_VAR: '3', A_VAR: '1', B_VAR: '2' }, secretEnv)).to.equal(h);
    expect(envHash(HASH_KEY, env, [...secretEnv].reverse())).to.equal(h);
  });

  it('changes when an env value changes', () => {
    const before = projectOk().envHash;
    expect(projectOk(withEnv({ SITE_URL: 'https://other.example.com', SECURE_COOKIES: 'true' })).envHash).to.not.equal(
      before,
    );
  });

  it('changes when an env variable is added or removed', () => {
    const before = projectOk().envHash;
    expect(projectOk(withEnv({ SITE_URL: 'https://posthog.example.com' })).envHash).to.not.equal(before);
  });

  it('does not confuse a value moved from one env name to another', () => {
    const a = envHash(HASH_KEY, { A_VAR: 'x', B_VAR: '' }, []);
    const b = envHash(HASH_KEY, { A_VAR: '', B_VAR: 'x' }, []);
    expect(a).to.not.equal(b);
  });

  it('changes when a secret env value changes in its Secret', () => {
    const secrets = baseSecrets();
    secrets.set('posthog', { 'secret-key': 'rotated-value' });
    expect(projectOk(baseSpec(), { secrets }).envHash).to.not.equal(projectOk().envHash);
  });

  it('does not change when an instance setting changes (those apply without a restart)', () => {
    const spec = baseSpec();
    spec.settings = { ...spec.settings, EMAIL_PORT: 2525, EMAIL_HOST: 'mail.example.com' };
    const changed = projectOk(spec);
    expect(changed.settingsConfigMap.data.EMAIL_PORT, 'the change did take effect').to.equal('2525');
    expect(changed.settingsHash).to.not.equal(projectOk().settingsHash);
    expect(changed.envHash).to.equal(projectOk().envHash);
  });

  it('does not change when a secret setting value changes', () => {
    const secrets = baseSecrets();
    secrets.set('smtp', { password: 'a-new-password' });
    const changed = projectOk(baseSpec(), { secrets });
    expect(changed.secret.data.EMAIL_HOST_PASSWORD, 'the change did take effect').to.equal(b64('a-new-password'));
    expect(changed.envHash).to.equal(projectOk().envHash);
  });

  it('depends on the HMAC key', () => {
    const otherKey = Buffer.from(HASH_KEY);
    otherKey[0] = otherKey[0]! ^ 1;
    expect(projectOk(baseSpec(), { hashKey: otherKey }).envHash).to.not.equal(projectOk().envHash);
  });

  it('is not a plain (unkeyed) sha256 of the values and does not contain them', () => {
    const p = projectOk();
    const h = p.envHash;
    const envData = p.envConfigMap.data;
    const secretEnv: [string, string][] = [['SECRET_KEY', DJANGO_KEY]];
    const plainInputs = [
      JSON.stringify({ env: Object.entries(envData), secretEnv }),
      JSON.stringify({ env: envData, secretEnv: Object.fromEntries(secretEnv) }),
      JSON.stringify(envData) + JSON.stringify(secretEnv),
      DJANGO_KEY,
      Object.values(envData).join('') + DJANGO_KEY,
    ];
    for (const input of plainInputs) {
      const sha = createHash('sha256').update(input).digest('hex');
      expect(sha, input).to.not.include(h);
      expect(h, input).to.not.equal(sha.slice(0, 32));
    }
    expect(h).to.not.include(Buffer.from(DJANGO_KEY).toString('hex').slice(0, 8));
  });

  it('is the truncated HMAC-SHA256 of the env ConfigMap data and the secret env values', () => {
    // Pins the canonical form: a change here changes every hash in every cluster and restarts every target.
    const p = projectOk();
    const canonical = JSON.stringify({
      env: Object.entries(p.envConfigMap.data),
      secretEnv: [['SECRET_KEY', DJANGO_KEY]],
    });
    expect(p.envHash).to.equal(createHmac('sha256', HASH_KEY).update(canonical).digest('hex').slice(0, 32));
    expect(envHash(HASH_KEY, p.envConfigMap.data, [['SECRET_KEY', DJANGO_KEY]])).to.equal(p.envHash);
  });
});

describe('decideStaff', () => {
  const current = (users: string[]): InstanceStaff => ({
    apiVersion: 'posthog-operator.dev/v1alpha1',
    kind: 'InstanceStaff',
    metadata: { name: 'posthog', namespace: 'analytics' },
    spec: { users },
  });

  it('records the users with who was added and who removed', () => {
    expect(decideStaff(['b@x.io', 'c@x.io', 'd@x.io'], [], current(['a@x.io', 'b@x.io']))).to.deep.equal({
      action: 'record',
      users: ['b@x.io', 'c@x.io', 'd@x.io'],
      added: ['c@x.io', 'd@x.io'],
      removed: ['a@x.io'],
    });
  });

  it('counts everyone as added when there is no record yet', () => {
    expect(decideStaff(['a@x.io', 'b@x.io'], [], undefined)).to.deep.equal({
      action: 'record',
      users: ['a@x.io', 'b@x.io'],
      added: ['a@x.io', 'b@x.io'],
      removed: [],
    });
  });

  it('records an unchanged list with nothing added or removed', () => {
    expect(decideStaff(['a@x.io'], [], current(['a@x.io']))).to.deep.include({ added: [], removed: [] });
  });

  it('refuses an invalid list as InvalidStaffList, keeping the record, with the validation messages', () => {
    const d = decideStaff(['a@x.io'], ['spec.staffUsers[1]: "nope" is not an email address'], current(['a@x.io']));
    expect(d.action).to.equal('refuse');
    if (d.action !== 'refuse') return;
    expect(d.reason).to.equal('InvalidStaffList');
    expect(d.message).to.include('"nope" is not an email address').and.include('previous record is kept');
  });

  it('refuses an invalid list even when the field would otherwise be absent', () => {
    expect(decideStaff(undefined, ['bad'], undefined)).to.include({ action: 'refuse', reason: 'InvalidStaffList' });
  });

  it('refuses to drop the last staff users when the field is removed', () => {
    const d = decideStaff(undefined, [], current(['a@x.io', 'b@x.io']));
    expect(d.action).to.equal('refuse');
    if (d.action !== 'refuse') return;
    expect(d.reason).to.equal('WouldRemoveLastStaff');
    expect(d.message).to.include('previous record of 2 is kept').and.include('InstanceStaff posthog');
  });

  it('does nothing when there is neither a field nor a record (or an empty one)', () => {
    expect(decideStaff(undefined, [], undefined)).to.deep.equal({ action: 'none' });
    expect(decideStaff(undefined, [], current([]))).to.deep.equal({ action: 'none' });
  });
});

describe('appendHistory', () => {
  const NOW = new Date('2026-03-04T05:06:07.890Z');

  it('appends Added then Removed entries, stamped with now in whole seconds', () => {
    const old: StaffHistoryEntry[] = [{ time: '2026-01-01T00:00:00Z', action: 'Added', email: 'old@x.io' }];
    expect(appendHistory(old, ['a@x.io', 'b@x.io'], ['old@x.io'], NOW)).to.deep.equal([
      { time: '2026-01-01T00:00:00Z', action: 'Added', email: 'old@x.io' },
      { time: '2026-03-04T05:06:07Z', action: 'Added', email: 'a@x.io' },
      { time: '2026-03-04T05:06:07Z', action: 'Added', email: 'b@x.io' },
      { time: '2026-03-04T05:06:07Z', action: 'Removed', email: 'old@x.io' },
    ]);
  });

  it('starts a history when there is none, and leaves it unchanged when nothing changed', () => {
    expect(appendHistory(undefined, ['a@x.io'], [], NOW)).to.deep.equal([
      { time: '2026-03-04T05:06:07Z', action: 'Added', email: 'a@x.io' },
    ]);
    const old: StaffHistoryEntry[] = [{ time: '2026-01-01T00:00:00Z', action: 'Added', email: 'a@x.io' }];
    expect(appendHistory(old, [], [], NOW)).to.deep.equal(old);
  });

  it(`is bounded at MAX_HISTORY (${MAX_HISTORY}) entries, keeping the newest`, () => {
    const old: StaffHistoryEntry[] = Array.from({ length: MAX_HISTORY - 1 }, (_, i) => ({
      time: '2026-01-01T00:00:00Z',
      action: 'Added',
      email: `u${i}@x.io`,
    }));
    const h = appendHistory(old, ['new1@x.io', 'new2@x.io'], ['u0@x.io'], NOW);
    expect(h).to.have.length(MAX_HISTORY);
    expect(h[0]!.email, 'the two oldest are dropped').to.equal('u2@x.io');
    expect(h.slice(-3).map((e) => `${e.action} ${e.email}`)).to.deep.equal([
      'Added new1@x.io',
      'Added new2@x.io',
      'Removed u0@x.io',
    ]);
    expect(old, 'the input is not modified').to.have.length(MAX_HISTORY - 1);
  });
});

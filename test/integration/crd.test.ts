/**
 * The generated CRDs in a real API server: what the schema and its CEL rules refuse at `kubectl apply`, with
 * the message a user sees; that a valid resource is stored as written; and what kubectl shows of it.
 */
import { expect } from 'chai';
import { API_VERSION, CATEGORY, GROUP } from '../../src/api/constants.js';
import { validateSpec } from '../../src/validation/index.js';
import { installCrds, kubectl, kubectlOk } from './crds-helper.js';
import { freshNamespace } from './env.js';

type Spec = Record<string, unknown>;

const ref = (name: string, key: string) => ({ secretKeyRef: { name, key } });

const instanceSettings = (namespace: string, spec: Spec, name = 'posthog') => ({
  apiVersion: API_VERSION,
  kind: 'InstanceSettings',
  metadata: { name, namespace },
  spec,
});

const apply = (obj: unknown) => kubectl(['apply', '-f', '-'], JSON.stringify(obj));

function get(namespace: string, resource: string, name: string): Record<string, unknown> {
  return JSON.parse(kubectlOk(['get', resource, name, '-n', namespace, '-o', 'json'])) as Record<string, unknown>;
}

/** A valid spec that touches every section. */
const fullSpec: Spec = {
  posthogVersion: '1.43.0',
  settings: {
    EMAIL_HOST: 'smtp.example.com',
    EMAIL_PORT: 587,
    EMAIL_USE_TLS: true,
    AGGREGATE_BY_DISTINCT_IDS_TEAMS: '1,2',
  },
  secretSettings: { EMAIL_HOST_PASSWORD: ref('smtp', 'password') },
  env: { SITE_URL: 'https://posthog.example.com', IS_BEHIND_PROXY: 'true' },
  secretEnv: { SECRET_KEY: ref('posthog', 'secret-key') },
  staffUsers: ['alice@example.com', 'bob@example.com'],
  targets: {
    selector: {
      matchLabels: { 'app.kubernetes.io/part-of': 'posthog' },
      matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'worker'] }],
    },
    kinds: ['Deployment', 'StatefulSet'],
  },
  rollout: 'Manual',
};

describe('InstanceSettings CRD in the API server', () => {
  before(async function () {
    this.timeout(120_000);
    await installCrds();
  });

  it('installs idempotently: a second install is a no-op', async () => {
    await installCrds();
    const established = kubectlOk([
      'get',
      'crd',
      `instancesettings.${GROUP}`,
      `instancestaffs.${GROUP}`,
      '-o',
      'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Established")].status}{"\\n"}{end}',
    ]);
    expect(established.trim().split('\n')).to.deep.equal(['True', 'True']);
  });

  describe('refuses at kubectl apply', () => {
    const cases: { what: string; spec: Spec; says: string[] }[] = [
      {
        what: 'a string for an integer setting',
        spec: { settings: { EMAIL_PORT: 'abc' } },
        says: ['spec.settings.EMAIL_PORT', 'must be of type integer'],
      },
      {
        what: 'an integer setting out of range',
        spec: { settings: { EMAIL_PORT: 70000 } },
        says: ['spec.settings.EMAIL_PORT', 'should be less than or equal to 65535'],
      },
      {
        what: 'a quoted "true" for a boolean setting',
        spec: { settings: { EMAIL_USE_TLS: 'true' } },
        says: ['spec.settings.EMAIL_USE_TLS', 'must be of type boolean'],
      },
      {
        what: 'a setting value outside its allowed set',
        spec: { settings: { CLICKHOUSE_KILL_SWITCH: 'on' } },
        says: ['spec.settings.CLICKHOUSE_KILL_SWITCH', 'Unsupported value: "on"', '"off", "light", "full"'],
      },
      {
        what: 'a malformed team-id list written as text',
        spec: { settings: { AGGREGATE_BY_DISTINCT_IDS_TEAMS: '1,a' } },
        says: ['spec.settings.AGGREGATE_BY_DISTINCT_IDS_TEAMS', 'should match'],
      },
      {
        what: 'a malformed team-id list written as a list',
        spec: { settings: { CLICKHOUSE_ENABLE_ANALYZER_TEAMS: [1, 'x'] } },
        says: ['spec.settings.CLICKHOUSE_ENABLE_ANALYZER_TEAMS[1]', 'must be of type integer'],
      },
      {
        what: 'an unknown spec field (kubectl asks for strict field validation)',
        spec: { setings: { EMAIL_HOST: 'smtp.example.com' } },
        says: ['unknown field "spec.setings"'],
      },
      {
        what: 'a rollout mode outside the enum',
        spec: { rollout: 'Sometimes' },
        says: ['spec.rollout', 'Unsupported value: "Sometimes"', '"Auto"', '"Manual"'],
      },
      {
        what: 'a posthogVersion that is not a version',
        spec: { posthogVersion: '1.x' },
        says: ['spec.posthogVersion', 'should match'],
      },
      {
        what: 'a secretKeyRef without its key',
        spec: { secretSettings: { EMAIL_HOST_PASSWORD: { secretKeyRef: { name: 'smtp' } } } },
        says: ['a secretKeyRef needs both name (the Secret) and key'],
      },
      {
        what: 'a secretKeyRef naming no valid Secret',
        spec: { secretEnv: { SECRET_KEY: ref('Not_A_Secret', 'key') } },
        says: ['secretKeyRef.name must be a Secret name'],
      },
      {
        what: 'a secret setting as a plain value',
        spec: { settings: { EMAIL_HOST_PASSWORD: 'hunter2' } },
        says: ['EMAIL_HOST_PASSWORD is a secret setting', 'spec.secretSettings.EMAIL_HOST_PASSWORD.secretKeyRef'],
      },
      {
        what: 'the same name in env and secretEnv',
        spec: { env: { SITE_URL: 'https://a.example.com' }, secretEnv: { SITE_URL: ref('s', 'url') } },
        says: ['a name appears in both spec.env and spec.secretEnv'],
      },
      {
        what: 'an instance setting both in settings and in env',
        spec: { settings: { EMAIL_HOST: 'smtp.example.com' }, env: { EMAIL_HOST: 'smtp.example.com' } },
        says: ['a name appears in both spec.settings and spec.env'],
      },
      {
        what: 'a setting both in settings and in secretSettings',
        spec: { settings: { EMAIL_HOST: 'smtp.example.com' }, secretSettings: { EMAIL_HOST: ref('smtp', 'host') } },
        says: ['a name appears in both spec.settings and spec.secretSettings'],
      },
      {
        what: 'an environment variable name a container cannot have',
        spec: { env: { '1FOO': 'x' } },
        says: ['environment variable names are letters, digits and underscores'],
      },
    ];

    for (const c of cases) {
      it(`${c.what}, saying so`, async () => {
        const ns = await freshNamespace('crd');
        const r = apply(instanceSettings(ns, c.spec));
        expect(r.status, `kubectl apply should fail; stdout: ${r.stdout}`).to.not.equal(0);
        for (const words of c.says) expect(r.stderr).to.include(words);
        expect(kubectlOk(['get', 'instancesettings', '-n', ns, '-o', 'name']).trim()).to.equal('');
        // A secret value is never echoed back.
        expect(r.stderr).to.not.include('hunter2');
        // Offline validation refuses it too, so `posthog-settings validate` catches it before the cluster does.
        expect(validateSpec(c.spec).errors, 'offline validation errors').to.not.be.empty;
      });
    }

    it('a resource without a spec', async () => {
      const ns = await freshNamespace('crd');
      const r = apply({ apiVersion: API_VERSION, kind: 'InstanceSettings', metadata: { name: 'x', namespace: ns } });
      expect(r.status).to.not.equal(0);
      expect(r.stderr).to.include('spec');
    });
  });

  describe('stores a valid resource', () => {
    it('as written, every section round-tripping unchanged', async () => {
      const ns = await freshNamespace('crd');
      expect(validateSpec(fullSpec).errors).to.deep.equal([]);
      const r = apply(instanceSettings(ns, fullSpec));
      expect(r.status, r.stderr).to.equal(0);
      const stored = get(ns, 'instancesettings', 'posthog');
      expect(stored.spec).to.deep.equal(fullSpec);
      // Applying the same again changes nothing.
      const again = apply(instanceSettings(ns, fullSpec));
      expect(again.status, again.stderr).to.equal(0);
      expect(again.stdout).to.include('unchanged');
    });

    it('with posthogVersion "latest" and rollout Auto when omitted', async () => {
      const ns = await freshNamespace('crd');
      const spec = { settings: { EMAIL_HOST: 'smtp.example.com' } };
      const r = apply(instanceSettings(ns, spec));
      expect(r.status, r.stderr).to.equal(0);
      expect(get(ns, 'instancesettings', 'posthog').spec).to.deep.equal({
        ...spec,
        posthogVersion: 'latest',
        rollout: 'Auto',
      });
    });

    it('keeping a settings key the schema does not list, so the operator can report it by name', async () => {
      const ns = await freshNamespace('crd');
      const spec = { posthogVersion: 'latest', rollout: 'Auto', settings: { EMAIL_HOTS: 'smtp.example.com' } };
      const r = apply(instanceSettings(ns, spec));
      expect(r.status, r.stderr).to.equal(0);
      expect(get(ns, 'instancesettings', 'posthog').spec).to.deep.equal(spec);
      expect(
        validateSpec(spec)
          .errors.map((e) => e.message)
          .join('\n'),
      ).to.include('did you mean EMAIL_HOST');
    });

    it('an InstanceStaff too', async () => {
      const ns = await freshNamespace('crd');
      const staff = {
        apiVersion: API_VERSION,
        kind: 'InstanceStaff',
        metadata: { name: 'posthog', namespace: ns },
        spec: { users: ['alice@example.com', 'bob@example.com'] },
      };
      const r = apply(staff);
      expect(r.status, r.stderr).to.equal(0);
      expect(get(ns, 'instancestaffs', 'posthog').spec).to.deep.equal(staff.spec);
      const missing = apply({ ...staff, metadata: { name: 'empty', namespace: ns }, spec: {} });
      expect(missing.status).to.not.equal(0);
      expect(missing.stderr).to.include('spec.users');
    });
  });

  describe('in kubectl', () => {
    it('lists the resource by short name and category, with its printer columns', async () => {
      const ns = await freshNamespace('crd');
      expect(apply(instanceSettings(ns, { posthogVersion: '2026-04' })).status).to.equal(0);
      const table = kubectlOk(['get', 'phis', '-n', ns]);
      const [header, row] = table.trim().split('\n');
      expect(header!.split(/\s+/)).to.deep.equal(['NAME', 'READY', 'VERSION', 'SETTINGS', 'AGE']);
      expect(row!.split(/\s+/).slice(0, 1)).to.deep.equal(['posthog']);
      expect(row).to.include('2026-04');
      const wide = kubectlOk(['get', 'phis', '-n', ns, '-o', 'wide']).split('\n')[0]!;
      expect(wide.split(/\s+/)).to.include.members(['ENV', 'ENV-HASH', 'STATUS']);
      expect(kubectlOk(['get', CATEGORY, '-n', ns, '-o', 'name']).trim()).to.equal(`instancesettings.${GROUP}/posthog`);
    });

    it('explains spec.settings key by key', () => {
      const out = kubectlOk(['explain', 'instancesettings.spec.settings']);
      expect(out).to.include('EMAIL_HOST');
      expect(out).to.include('SMTP server host name.');
      expect(out).to.include('EMAIL_PORT');
      expect(out).to.include('<integer>');
    });

    it('explains a single setting with its type and history', () => {
      const out = kubectlOk(['explain', 'instancesettings.spec.settings.EMAIL_PORT']);
      expect(out).to.include('SMTP server port.');
      expect(out).to.include('In PostHog from 1.33.0');
    });
  });
});

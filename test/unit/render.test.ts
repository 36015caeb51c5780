/**
 * `posthog-settings render` as users and pipelines run it: a real process on real files, checking that what it
 * prints is what the operator would write (objects, redaction, and the exact env hash given the hash key).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import yaml from 'js-yaml';
import { envHash } from '../../src/projection/index.js';

// Compiled to dist/test/unit/, three levels below the repository root.
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const mainJs = join(repoRoot, 'dist', 'src', 'cli', 'main.js');

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

function render(args: string[]): Result {
  const r = spawnSync(process.execPath, [mainJs, 'render', ...args], { cwd: repoRoot, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

type Obj = {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; ownerReferences?: { uid: string; controller: boolean }[] };
  data?: Record<string, string>;
  spec?: { users?: string[] };
  '# rollout'?: { mode: string; annotation: string; value: string; targets: unknown };
};

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

const SMTP_PASSWORD = 'smtp-pass-Qx7';
const DJANGO_KEY = 'django-key-Zr9';
const SITE_URL = 'https://posthog.example.com';
// Random-looking bytes, several not valid as UTF-8: the key must be used as raw bytes.
const HASH_KEY = Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 89 + 131) % 256));

const INSTANCE = `apiVersion: posthog-operator.dev/v1alpha1
kind: InstanceSettings
metadata:
  name: posthog
  namespace: analytics
spec:
  settings:
    EMAIL_HOST: smtp.example.com
    EMAIL_PORT: 587
    EMAIL_USE_TLS: true
  secretSettings:
    EMAIL_HOST_PASSWORD: {secretKeyRef: {name: smtp, key: password}}
  env:
    SITE_URL: "${SITE_URL}"
  secretEnv:
    SECRET_KEY: {secretKeyRef: {name: posthog, key: secret-key}}
  staffUsers: [a@example.com, b@example.com]
  targets: {selector: {matchLabels: {app: posthog}}, kinds: [Deployment]}
`;

const SMTP_SECRET = `apiVersion: v1
kind: Secret
metadata: {name: smtp, namespace: analytics}
data:
  password: ${b64(SMTP_PASSWORD)}
`;
const POSTHOG_SECRET = `apiVersion: v1
kind: Secret
metadata: {name: posthog, namespace: analytics}
stringData:
  secret-key: ${DJANGO_KEY}
`;
const HASH_KEY_SECRET = `apiVersion: v1
kind: Secret
metadata: {name: posthog-hash-key, namespace: analytics}
data:
  hmac-key: ${HASH_KEY.toString('base64')}
`;

const docs = (...d: string[]) => d.join('---\n');

describe('posthog-settings render', () => {
  let dir: string;
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'posthog-settings-render-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function renderOk(args: string[]): Obj[] {
    const r = render(args);
    expect(r.status, r.stderr).to.equal(0);
    return yaml.loadAll(r.stdout) as Obj[];
  }

  const rollout = (objects: Obj[]) => objects.find((o) => o['# rollout'])!['# rollout']!;

  describe('a valid InstanceSettings with its Secrets', () => {
    let instance: string;
    let secrets: string;
    beforeEach(() => {
      instance = file('instance.yaml', INSTANCE);
      secrets = file('secrets.yaml', docs(SMTP_SECRET, POSTHOG_SECRET));
    });

    it('prints the two ConfigMaps, the Secret, the InstanceStaff and the rollout, in that order', () => {
      const objects = renderOk(['-f', instance, '--secrets', secrets]);
      expect(objects.map((o) => (o['# rollout'] ? 'rollout' : `${o.kind}/${o.metadata?.name}`))).to.deep.equal([
        'ConfigMap/posthog-settings',
        'ConfigMap/posthog-env',
        'Secret/posthog-secrets',
        'InstanceStaff/posthog',
        'rollout',
      ]);
      const [settings, env, , staff] = objects;
      expect(settings!.metadata!.namespace).to.equal('analytics');
      expect(settings!.data).to.include({ EMAIL_HOST: 'smtp.example.com', EMAIL_PORT: '587', EMAIL_USE_TLS: 'true' });
      expect(JSON.parse(settings!.data!['settings.json']!)).to.include({ EMAIL_PORT: 587, EMAIL_USE_TLS: true });
      expect(env!.data).to.deep.equal({ SITE_URL });
      expect(staff!.spec).to.deep.equal({ users: ['a@example.com', 'b@example.com'] });
      expect(settings!.metadata!.ownerReferences![0]).to.include({ controller: true });
    });

    it('redacts the secret values by default', () => {
      const r = render(['-f', instance, '--secrets', secrets]);
      expect(r.status, r.stderr).to.equal(0);
      const secret = (yaml.loadAll(r.stdout) as Obj[]).find((o) => o.kind === 'Secret')!;
      expect(secret.data).to.deep.equal({ EMAIL_HOST_PASSWORD: '<redacted>', SECRET_KEY: '<redacted>' });
      for (const leak of [SMTP_PASSWORD, DJANGO_KEY, b64(SMTP_PASSWORD), b64(DJANGO_KEY)]) {
        expect(r.stdout).to.not.include(leak);
        expect(r.stderr).to.not.include(leak);
      }
    });

    it('prints the real base64 values with --show-secrets', () => {
      const objects = renderOk(['-f', instance, '--secrets', secrets, '--show-secrets']);
      const secret = objects.find((o) => o.kind === 'Secret')!;
      expect(secret.data).to.deep.equal({ EMAIL_HOST_PASSWORD: b64(SMTP_PASSWORD), SECRET_KEY: b64(DJANGO_KEY) });
    });

    it('prints no InstanceStaff when staffUsers is not set', () => {
      const path = file('nostaff.yaml', INSTANCE.replace(/ {2}staffUsers:.*\n/, ''));
      const objects = renderOk(['-f', path, '--secrets', secrets]);
      expect(objects.map((o) => o.kind)).to.not.include('InstanceStaff');
    });

    it('says the env hash is computed in the cluster when the hash key is not given', () => {
      const r = rollout(renderOk(['-f', instance, '--secrets', secrets]));
      expect(r.mode).to.equal('Auto');
      expect(r.annotation).to.equal('posthog-operator.dev/env-hash');
      expect(r.value).to.include('computed in the cluster').and.include('posthog-hash-key');
      expect(r.targets).to.deep.equal({ kinds: ['Deployment'], selector: { matchLabels: { app: 'posthog' } } });
    });

    it('prints the env hash the operator would write when given the hash-key Secret', () => {
      const withKey = file('with-key.yaml', docs(SMTP_SECRET, POSTHOG_SECRET, HASH_KEY_SECRET));
      const r = rollout(renderOk(['-f', instance, '--secrets', withKey]));
      expect(r.value).to.match(/^[0-9a-f]{32}$/);
      expect(r.value).to.equal(envHash(HASH_KEY, { SITE_URL }, [['SECRET_KEY', DJANGO_KEY]]));
    });

    it('prints an env hash that follows secret env values and not secret settings', () => {
      const withKey = file('with-key.yaml', docs(SMTP_SECRET, POSTHOG_SECRET, HASH_KEY_SECRET));
      const before = rollout(renderOk(['-f', instance, '--secrets', withKey])).value;
      const newSmtp = file(
        'smtp-changed.yaml',
        docs(SMTP_SECRET.replace(b64(SMTP_PASSWORD), b64('other')), POSTHOG_SECRET, HASH_KEY_SECRET),
      );
      expect(rollout(renderOk(['-f', instance, '--secrets', newSmtp])).value).to.equal(before);
      const newKey = file(
        'key-changed.yaml',
        docs(SMTP_SECRET, POSTHOG_SECRET.replace(DJANGO_KEY, 'rotated'), HASH_KEY_SECRET),
      );
      expect(rollout(renderOk(['-f', instance, '--secrets', newKey])).value).to.not.equal(before);
    });

    it('prints one JSON array with --output json', () => {
      const r = render(['-f', instance, '--secrets', secrets, '--output', 'json']);
      expect(r.status, r.stderr).to.equal(0);
      const out = JSON.parse(r.stdout) as Obj[];
      expect(out).to.be.an('array').with.length(5);
      expect(out.slice(0, 4).map((o) => o.kind)).to.deep.equal(['ConfigMap', 'ConfigMap', 'Secret', 'InstanceStaff']);
      expect(out[2]!.data).to.deep.equal({ EMAIL_HOST_PASSWORD: '<redacted>', SECRET_KEY: '<redacted>' });
    });

    it('skips documents that are not InstanceSettings', () => {
      const path = file('mixed.yaml', docs('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\n', INSTANCE));
      const objects = renderOk(['-f', path, '--secrets', secrets]);
      expect(objects.map((o) => o.metadata?.name)).to.not.include('other');
      expect(objects).to.have.length(5);
    });
  });

  describe('failures', () => {
    it('exits 1 naming a referenced Secret that was not supplied', () => {
      const instance = file('instance.yaml', INSTANCE);
      const secrets = file('secrets.yaml', POSTHOG_SECRET);
      const r = render(['-f', instance, '--secrets', secrets]);
      expect(r.status).to.equal(1);
      expect(r.stderr).to.include('spec.secretSettings.EMAIL_HOST_PASSWORD.secretKeyRef');
      expect(r.stderr).to.include('Secret "smtp" not found').and.include('--secrets');
      expect(r.stderr).to.not.include(DJANGO_KEY);
    });

    it('exits 1 when no Secrets are given at all', () => {
      const r = render(['-f', file('instance.yaml', INSTANCE)]);
      expect(r.status).to.equal(1);
      expect(r.stderr).to.include('Secret "smtp" not found').and.include('Secret "posthog" not found');
    });

    it('exits 1 for an invalid spec, naming the field', () => {
      const path = file('invalid.yaml', INSTANCE.replace('EMAIL_PORT: 587', 'EMAIL_PORT: abc'));
      const r = render(['-f', path, '--secrets', file('secrets.yaml', docs(SMTP_SECRET, POSTHOG_SECRET))]);
      expect(r.status).to.equal(1);
      expect(r.stderr).to.include('error: posthog: spec.settings.EMAIL_PORT: "abc" is not an integer');
    });

    it('reads YAML as kubectl and validate do: unquoted off is a boolean, not the text "off"', () => {
      const path = file(
        'yaml11.yaml',
        INSTANCE.replace('EMAIL_PORT: 587', 'EMAIL_PORT: 587\n    CLICKHOUSE_KILL_SWITCH: off'),
      );
      const r = render(['-f', path, '--secrets', file('secrets.yaml', docs(SMTP_SECRET, POSTHOG_SECRET))]);
      expect(r.status).to.equal(1);
      expect(r.stderr).to.include('spec.settings.CLICKHOUSE_KILL_SWITCH');
    });

    it('exits 2 without -f', () => {
      const r = render([]);
      expect(r.status).to.equal(2);
      expect(r.stderr).to.include('-f FILE is required');
    });

    it('exits 2 for a file that cannot be read', () => {
      const r = render(['-f', join(dir, 'missing.yaml')]);
      expect(r.status).to.equal(2);
      expect(r.stderr).to.include('missing.yaml');
    });
  });
});

/** The CLI as users and CI run it: a real process, real files, asserting on output and exit codes. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

// Compiled to dist/test/unit/, three levels below the repository root.
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], input?: string): Result {
  const r = spawnSync(process.execPath, ['dist/src/cli/main.js', ...args], {
    cwd: repoRoot,
    input,
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const VALID = `apiVersion: v1
kind: ConfigMap
metadata:
  name: unrelated
data:
  a: b
---
apiVersion: posthog-operator.dev/v1alpha1
kind: InstanceSettings
metadata:
  name: posthog
  namespace: analytics
spec:
  posthogVersion: "1.43.0"
  settings:
    EMAIL_HOST: smtp.example.com
    EMAIL_PORT: 587
    EMAIL_USE_TLS: true
  secretSettings:
    EMAIL_HOST_PASSWORD: {secretKeyRef: {name: smtp, key: password}}
  env:
    SITE_URL: "https://posthog.example.com"
  secretEnv:
    SECRET_KEY: {secretKeyRef: {name: posthog, key: secret-key}}
  staffUsers: [a@example.com, b@example.com]
  targets: {selector: {matchLabels: {app: posthog}}}
`;

// Line numbers below are asserted exactly: EMAIL_HOTS's value is at 8:17, EMAIL_PORT's at 9:17.
const INVALID = `apiVersion: posthog-operator.dev/v1alpha1
kind: InstanceSettings
metadata:
  name: broken
spec:
  posthogVersion: "1.43.0"
  settings:
    EMAIL_HOTS: smtp.example.com
    EMAIL_PORT: abc
  staffUsers: [a@example.com, b@example.com]
`;

describe('posthog-settings CLI', () => {
  let dir: string;
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'posthog-settings-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('usage', () => {
    it('lists the commands on --help and exits 0', () => {
      const r = cli(['--help']);
      expect(r.status).to.equal(0);
      expect(r.stdout).to.include('validate').and.to.include('catalog').and.to.include('explain');
    });

    it('exits 2 without a command or with an unknown one', () => {
      expect(cli([]).status).to.equal(2);
      const r = cli(['valdate']);
      expect(r.status).to.equal(2);
      expect(r.stderr).to.include('did you mean validate?');
    });

    it('exits 2 on an unknown flag', () => {
      expect(cli(['validate', '--nope', 'x.yaml']).status).to.equal(2);
    });
  });

  describe('validate', () => {
    it('accepts a valid resource and counts the other documents it skipped', () => {
      const r = cli(['validate', file('valid.yaml', VALID)]);
      expect(r.stderr).to.equal('');
      expect(r.status).to.equal(0);
      expect(r.stdout.trim()).to.equal('1 InstanceSettings checked, 0 invalid, 1 other document skipped');
    });

    it('reports each problem at file:line:col and exits 1', () => {
      const path = file('invalid.yaml', INVALID);
      const r = cli(['validate', path]);
      expect(r.status).to.equal(1);
      expect(r.stdout).to.include(`${path}:9:17: error: spec.settings.EMAIL_PORT: "abc" is not an integer`);
      expect(r.stdout).to.include(`${path}:8:17: error: spec.settings.EMAIL_HOTS: `);
      expect(r.stdout).to.include('did you mean EMAIL_HOST?');
      expect(r.stdout).to.include('1 InstanceSettings checked, 1 invalid, 0 other documents skipped');
    });

    it('points a missing field at its nearest ancestor', () => {
      const path = file('noname.yaml', INVALID.replace('  name: broken\n', '  labels: {a: b}\n'));
      const r = cli(['validate', path]);
      expect(r.stdout).to.include(`${path}:3:1: error: metadata.name: is required`);
    });

    it('explains a YAML 1.1 boolean where a string was meant', () => {
      const text = INVALID.replace('1.43.0', 'latest').replace(
        / {4}EMAIL_HOTS.*\n {4}EMAIL_PORT.*\n/,
        '    CLICKHOUSE_KILL_SWITCH: off\n',
      );
      const r = cli(['validate', file('kill.yaml', text)]);
      expect(r.status).to.equal(1);
      expect(r.stdout).to.include('CLICKHOUSE_KILL_SWITCH').and.to.include('write "off"');
    });

    it('prints one JSON object with --output json', () => {
      const valid = file('valid.yaml', VALID);
      const invalid = file('invalid.yaml', INVALID);
      const r = cli(['validate', '--output', 'json', valid, invalid]);
      expect(r.status).to.equal(1);
      const out = JSON.parse(r.stdout) as {
        files: string[];
        documents: {
          file: string;
          index: number;
          name: string;
          namespace: string | null;
          valid: boolean;
          errors: { line: number; col: number; path: string }[];
        }[];
        summary: { checked: number; invalid: number; skipped: number };
      };
      expect(out.files).to.deep.equal([valid, invalid]);
      expect(out.summary).to.deep.equal({ checked: 2, invalid: 1, skipped: 1 });
      const [ok, bad] = out.documents;
      expect(ok).to.include({ file: valid, index: 1, name: 'posthog', namespace: 'analytics', valid: true });
      expect(bad).to.include({ file: invalid, index: 0, name: 'broken', namespace: null, valid: false });
      expect(bad!.errors).to.deep.include({
        line: 9,
        col: 17,
        path: 'spec.settings.EMAIL_PORT',
        message: '"abc" is not an integer; write a whole number, e.g. EMAIL_PORT: 25',
      });
    });

    it('searches a directory for YAML files', () => {
      mkdirSync(join(dir, 'nested'));
      file('nested/a.yml', VALID);
      file('b.yaml', INVALID);
      file('notes.txt', 'not: [yaml');
      const r = cli(['validate', dir]);
      expect(r.status).to.equal(1);
      expect(r.stdout).to.include(`${join(dir, 'b.yaml')}:9:17:`);
      expect(r.stdout).to.include('2 InstanceSettings checked, 1 invalid, 1 other document skipped');
    });

    it('reads standard input for -', () => {
      const r = cli(['validate', '-'], INVALID);
      expect(r.status).to.equal(1);
      expect(r.stdout).to.include('<stdin>:9:17: error: spec.settings.EMAIL_PORT');
    });

    it('fails the run on warnings only with --strict', () => {
      const one = file('one.yaml', VALID.replace('[a@example.com, b@example.com]', '[a@example.com]'));
      const lax = cli(['validate', one]);
      expect(lax.status).to.equal(0);
      expect(lax.stdout).to.include('warning: spec.staffUsers: only one staff user');
      expect(cli(['validate', '--strict', one]).status).to.equal(1);
    });

    it('exits 2 for a path that cannot be read', () => {
      const r = cli(['validate', join(dir, 'missing.yaml')]);
      expect(r.status).to.equal(2);
      expect(r.stderr).to.include('missing.yaml: error: cannot read: no such file or directory');
    });

    it('exits 2 for a YAML syntax error, reported at file:line:col', () => {
      const path = file('syntax.yaml', 'apiVersion: v1\nkind: [ConfigMap\nmetadata: {}\n');
      const r = cli(['validate', path]);
      expect(r.status).to.equal(2);
      expect(r.stderr).to.match(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: error: `, 'm'));
    });
  });

  describe('catalog', () => {
    it('lists the settings of a version, naming the snapshot it resolved to', () => {
      const r = cli(['catalog', '--version', '1.33.0']);
      expect(r.status).to.equal(0);
      expect(r.stdout.split('\n')[0]).to.include('catalog snapshot 1.33.0');
      expect(r.stdout).to.match(/^EMAIL_HOST +str +"" +no +yes +1\.33\.0$/m);
      expect(r.stdout).not.to.include('CLICKHOUSE_KILL_SWITCH');
    });

    it('prints JSON with --output json', () => {
      const r = cli(['catalog', '--output', 'json']);
      const out = JSON.parse(r.stdout) as { snapshot: { id: string }; settings: { key: string }[] };
      expect(out.snapshot.id).to.equal('2026-04');
      expect(out.settings.map((s) => s.key)).to.include('CLICKHOUSE_KILL_SWITCH');
    });

    it('lists environment-only variables with --env', () => {
      const r = cli(['catalog', '--env']);
      expect(r.status).to.equal(0);
      expect(r.stdout).to.match(/^SECRET_KEY +str +yes +/m);
    });

    it('exits 2 for a version it does not know, saying what to write', () => {
      const r = cli(['catalog', '--version', '2.0.0']);
      expect(r.status).to.equal(2);
      expect(r.stderr).to.include('"latest"');
    });
  });

  describe('explain', () => {
    it('puts a secret setting under secretSettings', () => {
      const r = cli(['explain', 'EMAIL_HOST_PASSWORD']);
      expect(r.status).to.equal(0);
      expect(r.stdout).to.include('spec.secretSettings').and.to.include('secretKeyRef:');
    });

    it('explains environment-only variables too', () => {
      const r = cli(['explain', 'SITE_URL']);
      expect(r.status).to.equal(0);
      expect(r.stdout).to.include('environment-only').and.to.include('spec.env');
    });

    it('suggests the closest key for a misspelt one and exits 1', () => {
      const r = cli(['explain', 'EMAIL_HOTS']);
      expect(r.status).to.equal(1);
      expect(r.stderr).to.include('did you mean EMAIL_HOST');
    });
  });
});

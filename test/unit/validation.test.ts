/**
 * The shared validation (src/validation) and the catalog it reads (src/catalog): for every rule a spec that
 * passes and one that does not, with the field the problem is reported at and the words that tell the fix.
 */
import { expect } from 'chai';
import {
  allEnvNames,
  allSettingKeys,
  availability,
  editDistance,
  findSetting,
  LATEST,
  resolveVersion,
  settingDefs,
  settingsIn,
  snapshots,
  suggest,
  VersionError,
} from '../../src/catalog/index.js';
import {
  formatIssue,
  formatPath,
  validateSpec,
  type Issue,
  type ValidationResult,
} from '../../src/validation/index.js';

const ref = (name: string, key: string) => ({ secretKeyRef: { name, key } });
/** Keeps env-related specs free of the "no targets" warning, so warning assertions see only the rule under test. */
const targets = { selector: { matchLabels: { 'app.kubernetes.io/part-of': 'posthog' } } };

const show = (issues: Issue[]) => issues.map(formatIssue).join('\n') || '(none)';

/** The spec has no errors at all, and resolves. */
function expectValid(spec: unknown): ValidationResult {
  const r = validateSpec(spec);
  expect(r.errors, `unexpected errors:\n${show(r.errors)}`).to.deep.equal([]);
  expect(r.resolved, 'a valid spec resolves').to.not.equal(undefined);
  return r;
}

/** The spec has exactly one error, at `path`, whose message contains every one of `words`. */
function expectOnlyError(spec: unknown, path: string, ...words: string[]): Issue {
  const r = validateSpec(spec);
  expect(
    r.errors.map((e) => formatPath(e.path)),
    `errors:\n${show(r.errors)}`,
  ).to.deep.equal([path]);
  const issue = r.errors[0]!;
  expect(issue.severity).to.equal('error');
  for (const w of words) expect(issue.message, `message at ${path}`).to.include(w);
  expect(r.resolved, 'a spec with errors does not resolve').to.equal(undefined);
  return issue;
}

/** Among the errors there is one at `path` whose message contains every one of `words`. */
function expectErrorAt(r: ValidationResult, path: string, ...words: string[]): Issue {
  const hit = r.errors.find((e) => formatPath(e.path) === path && words.every((w) => e.message.includes(w)));
  expect(hit, `no error at ${path} saying ${JSON.stringify(words)}; errors:\n${show(r.errors)}`).to.not.equal(
    undefined,
  );
  return hit!;
}

function warningsAt(r: ValidationResult, path: string): Issue[] {
  return r.warnings.filter((w) => formatPath(w.path) === path);
}

describe('validateSpec', () => {
  describe('settings keys', () => {
    it('accepts a known key and suggests the nearest one for a misspelt key', () => {
      expectValid({ settings: { EMAIL_HOST: 'smtp.example.com' } });
      expectOnlyError(
        { settings: { EMAIL_HOTS: 'smtp.example.com' } },
        'spec.settings.EMAIL_HOTS',
        'unknown instance setting EMAIL_HOTS',
        'did you mean EMAIL_HOST?',
      );
    });

    it('points to the catalog when nothing is close', () => {
      expectOnlyError({ settings: { ZZZZQQQ: 1 } }, 'spec.settings.ZZZZQQQ', 'unknown', 'posthog-settings catalog');
    });

    it('refuses a key that is not an upper-case identifier', () => {
      const r = validateSpec({ settings: { email_host: 'x' } });
      expectErrorAt(r, 'spec.settings.email_host', 'is not a setting key', 'upper-case');
    });

    it('says when a key not yet in the named version was added', () => {
      expectValid({ posthogVersion: '1.33.0', settings: { EMAIL_HOST: 'smtp.example.com' } });
      expectOnlyError(
        { posthogVersion: '1.32.0', settings: { EMAIL_HOST: 'smtp.example.com' } },
        'spec.settings.EMAIL_HOST',
        'added in 1.33.0',
        'PostHog 1.32.0 does not have it',
        'spec.posthogVersion',
      );
    });

    it('says when a key was removed before the named version', () => {
      expectValid({ posthogVersion: '2025-11', settings: { RECORDINGS_TTL_WEEKS: 3 } });
      expectOnlyError(
        { settings: { RECORDINGS_TTL_WEEKS: 3 } },
        'spec.settings.RECORDINGS_TTL_WEEKS',
        'removed in the 2026-04 catalog',
        'remove the key',
      );
      expectOnlyError(
        { posthogVersion: 'latest', settings: { RECORDINGS_TTL_WEEKS: 3 } },
        'spec.settings.RECORDINGS_TTL_WEEKS',
        'removed',
      );
    });

    it('knows a key that lived for one release only', () => {
      expectValid({ posthogVersion: '1.36.0', settings: { NEW_COHORT_QUERY_TEAMS: '1,2' } });
      expectOnlyError(
        { posthogVersion: '1.37.0', settings: { NEW_COHORT_QUERY_TEAMS: '1,2' } },
        'spec.settings.NEW_COHORT_QUERY_TEAMS',
        'removed in 1.37.0',
        'PostHog 1.37.0 no longer has it',
      );
      expectOnlyError(
        { posthogVersion: '1.34.0', settings: { NEW_COHORT_QUERY_TEAMS: '1,2' } },
        'spec.settings.NEW_COHORT_QUERY_TEAMS',
        'added in 1.36.0',
      );
    });

    it('warns, without refusing, about a key the catalog cannot confirm for the version', () => {
      const latest = expectValid({ settings: { RATE_LIMIT_ENABLED: true } });
      expect(latest.warnings, show(latest.warnings)).to.deep.equal([]);

      const r = expectValid({ posthogVersion: '1.40.0', settings: { RATE_LIMIT_ENABLED: true } });
      const w = warningsAt(r, 'spec.settings.RATE_LIMIT_ENABLED');
      expect(w, show(r.warnings)).to.have.length(1);
      expect(w[0]!.severity).to.equal('warning');
      expect(w[0]!.message).to.include('cannot confirm PostHog 1.40.0');
      expect(r.resolved!.settings.map((s) => s.key)).to.deep.equal(['RATE_LIMIT_ENABLED']);

      // Before the window in which it may have appeared, it is an error again.
      expectOnlyError(
        { posthogVersion: '1.37.0', settings: { RATE_LIMIT_ENABLED: true } },
        'spec.settings.RATE_LIMIT_ENABLED',
        'added in',
      );
    });

    it('warns that a setting PostHog reads only at start takes effect at the next restart', () => {
      const r = expectValid({ settings: { MATERIALIZED_COLUMNS_ENABLED: false } });
      const w = warningsAt(r, 'spec.settings.MATERIALIZED_COLUMNS_ENABLED');
      expect(w, show(r.warnings)).to.have.length(1);
      expect(w[0]!.message).to.include('restart');
    });
  });

  describe('settings values', () => {
    it('checks integers', () => {
      expectValid({ settings: { EMAIL_PORT: 587 } });
      expectOnlyError({ settings: { EMAIL_PORT: 'abc' } }, 'spec.settings.EMAIL_PORT', '"abc" is not an integer');
      expectOnlyError({ settings: { EMAIL_PORT: 1.5 } }, 'spec.settings.EMAIL_PORT', 'not an integer');
      expectOnlyError({ settings: { EMAIL_PORT: '587' } }, 'spec.settings.EMAIL_PORT', 'remove the quotes');
    });

    it('checks booleans, with a hint for a quoted "true"', () => {
      expectValid({ settings: { EMAIL_USE_TLS: false } });
      const maybe = expectOnlyError(
        { settings: { EMAIL_USE_TLS: 'maybe' } },
        'spec.settings.EMAIL_USE_TLS',
        '"maybe" is not a boolean',
        'EMAIL_USE_TLS: true or EMAIL_USE_TLS: false',
      );
      expect(maybe.message).to.not.include('without quotes');
      expectOnlyError(
        { settings: { EMAIL_USE_TLS: 'true' } },
        'spec.settings.EMAIL_USE_TLS',
        'not a boolean',
        'without quotes',
      );
    });

    it('checks strings', () => {
      expectValid({ settings: { EMAIL_HOST: '587' } });
      expectOnlyError({ settings: { EMAIL_HOST: 587 } }, 'spec.settings.EMAIL_HOST', 'not a string', 'quote it');
    });

    it('checks number ranges', () => {
      expectValid({ settings: { EMAIL_PORT: 65535, RECORDINGS_PERFORMANCE_EVENTS_TTL_WEEKS: 1 } });
      expectOnlyError(
        { settings: { EMAIL_PORT: 70000 } },
        'spec.settings.EMAIL_PORT',
        '70000 is out of range',
        '1 to 65535',
      );
      expectOnlyError(
        { settings: { RECORDINGS_PERFORMANCE_EVENTS_TTL_WEEKS: 0 } },
        'spec.settings.RECORDINGS_PERFORMANCE_EVENTS_TTL_WEEKS',
        '0 is out of range',
        '1 to 520',
      );
    });

    it('checks a value against the allowed set', () => {
      expectValid({ settings: { CLICKHOUSE_KILL_SWITCH: 'light' } });
      expectOnlyError(
        { settings: { CLICKHOUSE_KILL_SWITCH: 'on' } },
        'spec.settings.CLICKHOUSE_KILL_SWITCH',
        '"on" is not allowed',
        'off, light, full',
      );
    });

    it('checks team-id lists written as text', () => {
      expectValid({ settings: { AGGREGATE_BY_DISTINCT_IDS_TEAMS: '1, 2,42' } });
      expectValid({ settings: { AGGREGATE_BY_DISTINCT_IDS_TEAMS: '' } });
      expectOnlyError(
        { settings: { AGGREGATE_BY_DISTINCT_IDS_TEAMS: '1,a' } },
        'spec.settings.AGGREGATE_BY_DISTINCT_IDS_TEAMS',
        '"1,a" is not a list of team ids',
        '"1,2,42"',
      );
    });

    it('checks team-id lists written as lists', () => {
      expectValid({ settings: { CLICKHOUSE_ENABLE_ANALYZER_TEAMS: [1, 2] } });
      expectOnlyError(
        { settings: { CLICKHOUSE_ENABLE_ANALYZER_TEAMS: [1, 'x'] } },
        'spec.settings.CLICKHOUSE_ENABLE_ANALYZER_TEAMS',
        'item 1 ("x") is not a team id',
      );
      expectOnlyError(
        { settings: { CLICKHOUSE_ENABLE_ANALYZER_TEAMS: [-1] } },
        'spec.settings.CLICKHOUSE_ENABLE_ANALYZER_TEAMS',
        'not a team id',
      );
      expectOnlyError(
        { settings: { CLICKHOUSE_ENABLE_ANALYZER_TEAMS: '1,2' } },
        'spec.settings.CLICKHOUSE_ENABLE_ANALYZER_TEAMS',
        'not a list of team ids',
        '[1, 2, 42]',
      );
    });

    it('refuses EMAIL_USE_TLS and EMAIL_USE_SSL both true', () => {
      expectValid({ settings: { EMAIL_USE_TLS: true, EMAIL_USE_SSL: false } });
      expectValid({ settings: { EMAIL_USE_TLS: false, EMAIL_USE_SSL: true } });
      expectOnlyError(
        { settings: { EMAIL_USE_TLS: true, EMAIL_USE_SSL: true } },
        'spec.settings.EMAIL_USE_SSL',
        'EMAIL_USE_TLS and EMAIL_USE_SSL are both true',
        'set the other to false',
      );
    });
  });

  describe('sections', () => {
    it('refuses a secret setting as a plain value and shows the secretSettings form', () => {
      expectValid({ secretSettings: { EMAIL_HOST_PASSWORD: ref('smtp', 'password') } });
      expectOnlyError(
        { settings: { EMAIL_HOST_PASSWORD: 'hunter2' } },
        'spec.settings.EMAIL_HOST_PASSWORD',
        'secret setting',
        'spec.secretSettings: {EMAIL_HOST_PASSWORD: {secretKeyRef: {name: <secret>, key: <key>}}}',
      );
    });

    it('never echoes a secret value in a message', () => {
      const r = validateSpec({ settings: { EMAIL_HOST_PASSWORD: 'hunter2' }, env: { SECRET_KEY: 'hunter3' } });
      expect(r.errors).to.have.length(2);
      for (const e of [...r.errors, ...r.warnings]) expect(e.message).to.not.match(/hunter[23]/);
    });

    it('sends an environment-only variable under settings to spec.env', () => {
      expectValid({ env: { SITE_URL: 'https://posthog.example.com' }, targets });
      expectOnlyError(
        { settings: { SITE_URL: 'https://posthog.example.com' } },
        'spec.settings.SITE_URL',
        'environment-only',
        'spec.env',
        'SITE_URL: "https://posthog.example.com"',
      );
    });

    it('sends a secret environment-only variable under settings to spec.secretEnv', () => {
      expectValid({ secretEnv: { SECRET_KEY: ref('posthog', 'secret-key') }, targets });
      const issue = expectOnlyError(
        { settings: { SECRET_KEY: 'abc' } },
        'spec.settings.SECRET_KEY',
        'environment-only',
        'spec.secretEnv: {SECRET_KEY: {secretKeyRef:',
      );
      expect(issue.message).to.not.include('abc');
    });

    it('warns that an instance setting under env loses to the database value', () => {
      const r = expectValid({ env: { EMAIL_HOST: 'smtp.example.com' }, targets });
      const w = warningsAt(r, 'spec.env.EMAIL_HOST');
      expect(w, show(r.warnings)).to.have.length(1);
      expect(w[0]!.message).to.include('instance setting');
      expect(w[0]!.message).to.include("value saved in PostHog's database wins");
      expect(w[0]!.message).to.include('spec.settings');
      // Its env value is still projected.
      expect(r.resolved!.env).to.deep.equal([{ name: 'EMAIL_HOST', value: 'smtp.example.com' }]);
      // A plain environment variable gets no such warning.
      expect(expectValid({ env: { SITE_URL: 'https://posthog.example.com' }, targets }).warnings).to.deep.equal([]);
    });

    it('recognises an instance setting by the environment variable that feeds it', () => {
      const r = expectValid({ env: { ASYNC_MIGRATION_ROLLBACK_TIMEOUT: '60' }, targets });
      expect(warningsAt(r, 'spec.env.ASYNC_MIGRATION_ROLLBACK_TIMEOUT'), show(r.warnings)).to.have.length(1);
    });

    it('refuses a secret environment variable under env', () => {
      expectValid({ secretEnv: { DATABASE_URL: ref('pg', 'url') }, targets });
      const issue = expectOnlyError(
        { env: { SECRET_KEY: 'abc' }, targets },
        'spec.env.SECRET_KEY',
        'holds a secret',
        'spec.secretEnv: {SECRET_KEY: {secretKeyRef:',
      );
      expect(issue.message).to.not.include('abc');
      expectOnlyError(
        { env: { EMAIL_HOST_PASSWORD: 'abc' }, targets },
        'spec.env.EMAIL_HOST_PASSWORD',
        'secret instance setting',
        'spec.secretSettings',
      );
    });

    it('refuses a non-secret key under secretSettings', () => {
      expectOnlyError(
        { secretSettings: { EMAIL_HOST: ref('smtp', 'host') } },
        'spec.secretSettings.EMAIL_HOST',
        'not a secret setting',
        'spec.settings',
      );
      expectOnlyError(
        { secretSettings: { EMAIL_HOTS: ref('smtp', 'host') } },
        'spec.secretSettings.EMAIL_HOTS',
        'did you mean EMAIL_HOST',
      );
    });

    it('refuses an incomplete or malformed secretKeyRef', () => {
      expectOnlyError(
        { secretSettings: { EMAIL_HOST_PASSWORD: { secretKeyRef: { name: 'smtp' } } } },
        'spec.secretSettings.EMAIL_HOST_PASSWORD.secretKeyRef',
        'needs both name',
      );
      expectOnlyError(
        { secretEnv: { SECRET_KEY: ref('Not_A_Name', 'k') }, targets },
        'spec.secretEnv.SECRET_KEY.secretKeyRef.name',
        'is not a Secret name',
      );
      expectOnlyError(
        { secretEnv: { SECRET_KEY: ref('posthog', 'a key') }, targets },
        'spec.secretEnv.SECRET_KEY.secretKeyRef.key',
        'is not a Secret data key',
      );
    });

    it('refuses the same name in two sections', () => {
      expectValid({ settings: { EMAIL_HOST: 'a' }, env: { SITE_URL: 'https://b.example.com' }, targets });
      const r = validateSpec({ settings: { EMAIL_HOST: 'a' }, env: { EMAIL_HOST: 'b' }, targets });
      expect(r.errors, show(r.errors)).to.have.length(1);
      expectErrorAt(r, 'spec.env.EMAIL_HOST', 'also set in spec.settings', 'keep it in one');
      expectOnlyError(
        { env: { FOO: 'a' }, secretEnv: { FOO: ref('s', 'k') }, targets },
        'spec.secretEnv.FOO',
        'also set in spec.env',
      );
      const s = validateSpec({
        settings: { EMAIL_HOST: 'a' },
        secretEnv: { EMAIL_HOST: ref('s', 'k') },
        targets,
      });
      expectErrorAt(s, 'spec.secretEnv.EMAIL_HOST', 'also set in spec.settings');
    });

    it('refuses an environment variable name that a container cannot have', () => {
      expectOnlyError({ env: { '1FOO': 'x' }, targets }, 'spec.env["1FOO"]', 'not an environment variable name');
    });
  });

  describe('posthogVersion', () => {
    it('accepts releases, catalog dates and latest', () => {
      for (const v of ['1.31.0', '1.43.0', '2025-11', '2026-07', 'latest']) expectValid({ posthogVersion: v });
    });

    it('refuses a release older than the catalog', () => {
      expectOnlyError({ posthogVersion: '1.20.0' }, 'spec.posthogVersion', 'older than the catalog', '1.31.0');
    });

    it('refuses a numbered release PostHog never published', () => {
      expectOnlyError(
        { posthogVersion: '1.50.0' },
        'spec.posthogVersion',
        'no numbered release 1.50.0',
        '"latest"',
        '"2026-04"',
      );
    });

    it('refuses a date before the first dated catalog', () => {
      expectOnlyError({ posthogVersion: '2024-01' }, 'spec.posthogVersion', 'no dated catalog', '2025-11', '1.43.0');
    });

    it('refuses what is not a version at all', () => {
      expectOnlyError({ posthogVersion: 'foo' }, 'spec.posthogVersion', 'must be a release such as', '"latest"');
      expectOnlyError({ posthogVersion: '1.x' }, 'spec.posthogVersion', 'must be a release such as');
    });
  });

  describe('shape', () => {
    it('refuses a missing spec', () => {
      expectOnlyError(undefined, 'spec', 'is required');
    });

    it('reports an unknown spec field with a suggestion, and still checks the rest', () => {
      expectOnlyError(
        { setings: { EMAIL_HOST: 'x' } },
        'spec.setings',
        'unknown field "setings"',
        'did you mean settings?',
      );
      const r = validateSpec({ setings: {}, settings: { EMAIL_PORT: 'abc' } });
      expectErrorAt(r, 'spec.setings', 'did you mean settings');
      expectErrorAt(r, 'spec.settings.EMAIL_PORT', 'not an integer');
    });

    it('reports an unknown nested field', () => {
      const r = validateSpec({ targets: { selector: { matchLabel: { app: 'posthog' } } } });
      expectErrorAt(r, 'spec.targets.selector.matchLabel', 'did you mean matchLabels?');
    });

    it('refuses a rollout mode that does not exist', () => {
      expectValid({ rollout: 'Manual' });
      expectOnlyError({ rollout: 'Sometimes' }, 'spec.rollout', '"Auto", "Manual"');
    });

    it('refuses a wrongly typed section', () => {
      expectOnlyError({ env: { SITE_URL: 42 } }, 'spec.env.SITE_URL', 'must be a string');
      expectOnlyError({ staffUsers: 'a@example.com' }, 'spec.staffUsers', 'must be a list');
    });
  });

  describe('staffUsers', () => {
    it('accepts two or more addresses without a warning', () => {
      const r = expectValid({ staffUsers: ['a@example.com', 'b@example.com'] });
      expect(r.warnings, show(r.warnings)).to.deep.equal([]);
    });

    it('reports an invalid address by its value and index', () => {
      expectOnlyError(
        { staffUsers: ['a@example.com', 'not an email', 'b@example.com'] },
        'spec.staffUsers[1]',
        '"not an email" is not an email address',
      );
    });

    it('refuses an empty list', () => {
      expectOnlyError({ staffUsers: [] }, 'spec.staffUsers', 'is empty', 'at least one');
    });

    it('warns about a single staff user', () => {
      const r = expectValid({ staffUsers: ['a@example.com'] });
      const w = warningsAt(r, 'spec.staffUsers');
      expect(w, show(r.warnings)).to.have.length(1);
      expect(w[0]!.message).to.include('only one staff user');
    });

    it('counts a duplicate once, with a warning', () => {
      const r = expectValid({ staffUsers: ['A@example.com', 'a@example.com'] });
      expect(r.resolved!.staffUsers).to.deep.equal(['a@example.com']);
      const messages = warningsAt(r, 'spec.staffUsers').map((w) => w.message);
      expect(messages.some((m) => m.includes('more than once'))).to.equal(true, messages.join('\n'));
      expect(messages.some((m) => m.includes('only one staff user'))).to.equal(true, messages.join('\n'));
    });
  });

  describe('targets', () => {
    it('refuses an empty selector', () => {
      expectValid({ targets });
      expectValid({ targets: { selector: { matchExpressions: [{ key: 'app', operator: 'Exists' }] } } });
      expectOnlyError({ targets: { selector: {} } }, 'spec.targets.selector', 'is empty', 'every workload');
      expectOnlyError({ targets: { selector: { matchLabels: {} } } }, 'spec.targets.selector', 'is empty');
    });

    it('checks the values of set-based requirements', () => {
      expectValid({ targets: { selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['a'] }] } } });
      expectOnlyError(
        { targets: { selector: { matchExpressions: [{ key: 'app', operator: 'In' }] } } },
        'spec.targets.selector.matchExpressions[0].values',
        'In needs at least one value',
      );
      expectOnlyError(
        { targets: { selector: { matchExpressions: [{ key: 'app', operator: 'Exists', values: ['a'] }] } } },
        'spec.targets.selector.matchExpressions[0].values',
        'takes no values',
      );
    });

    it('warns when environment-only settings would roll nothing', () => {
      const r = expectValid({ env: { SITE_URL: 'https://posthog.example.com' } });
      expect(warningsAt(r, 'spec.targets'), show(r.warnings)).to.have.length(1);
      const manual = expectValid({ env: { SITE_URL: 'https://posthog.example.com' }, rollout: 'Manual' });
      expect(manual.warnings, show(manual.warnings)).to.deep.equal([]);
    });
  });

  describe('env values', () => {
    it('checks booleans', () => {
      for (const v of ['true', 'False', '1', 'no']) expectValid({ env: { SECURE_COOKIES: v }, targets });
      expectOnlyError(
        { env: { SECURE_COOKIES: 'maybe' }, targets },
        'spec.env.SECURE_COOKIES',
        '"maybe" is not a boolean',
        'read it as false',
      );
    });

    it('checks whole numbers', () => {
      expectValid({ env: { POSTHOG_POSTGRES_PORT: '5432' }, targets });
      expectOnlyError(
        { env: { POSTHOG_POSTGRES_PORT: 'x' }, targets },
        'spec.env.POSTHOG_POSTGRES_PORT',
        '"x" is not a whole number',
      );
    });

    it('checks URLs', () => {
      expectValid({ env: { SITE_URL: 'https://posthog.example.com' }, targets });
      expectOnlyError(
        { env: { SITE_URL: 'not a url' }, targets },
        'spec.env.SITE_URL',
        '"not a url" is not a URL',
        'https://',
      );
    });

    it('accepts variables the catalog does not know, unchecked', () => {
      const r = expectValid({ env: { SOME_OTHER_VAR: 'anything' }, targets });
      expect(r.warnings, show(r.warnings)).to.deep.equal([]);
    });
  });

  describe('a valid spec', () => {
    const full = {
      posthogVersion: '1.43.0',
      settings: {
        EMAIL_USE_TLS: true,
        EMAIL_PORT: 587,
        AGGREGATE_BY_DISTINCT_IDS_TEAMS: '1,2',
        EMAIL_HOST: 'smtp.example.com',
        EMAIL_ENABLED: true,
      },
      secretSettings: {
        SLACK_APP_CLIENT_SECRET: ref('slack', 'client-secret'),
        EMAIL_HOST_PASSWORD: ref('smtp', 'password'),
      },
      env: { SITE_URL: 'https://posthog.example.com', IS_BEHIND_PROXY: 'true' },
      secretEnv: { SECRET_KEY: ref('posthog', 'secret-key'), DATABASE_URL: ref('pg', 'url') },
      staffUsers: ['Zoe@Example.com', 'alice@example.com', ' zoe@example.com '],
      targets,
      rollout: 'Manual',
    };

    it('resolves to normalised, sorted values', () => {
      const r = expectValid(full);
      const resolved = r.resolved!;
      expect(resolved.snapshot.id).to.equal('1.38.0');
      expect(resolved.settings.map((s) => [s.key, s.value])).to.deep.equal([
        ['AGGREGATE_BY_DISTINCT_IDS_TEAMS', '1,2'],
        ['EMAIL_ENABLED', true],
        ['EMAIL_HOST', 'smtp.example.com'],
        ['EMAIL_PORT', 587],
        ['EMAIL_USE_TLS', true],
      ]);
      expect(resolved.settings.every((s) => s.def === findSetting(s.key))).to.equal(true);
      expect(resolved.secretSettings).to.deep.equal([
        { name: 'EMAIL_HOST_PASSWORD', ref: { name: 'smtp', key: 'password' } },
        { name: 'SLACK_APP_CLIENT_SECRET', ref: { name: 'slack', key: 'client-secret' } },
      ]);
      expect(resolved.env).to.deep.equal([
        { name: 'IS_BEHIND_PROXY', value: 'true' },
        { name: 'SITE_URL', value: 'https://posthog.example.com' },
      ]);
      expect(resolved.secretEnv.map((x) => x.name)).to.deep.equal(['DATABASE_URL', 'SECRET_KEY']);
      expect(resolved.staffUsers).to.deep.equal(['alice@example.com', 'zoe@example.com']);
      expect(resolved.targets).to.deep.equal({
        selector: targets.selector,
        kinds: ['Deployment', 'StatefulSet', 'DaemonSet'],
      });
      expect(resolved.rollout).to.equal('Manual');
      expect(r.warnings.map(formatIssue)).to.deep.equal([
        'spec.staffUsers: zoe@example.com is listed more than once; it is recorded once',
      ]);
    });

    it('defaults to the latest catalog, Auto rollout, and unmanaged staff and targets', () => {
      const r = expectValid({});
      expect(r.warnings).to.deep.equal([]);
      expect(r.resolved).to.deep.equal({
        snapshot: LATEST,
        settings: [],
        secretSettings: [],
        env: [],
        secretEnv: [],
        staffUsers: undefined,
        targets: undefined,
        rollout: 'Auto',
      });
    });

    it('does not modify the spec it checks', () => {
      const copy = structuredClone(full);
      validateSpec(copy);
      expect(copy).to.deep.equal(full);
    });
  });
});

describe('formatPath', () => {
  it('writes identifiers with dots, indexes in brackets and other keys quoted', () => {
    expect(formatPath(['spec', 'settings', 'EMAIL_PORT'])).to.equal('spec.settings.EMAIL_PORT');
    expect(formatPath(['spec', 'staffUsers', 2])).to.equal('spec.staffUsers[2]');
    expect(formatPath(['metadata', 'labels', 'app.kubernetes.io/name'])).to.equal(
      'metadata.labels["app.kubernetes.io/name"]',
    );
  });
});

describe('catalog', () => {
  describe('resolveVersion', () => {
    const cases: [string | undefined, string][] = [
      ['1.31.0', '1.31.0'],
      ['1.31.5', '1.31.0'],
      ['1.34.0', '1.34.0'],
      ['1.35.2', '1.34.0'], // no 1.35 snapshot: the newest at or before it
      ['1.36.0', '1.36.0'],
      ['1.38.1', '1.38.0'],
      ['1.43.0', '1.38.0'],
      ['1.43.9', '1.38.0'],
      ['2025-11', '2025-11'],
      ['2026-03', '2025-11'],
      ['2026-04', '2026-04'],
      ['2026-07', '2026-04'],
      ['latest', LATEST.id],
      [undefined, LATEST.id],
    ];
    for (const [version, id] of cases) {
      it(`maps ${String(version)} to the ${id} snapshot`, () => {
        expect(resolveVersion(version).id).to.equal(id);
      });
    }

    it('has latest as the newest snapshot', () => {
      expect(LATEST).to.equal(snapshots[snapshots.length - 1]);
      expect(LATEST.id).to.equal('2026-04');
    });

    for (const bad of ['1.30.9', '1.44.0', '2.0.0', '2025-10', 'v1.43.0', '1.43', 'foo', '']) {
      it(`refuses ${JSON.stringify(bad)} with a fix`, () => {
        let err: unknown;
        try {
          resolveVersion(bad);
        } catch (e) {
          err = e;
        }
        expect(err).to.be.instanceOf(VersionError);
        expect((err as VersionError).fix)
          .to.be.a('string')
          .and.not.equal('');
      });
    }
  });

  describe('availability', () => {
    it('places a key before, within and after its lifetime', () => {
      const def = findSetting('RECORDINGS_TTL_WEEKS')!;
      expect(availability(def, resolveVersion('1.32.0')).state).to.equal('notYet');
      expect(availability(def, resolveVersion('1.33.0')).state).to.equal('available');
      expect(availability(def, resolveVersion('2025-11')).state).to.equal('available');
      expect(availability(def, resolveVersion('2026-04')).state).to.equal('removed');
    });

    it('marks a key unverified between unverifiedFrom and added', () => {
      const def = findSetting('RATE_LIMIT_ENABLED')!;
      expect(availability(def, resolveVersion('1.37.0')).state).to.equal('notYet');
      expect(availability(def, resolveVersion('1.38.0')).state).to.equal('unverified');
      expect(availability(def, resolveVersion('2025-11')).state).to.equal('available');
    });

    it('lists the settings of a snapshot', () => {
      const at = (v: string) => settingsIn(resolveVersion(v)).map((d) => d.key);
      expect(at('1.31.0')).to.deep.equal(['MATERIALIZED_COLUMNS_ENABLED']);
      expect(at('1.36.0')).to.include('NEW_COHORT_QUERY_TEAMS');
      expect(at('1.37.0')).to.not.include('NEW_COHORT_QUERY_TEAMS');
      expect(at('latest')).to.include('CLICKHOUSE_KILL_SWITCH').and.not.include('RECORDINGS_TTL_WEEKS');
    });
  });

  describe('consistency', () => {
    const ids = snapshots.map((s) => s.id);

    it('has unique names, and no name both a setting and an environment-only variable', () => {
      const keys = allSettingKeys();
      const envs = allEnvNames();
      expect(new Set(keys).size).to.equal(keys.length);
      expect(new Set(envs).size).to.equal(envs.length);
      expect(keys.filter((k) => envs.includes(k))).to.deep.equal([]);
    });

    it('names only known snapshots, in order', () => {
      for (const d of settingDefs) {
        expect(ids, `${d.key}.added`).to.include(d.added);
        if (d.removed) {
          expect(ids, `${d.key}.removed`).to.include(d.removed);
          expect(ids.indexOf(d.removed), `${d.key} removed after added`).to.be.greaterThan(ids.indexOf(d.added));
        }
        if (d.unverifiedFrom) {
          expect(ids.indexOf(d.unverifiedFrom), `${d.key}.unverifiedFrom`).to.be.within(0, ids.indexOf(d.added) - 1);
        }
      }
    });

    it('gives every setting a default of its type, within its range', () => {
      for (const d of settingDefs) {
        const v = d.default;
        if (v === null) continue;
        const ok = {
          bool: typeof v === 'boolean',
          int: Number.isInteger(v),
          str: typeof v === 'string',
          'list[int]': Array.isArray(v),
        }[d.type];
        expect(ok, `${d.key} default ${JSON.stringify(v)}`).to.equal(true);
        if (typeof v === 'number') {
          if (d.min !== undefined) expect(v, d.key).to.be.at.least(d.min);
          if (d.max !== undefined) expect(v, d.key).to.be.at.most(d.max);
        }
        if (d.allowed) expect(d.allowed, d.key).to.include(v);
      }
    });
  });

  describe('editDistance', () => {
    it('counts insertions, deletions, substitutions and adjacent transpositions', () => {
      expect(editDistance('EMAIL_HOST', 'EMAIL_HOST')).to.equal(0);
      expect(editDistance('EMAIL_HOTS', 'EMAIL_HOST')).to.equal(1); // transposition
      expect(editDistance('EMAIL_HST', 'EMAIL_HOST')).to.equal(1);
      expect(editDistance('EMAIL_HOSTS', 'EMAIL_HOST')).to.equal(1);
      expect(editDistance('EMAIL_POST', 'EMAIL_HOST')).to.equal(1);
      expect(editDistance('kitten', 'sitting')).to.equal(3);
      expect(editDistance('', 'abc')).to.equal(3);
      expect(editDistance('abc', '')).to.equal(3);
      expect(editDistance('CA', 'ABC')).to.equal(3); // optimal string alignment, not unrestricted Damerau
    });

    it('is symmetric', () => {
      for (const [a, b] of [
        ['EMAIL_HOTS', 'EMAIL_PORT'],
        ['setings', 'settings'],
        ['abcdef', 'badcfe'],
      ] as const) {
        expect(editDistance(a, b)).to.equal(editDistance(b, a));
      }
    });
  });

  describe('suggest', () => {
    const keys = allSettingKeys();

    it('finds the nearest key, ignoring case', () => {
      expect(suggest('EMAIL_HOTS', keys)[0]).to.equal('EMAIL_HOST');
      expect(suggest('email_host', keys)[0]).to.equal('EMAIL_HOST');
      expect(suggest('SETINGS', ['SETTINGS', 'SECRETENV', 'ENV'])).to.deep.equal(['SETTINGS']);
    });

    it('orders by distance, then by name, and stops at the limit', () => {
      expect(suggest('ABCD', ['ABCE', 'ABXX', 'ABCF', 'ABCD'])).to.deep.equal(['ABCD', 'ABCE']);
      expect(suggest('ABCD', ['ABCF', 'ABCE'], 1)).to.deep.equal(['ABCE']);
    });

    it('suggests nothing far away, scaled to the length of the name', () => {
      expect(suggest('ZZZZQQQ', keys)).to.deep.equal([]);
      // Short names allow one edit; longer names up to three.
      expect(suggest('ENV', ['ENVX'])).to.deep.equal(['ENVX']);
      expect(suggest('ENV', ['EXXV'])).to.deep.equal([]);
      expect(suggest('EMAIL_HOST_USER', ['EMAIL_HXXT_UXER'])).to.deep.equal(['EMAIL_HXXT_UXER']);
      expect(suggest('EMAIL_HOST_USER', ['EMXIL_HXXT_UXER'])).to.deep.equal([]);
    });
  });
});

/**
 * `make bench`: cost of the pure core (validate + project) per InstanceSettings, as a ratio against a baseline
 * measured in the same run (a JSON round trip of the same resource), so the figure is comparable across machines.
 */
import { randomBytes } from 'node:crypto';
import type { InstanceSettings } from '../src/api/types.js';
import { project } from '../src/projection/index.js';
import { validateSpec } from '../src/validation/index.js';

const resource: InstanceSettings = {
  apiVersion: 'posthog-operator.dev/v1alpha1',
  kind: 'InstanceSettings',
  metadata: { name: 'posthog', namespace: 'posthog', uid: 'u' },
  spec: {
    posthogVersion: '1.43.0',
    settings: {
      EMAIL_HOST: 'smtp.example.com',
      EMAIL_PORT: 587,
      EMAIL_USE_TLS: true,
      AGGREGATE_BY_DISTINCT_IDS_TEAMS: '1,2,3',
    },
    secretSettings: { EMAIL_HOST_PASSWORD: { secretKeyRef: { name: 'smtp', key: 'password' } } },
    env: { SITE_URL: 'https://posthog.example.com', IS_BEHIND_PROXY: 'true' },
    secretEnv: { SECRET_KEY: { secretKeyRef: { name: 'core', key: 'secret-key' } } },
    staffUsers: ['a@example.com', 'b@example.com'],
    targets: { selector: { matchLabels: { app: 'posthog' } } },
  },
};
const data = {
  secrets: new Map<string, Record<string, string>>([
    ['smtp', { password: 'p' }],
    ['core', { 'secret-key': 'k' }],
  ]),
  hashKey: randomBytes(32),
};

function timeIt(n: number, fn: () => void): number {
  for (let i = 0; i < Math.min(1000, n); i++) fn(); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn();
  return Number(process.hrtime.bigint() - start) / n;
}

const N = 20_000;
const baseline = timeIt(N, () => JSON.parse(JSON.stringify(resource)) as unknown);
const validate = timeIt(N, () => validateSpec(resource.spec));
const full = timeIt(N, () => {
  const r = validateSpec(resource.spec);
  if (r.resolved) project(resource, r.resolved, data);
});
const fmt = (ns: number) => `${(ns / 1000).toFixed(1)} µs`;
console.log(`baseline (JSON round trip of the resource): ${fmt(baseline)} per resource`);
console.log(`validate:            ${fmt(validate)}  = ${(validate / baseline).toFixed(1)}x baseline`);
console.log(`validate + project:  ${fmt(full)}  = ${(full / baseline).toFixed(1)}x baseline`);
console.log(`=> ${Math.round(1e9 / full)} resources per second through the pure core on this machine`);

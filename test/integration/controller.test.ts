/** The operator's main job, on the real control plane: projection, garbage collection, rollouts, restoring drift. */
import { expect } from 'chai';
import { AppsV1Api, CoreV1Api, type V1Deployment } from '@kubernetes/client-node';
import { Annotations, API_VERSION } from '../../src/api/constants.js';
import type { InstanceSettingsSpec } from '../../src/api/types.js';
import { eventually, freshNamespace, kubeConfig } from './env.js';
import {
  applyInstanceSettings,
  deleteInstanceSettings,
  condition,
  events,
  getInstanceSettings,
  settled,
  startOperator,
  waitForStatus,
  type RunningOperator,
} from './operator-helper.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

async function secret(ns: string, name: string, data: Record<string, string>): Promise<void> {
  const core = kubeConfig().makeApiClient(CoreV1Api);
  const body = {
    metadata: { name, namespace: ns },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
  };
  await core
    .replaceNamespacedSecret({ name, namespace: ns, body })
    .catch(() => core.createNamespacedSecret({ namespace: ns, body }));
}

async function deployment(ns: string, name: string, labels: Record<string, string>): Promise<void> {
  const body: V1Deployment = {
    metadata: { name, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'web', image: 'example.invalid/posthog:1' }] },
      },
    },
  };
  await kubeConfig().makeApiClient(AppsV1Api).createNamespacedDeployment({ namespace: ns, body });
}

const replicaSets = async (ns: string) =>
  (await kubeConfig().makeApiClient(AppsV1Api).listNamespacedReplicaSet({ namespace: ns })).items;
const podTemplateHash = async (ns: string, name: string) =>
  (await kubeConfig().makeApiClient(AppsV1Api).readNamespacedDeployment({ name, namespace: ns })).spec?.template
    .metadata?.annotations?.[Annotations.envHash];

function baseSpec(): InstanceSettingsSpec {
  return {
    posthogVersion: '1.43.0',
    settings: {
      EMAIL_HOST: 'smtp.example.com',
      EMAIL_PORT: 587,
      EMAIL_USE_TLS: true,
      AGGREGATE_BY_DISTINCT_IDS_TEAMS: '1,2',
    },
    secretSettings: { EMAIL_HOST_PASSWORD: { secretKeyRef: { name: 'smtp', key: 'password' } } },
    env: { SITE_URL: 'https://posthog.example.com' },
    secretEnv: { SECRET_KEY: { secretKeyRef: { name: 'posthog', key: 'secret-key' } } },
    targets: { selector: { matchLabels: { 'app.kubernetes.io/part-of': 'posthog' } } },
  };
}

describe('InstanceSettings controller', function () {
  let run: RunningOperator;
  let ns: string;

  beforeEach(async () => {
    ns = await freshNamespace('ctl');
    run = await startOperator([ns]);
    await secret(ns, 'smtp', { password: 'hunter2' });
    await secret(ns, 'posthog', { 'secret-key': 'k1' });
  });
  afterEach(async () => run.stop());

  it('projects ConfigMaps and a Secret owned by the resource, and garbage collection removes them with it', async () => {
    await applyInstanceSettings(ns, 'ph', baseSpec());
    const cr = await waitForStatus(ns, 'ph', (c) => condition(c, 'Ready')?.status === 'True', 'Ready');
    expect(condition(cr, 'Stalled')?.status).to.equal('False');
    expect(condition(cr, 'Reconciling')?.status).to.equal('False');
    expect(cr.status?.settingsCount).to.equal(5);
    expect(cr.status?.projected).to.deep.include({
      settingsConfigMap: 'ph-settings',
      envConfigMap: 'ph-env',
      secret: 'ph-secrets',
    });

    const core = kubeConfig().makeApiClient(CoreV1Api);
    const settings = await core.readNamespacedConfigMap({ name: 'ph-settings', namespace: ns });
    expect(settings.data).to.include({
      EMAIL_HOST: 'smtp.example.com',
      EMAIL_PORT: '587',
      EMAIL_USE_TLS: 'true',
      AGGREGATE_BY_DISTINCT_IDS_TEAMS: '1,2',
    });
    expect(JSON.parse(settings.data!['settings.json']!)).to.deep.equal({
      AGGREGATE_BY_DISTINCT_IDS_TEAMS: '1,2',
      EMAIL_HOST: 'smtp.example.com',
      EMAIL_PORT: 587,
      EMAIL_USE_TLS: true,
    });
    expect(Object.values(settings.data!).join()).not.to.include('hunter2');
    const env = await core.readNamespacedConfigMap({ name: 'ph-env', namespace: ns });
    expect(env.data).to.deep.equal({ SITE_URL: 'https://posthog.example.com' });
    const sec = await core.readNamespacedSecret({ name: 'ph-secrets', namespace: ns });
    expect(sec.data).to.deep.equal({ EMAIL_HOST_PASSWORD: b64('hunter2'), SECRET_KEY: b64('k1') });
    for (const obj of [settings, env, sec]) {
      const ref = obj.metadata?.ownerReferences?.[0];
      expect(ref).to.include({
        apiVersion: API_VERSION,
        kind: 'InstanceSettings',
        name: 'ph',
        uid: cr.metadata.uid,
        controller: true,
      });
    }
    // No secret value in the status.
    expect(JSON.stringify(cr.status)).not.to.match(/hunter2|k1"/);

    await deleteInstanceSettings(ns, 'ph');
    await eventually(
      async () => {
        const cms = await core.listNamespacedConfigMap({
          namespace: ns,
          labelSelector: 'app.kubernetes.io/managed-by=posthog-settings-operator',
        });
        const secs = await core.listNamespacedSecret({
          namespace: ns,
          labelSelector: 'app.kubernetes.io/managed-by=posthog-settings-operator',
        });
        return cms.items.length === 0 && secs.items.length === 0 ? true : undefined;
      },
      100_000,
      'projected objects to be garbage-collected',
    );
  });

  it('rolls a target once per env or secret change, and never for an instance setting', async () => {
    await deployment(ns, 'web', { 'app.kubernetes.io/part-of': 'posthog' });
    await deployment(ns, 'other', { app: 'unrelated' });
    await applyInstanceSettings(ns, 'ph', baseSpec());
    let cr = await waitForStatus(
      ns,
      'ph',
      (c) => c.status?.targets?.length === 1 && c.status.targets[0]!.upToDate,
      'the target to carry the hash',
    );
    const firstHash = cr.status!.envHash!;
    expect(firstHash).to.match(/^[0-9a-f]{32}$/);
    expect(await podTemplateHash(ns, 'web')).to.equal(firstHash);
    expect(await podTemplateHash(ns, 'other')).to.equal(undefined);
    await settled(run);
    const webRs = async () => (await replicaSets(ns)).filter((r) => r.metadata?.ownerReferences?.[0]?.name === 'web');
    await eventually(async () => ((await webRs()).length === 2 ? true : undefined), 30_000, 'the adoption rollout');

    // An instance setting alone: the pod template and the ReplicaSets stay as they are.
    await applyInstanceSettings(ns, 'ph', { ...baseSpec(), settings: { ...baseSpec().settings, EMAIL_PORT: 2525 } });
    cr = await waitForStatus(ns, 'ph', (c) => c.status?.settingsHash !== undefined, 'the new generation');
    await settled(run);
    expect(cr.status?.envHash).to.equal(firstHash);
    expect(await podTemplateHash(ns, 'web')).to.equal(firstHash);
    expect(await webRs()).to.have.length(2);

    // An env value: exactly one new ReplicaSet whose Pods carry the new hash.
    await applyInstanceSettings(ns, 'ph', {
      ...baseSpec(),
      settings: { ...baseSpec().settings, EMAIL_PORT: 2525 },
      env: { SITE_URL: 'https://ph.example.org' },
    });
    cr = await waitForStatus(ns, 'ph', (c) => c.status?.envHash !== firstHash, 'a new env hash');
    const secondHash = cr.status!.envHash!;
    await settled(run);
    await eventually(async () => ((await webRs()).length === 3 ? true : undefined), 30_000, 'one new ReplicaSet');
    const newest = (await webRs()).find(
      (r) => r.spec?.template?.metadata?.annotations?.[Annotations.envHash] === secondHash,
    );
    expect(newest, 'a ReplicaSet with the new hash').to.not.equal(undefined);
    const pods = await eventually(
      async () => {
        const list = await kubeConfig().makeApiClient(CoreV1Api).listNamespacedPod({ namespace: ns });
        const carrying = list.items.filter((p) => p.metadata?.annotations?.[Annotations.envHash] === secondHash);
        return carrying.length ? carrying : undefined;
      },
      30_000,
      'Pods with the new hash',
    );
    expect(pods.length).to.be.greaterThan(0);

    // Rotating a referenced Secret: exactly one more.
    await secret(ns, 'posthog', { 'secret-key': 'k2' });
    await waitForStatus(ns, 'ph', (c) => c.status?.envHash !== secondHash, 'the hash after rotation');
    await settled(run);
    await eventually(
      async () => ((await webRs()).length === 4 ? true : undefined),
      30_000,
      'one ReplicaSet after rotation',
    );
    await settled(run);
    expect(await webRs()).to.have.length(4);
    const rollouts = (await events(ns, 'ph')).filter((e) => e.reason === 'RolloutTriggered');
    expect(rollouts).to.have.length(3);
  });

  it('gives a new workload matching the selector the current hash, and only matching kinds', async () => {
    await applyInstanceSettings(ns, 'ph', {
      ...baseSpec(),
      targets: { ...baseSpec().targets!, kinds: ['Deployment'] },
    });
    const cr = await waitForStatus(ns, 'ph', (c) => condition(c, 'Ready')?.status === 'True');
    await deployment(ns, 'late', { 'app.kubernetes.io/part-of': 'posthog' });
    await eventually(
      async () => ((await podTemplateHash(ns, 'late')) === cr.status?.envHash ? true : undefined),
      20_000,
      'the new Deployment to get the hash',
    );
    const sts = await kubeConfig()
      .makeApiClient(AppsV1Api)
      .createNamespacedStatefulSet({
        namespace: ns,
        body: {
          metadata: { name: 'db', labels: { 'app.kubernetes.io/part-of': 'posthog' } },
          spec: {
            serviceName: 'db',
            selector: { matchLabels: { app: 'db' } },
            template: {
              metadata: { labels: { app: 'db' } },
              spec: { containers: [{ name: 'db', image: 'example.invalid/db:1' }] },
            },
          },
        },
      });
    await waitForStatus(ns, 'ph', (c) => c.status?.targets?.some((t) => t.name === 'late' && t.upToDate) ?? false);
    await settled(run);
    const now = await kubeConfig()
      .makeApiClient(AppsV1Api)
      .readNamespacedStatefulSet({ name: sts.metadata!.name!, namespace: ns });
    expect(
      now.spec?.template.metadata?.annotations?.[Annotations.envHash],
      'a StatefulSet is not a target kind here',
    ).to.equal(undefined);
  });

  it('restores a projected ConfigMap that someone edits or deletes', async () => {
    await applyInstanceSettings(ns, 'ph', baseSpec());
    await waitForStatus(ns, 'ph', (c) => condition(c, 'Ready')?.status === 'True');
    const core = kubeConfig().makeApiClient(CoreV1Api);
    const cm = await core.readNamespacedConfigMap({ name: 'ph-settings', namespace: ns });
    cm.data!.EMAIL_HOST = 'evil.example.com';
    await core.replaceNamespacedConfigMap({ name: 'ph-settings', namespace: ns, body: cm });
    await eventually(
      async () => {
        const now = await core.readNamespacedConfigMap({ name: 'ph-settings', namespace: ns });
        return now.data?.EMAIL_HOST === 'smtp.example.com' ? true : undefined;
      },
      20_000,
      'the edit to be reverted',
    );
    await core.deleteNamespacedConfigMap({ name: 'ph-env', namespace: ns });
    await eventually(
      () => core.readNamespacedConfigMap({ name: 'ph-env', namespace: ns }),
      20_000,
      'the deleted ConfigMap to return',
    );
  });

  it('reports an invalid resource in status and an Event while a valid one keeps working', async () => {
    await applyInstanceSettings(ns, 'good', baseSpec());
    await waitForStatus(ns, 'good', (c) => condition(c, 'Ready')?.status === 'True');
    await applyInstanceSettings(ns, 'bad', {
      posthogVersion: '1.32.0',
      settings: { EMAIL_HOTS: 'x', EMAIL_HOST: 'smtp.example.com' },
    });
    const bad = await waitForStatus(
      ns,
      'bad',
      (c) => condition(c, 'Stalled')?.status === 'True',
      'the invalid resource to stall',
    );
    expect(condition(bad, 'Ready')).to.include({ status: 'False', reason: 'InvalidSpec' });
    expect(condition(bad, 'Stalled')?.message).to.include('did you mean EMAIL_HOST').and.include('added in 1.33.0');
    const warn = await eventually(
      async () => (await events(ns, 'bad')).find((e) => e.type === 'Warning' && e.reason === 'InvalidSpec'),
      10_000,
      'a Warning Event',
    );
    expect(warn.message).to.include('spec.settings.EMAIL_HOTS');
    const core = kubeConfig().makeApiClient(CoreV1Api);
    expect(
      (
        await core.listNamespacedConfigMap({
          namespace: ns,
          labelSelector: 'posthog-operator.dev/instance-settings=bad',
        })
      ).items,
    ).to.have.length(0);

    // The valid neighbour still converges on a change.
    await applyInstanceSettings(ns, 'good', {
      ...baseSpec(),
      settings: { ...baseSpec().settings, EMAIL_HOST: 'mail.example.com' },
    });
    await eventually(
      async () => {
        const cm = await core.readNamespacedConfigMap({ name: 'good-settings', namespace: ns });
        return cm.data?.EMAIL_HOST === 'mail.example.com' ? true : undefined;
      },
      20_000,
      'the valid resource to converge',
    );

    // A broken update of a working resource changes nothing already projected.
    await applyInstanceSettings(ns, 'good', {
      ...baseSpec(),
      settings: { EMAIL_PORT: 'abc' as unknown as number },
    }).catch(() => undefined);
    await applyInstanceSettings(ns, 'good', { ...baseSpec(), posthogVersion: '1.32.0' });
    await waitForStatus(ns, 'good', (c) => condition(c, 'Ready')?.reason === 'InvalidSpec');
    const still = await core.readNamespacedConfigMap({ name: 'good-settings', namespace: ns });
    expect(still.data?.EMAIL_HOST).to.equal('mail.example.com');
  });

  it('names a missing Secret or key and recovers when it appears', async () => {
    await applyInstanceSettings(ns, 'ph', {
      ...baseSpec(),
      secretEnv: { SECRET_KEY: { secretKeyRef: { name: 'absent', key: 'k' } } },
    });
    const cr = await waitForStatus(ns, 'ph', (c) => condition(c, 'Ready')?.reason === 'SecretNotFound');
    expect(condition(cr, 'Stalled')?.message).to.include('Secret "absent" not found');
    await secret(ns, 'absent', { other: 'x' });
    await waitForStatus(ns, 'ph', (c) =>
      (condition(c, 'Stalled')?.message ?? '').includes('has no key "k" (it has: other)'),
    );
    await secret(ns, 'absent', { k: 'v' });
    await waitForStatus(ns, 'ph', (c) => condition(c, 'Ready')?.status === 'True');
  });

  it('with rollout: Manual publishes the hash and touches no workload', async () => {
    await deployment(ns, 'web', { 'app.kubernetes.io/part-of': 'posthog' });
    await applyInstanceSettings(ns, 'ph', { ...baseSpec(), rollout: 'Manual' });
    const cr = await waitForStatus(ns, 'ph', (c) => condition(c, 'Ready')?.status === 'True');
    expect(cr.status?.envHash).to.match(/^[0-9a-f]{32}$/);
    expect(condition(cr, 'Ready')?.reason).to.equal('ManualRollout');
    expect(cr.status?.targets).to.deep.equal([{ kind: 'Deployment', name: 'web', upToDate: false }]);
    await settled(run);
    expect(await podTemplateHash(ns, 'web')).to.equal(undefined);
  });

  it('writes nothing when restarted with nothing changed', async () => {
    await deployment(ns, 'web', { 'app.kubernetes.io/part-of': 'posthog' });
    await applyInstanceSettings(ns, 'ph', { ...baseSpec(), staffUsers: ['a@example.com', 'b@example.com'] });
    await waitForStatus(
      ns,
      'ph',
      (c) => condition(c, 'Ready')?.status === 'True' && c.status?.targets?.[0]?.upToDate === true,
    );
    await settled(run);
    expect(await run.writes()).to.be.greaterThan(0);
    await run.stop();

    run = await startOperator([ns]);
    await eventually(
      () => Promise.resolve(run.operator.ready().ok ? true : undefined),
      20_000,
      'the restarted operator to sync',
    );
    await settled(run, 3000);
    const reconciles = await run.metrics.total(run.metrics.reconciles);
    expect(reconciles, 'the restarted operator reconciled').to.be.greaterThan(0);
    expect(await run.writes(), 'API writes after a restart with nothing changed').to.equal(0);
  });
});

describe('operator resource checks', () => {
  it('keeps an unchanged resource at zero writes per reconcile', async () => {
    const ns = await freshNamespace('idem');
    const run = await startOperator([ns]);
    try {
      await applyInstanceSettings(ns, 'ph', { settings: { EMAIL_HOST: 'smtp.example.com' } });
      await waitForStatus(ns, 'ph', (c) => condition(c, 'Ready')?.status === 'True');
      await settled(run);
      const before = await run.writes();
      for (let i = 0; i < 5; i++) run.operator.queue.add(`${ns}/ph`);
      await settled(run);
      expect(await run.writes()).to.equal(before);
      expect((await getInstanceSettings(ns, 'ph')).status?.observedGeneration).to.equal(1);
    } finally {
      await run.stop();
    }
  });
});

describe('InstanceSettings sharing a namespace', () => {
  it('leaves a workload alone while two resources select it, and rolls it once one lets go', async () => {
    const ns = await freshNamespace('share');
    const run = await startOperator([ns]);
    try {
      await deployment(ns, 'web', { 'app.kubernetes.io/part-of': 'posthog' });
      const targets = { selector: { matchLabels: { 'app.kubernetes.io/part-of': 'posthog' } } };
      await applyInstanceSettings(ns, 'a', { env: { SITE_URL: 'https://a.example.com' }, targets });
      await waitForStatus(ns, 'a', (c) => c.status?.targets?.[0]?.upToDate === true, 'a to own the target');
      const hashA = await podTemplateHash(ns, 'web');
      expect(hashA).to.match(/^[0-9a-f]{32}$/);

      await applyInstanceSettings(ns, 'b', { env: { SITE_URL: 'https://b.example.com' }, targets });
      for (const [name, other] of [
        ['a', 'b'],
        ['b', 'a'],
      ] as const) {
        const cr = await waitForStatus(
          ns,
          name,
          (c) => condition(c, 'Ready')?.reason === 'TargetConflict',
          `${name} to report the conflict`,
        );
        expect(condition(cr, 'Stalled')?.status).to.equal('True');
        expect(condition(cr, 'Ready')?.message).to.include(
          `Deployment web is also a target of InstanceSettings ${other}`,
        );
        expect(cr.status?.targets?.[0]?.conflictsWith).to.deep.equal([other]);
      }
      await settled(run);
      expect(await podTemplateHash(ns, 'web'), 'nobody rewrote the hash during the conflict').to.equal(hashA);

      // b narrows its selector: a owns the workload again, and the hash is a's.
      await applyInstanceSettings(ns, 'b', {
        env: { SITE_URL: 'https://b.example.com' },
        targets: { selector: { matchLabels: { app: 'none' } } },
      });
      const a = await waitForStatus(ns, 'a', (c) => condition(c, 'Ready')?.status === 'True', 'a to be Ready again');
      expect(await podTemplateHash(ns, 'web')).to.equal(a.status?.envHash);
    } finally {
      await run.stop();
    }
  });
});

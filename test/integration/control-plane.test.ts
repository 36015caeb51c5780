/** Proves the harness is a real cluster: controllers run, garbage collection runs, RBAC is enforced. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { binaryPath } from '../harness/control-plane.js';
import { expect } from 'chai';
import {
  AppsV1Api,
  CoreV1Api,
  RbacAuthorizationV1Api,
  KubeConfig,
  ApiException,
  VersionApi,
} from '@kubernetes/client-node';
import { eventually, freshNamespace, kubeConfig } from './env.js';

describe('local control plane', () => {
  it('reports the stamped Kubernetes version', async () => {
    const info = await kubeConfig().makeApiClient(VersionApi).getCode();
    expect(info.gitVersion).to.match(/^v1\.\d+\.\d+$/);
    expect(info.major).to.equal('1');
  });

  it('turns a Deployment into a ReplicaSet and Pods (kube-controller-manager is running)', async () => {
    const ns = await freshNamespace();
    const apps = kubeConfig().makeApiClient(AppsV1Api);
    const core = kubeConfig().makeApiClient(CoreV1Api);
    await apps.createNamespacedDeployment({
      namespace: ns,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'c', image: 'example.invalid/web:1' }] },
          },
        },
      },
    });
    const rs = await eventually(
      async () => {
        const list = await apps.listNamespacedReplicaSet({ namespace: ns });
        return list.items.length === 1 ? list.items[0] : undefined;
      },
      30_000,
      'a ReplicaSet',
    );
    expect(rs.metadata?.ownerReferences?.[0]?.name).to.equal('web');
    const pods = await eventually(
      async () => {
        const list = await core.listNamespacedPod({ namespace: ns });
        return list.items.length === 2 ? list.items : undefined;
      },
      30_000,
      'two Pods',
    );
    expect(pods.every((p) => p.status?.phase === 'Pending')).to.equal(true);
  });

  it('garbage-collects a ConfigMap whose owner is deleted', async () => {
    const ns = await freshNamespace();
    const core = kubeConfig().makeApiClient(CoreV1Api);
    const owner = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'owner' } } });
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: {
        metadata: {
          name: 'owned',
          ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata!.uid! }],
        },
        data: { a: '1' },
      },
    });
    await core.deleteNamespacedConfigMap({ name: 'owner', namespace: ns });
    await eventually(
      async () => {
        try {
          await core.readNamespacedConfigMap({ name: 'owned', namespace: ns });
          return undefined;
        } catch (err) {
          return err instanceof ApiException && err.code === 404 ? true : undefined;
        }
      },
      60_000,
      'the owned ConfigMap to be garbage-collected',
    );
  });

  it('refuses a service account without a Role (403) and allows it after a RoleBinding', async () => {
    const ns = await freshNamespace();
    const kc = kubeConfig();
    const core = kc.makeApiClient(CoreV1Api);
    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'reader' } } });
    const tr = await core.createNamespacedServiceAccountToken({
      name: 'reader',
      namespace: ns,
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const saKc = new KubeConfig();
    const cluster = kc.getCurrentCluster()!;
    saKc.loadFromOptions({
      clusters: [cluster],
      users: [{ name: 'reader', token: tr.status!.token }],
      contexts: [{ name: 'reader', cluster: cluster.name, user: 'reader' }],
      currentContext: 'reader',
    });
    const asReader = saKc.makeApiClient(CoreV1Api);
    const err = await asReader.listNamespacedConfigMap({ namespace: ns }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(ApiException);
    expect((err as ApiException<unknown>).code).to.equal(403);

    await rbac.createNamespacedRole({
      namespace: ns,
      body: { metadata: { name: 'cm-read' }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['list'] }] },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: ns,
      body: {
        metadata: { name: 'cm-read' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'cm-read' },
        subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: ns }],
      },
    });
    const list = await eventually(() => asReader.listNamespacedConfigMap({ namespace: ns }), 10_000, 'RBAC to allow');
    expect(list.items).to.be.an('array');
  });
});

describe('make cluster-up / cluster-down', () => {
  it('starts a cluster kubectl can use and stops it leaving no process behind', () => {
    const cli = join(resolve(dirname(fileURLToPath(import.meta.url)), '..'), 'harness/cluster-cli.js');
    const base = mkdtempSync(join(tmpdir(), 'cluster-cli-'));
    const dir = join(base, 'cluster');
    try {
      const up = spawnSync(process.execPath, [cli, 'up', '--dir', dir], { encoding: 'utf8', timeout: 120_000 });
      expect(up.status, up.stderr).to.equal(0);
      expect(up.stdout).to.include(join(base, 'kubeconfig'));
      const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as {
        supervisor: number;
        children: number[];
      };
      expect(state.children).to.have.length(3);
      const get = spawnSync(binaryPath('kubectl'), ['--kubeconfig', join(base, 'kubeconfig'), 'get', 'ns', 'default'], {
        encoding: 'utf8',
      });
      expect(get.status, get.stderr).to.equal(0);

      const down = spawnSync(process.execPath, [cli, 'down', '--dir', dir], { encoding: 'utf8', timeout: 60_000 });
      expect(down.status, down.stderr).to.equal(0);
      const alive = [state.supervisor, ...state.children].filter((pid) => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      });
      expect(alive, 'processes left running').to.deep.equal([]);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});

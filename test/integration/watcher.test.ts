/** The watch layer against the real API server: it reconnects, relists on 410 and restarts silent watches. */
import { expect } from 'chai';
import { CoreV1Api, type KubernetesObject } from '@kubernetes/client-node';
import { Watcher, type WatchEventType } from '../../src/controller/watcher.js';
import { Kube } from '../../src/kube/client.js';
import { createLogger } from '../../src/observability/logger.js';
import { Metrics } from '../../src/observability/metrics.js';
import { ControlPlane } from '../harness/control-plane.js';
import { eventually, freshNamespace, kubeConfig } from './env.js';

/** Compact etcd up to its current revision (its JSON gateway), so older resourceVersions are gone for good. */
async function compactEtcd(etcdUrl: string): Promise<void> {
  const range = (await (
    await fetch(`${etcdUrl}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: 'Lw==' }) })
  ).json()) as {
    header: { revision: string };
  };
  const res = await fetch(`${etcdUrl}/v3/kv/compaction`, {
    method: 'POST',
    body: JSON.stringify({ revision: range.header.revision, physical: true }),
  });
  expect(res.status).to.equal(200);
}

function recorder() {
  const lists: KubernetesObject[][] = [];
  const events: { type: WatchEventType; name: string }[] = [];
  return {
    lists,
    events,
    handler: {
      onList: (items: KubernetesObject[]) => lists.push(items),
      onEvent: (type: WatchEventType, obj: KubernetesObject) => events.push({ type, name: obj.metadata?.name ?? '' }),
    },
  };
}

async function restarts(metrics: Metrics, reason: string): Promise<number> {
  const m = await metrics.watchRestarts.get();
  return m.values.filter((v) => v.labels.reason === reason).reduce((a, v) => a + v.value, 0);
}

describe('Watcher', () => {
  const log = createLogger('error');

  it('relists when its resourceVersion has expired (410 Gone) and keeps delivering events', async () => {
    // A plane of its own without the watch cache: then a compacted revision reliably answers 410, as it does
    // in production when a watch resumes after a long disconnection.
    const plane = await ControlPlane.start({ controllerManager: false, apiServerArgs: ['--watch-cache=false'] });
    const kc = plane.kubeConfig();
    const ns = 'default';
    const metrics = new Metrics(false);
    const rec = recorder();
    const w = new Watcher(
      kc,
      new Kube(kc, metrics),
      { apiVersion: 'v1', kind: 'ConfigMap', path: `/api/v1/namespaces/${ns}/configmaps`, namespace: ns },
      rec.handler,
      log,
      metrics,
    );
    w.start();
    try {
      await eventually(() => Promise.resolve(w.synced || undefined), 10_000, 'the first list');
      const core = kc.makeApiClient(CoreV1Api);
      await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'one' } } });
      await eventually(() => Promise.resolve(rec.events.find((e) => e.name === 'one')), 10_000, 'the ADDED event');

      // Sleep through a compaction: resume from a resourceVersion etcd no longer has.
      await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'bump' } } });
      await compactEtcd(plane.etcdUrl);
      (w as unknown as { resourceVersion: string }).resourceVersion = '1';
      (w as unknown as { abort?: AbortController }).abort?.abort();
      await eventually(() => Promise.resolve(rec.lists.length >= 2 || undefined), 20_000, 'a relist after 410');
      expect(rec.lists.at(-1)!.map((o) => o.metadata?.name)).to.include('one');
      await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'two' } } });
      await eventually(
        () => Promise.resolve(rec.events.find((e) => e.name === 'two')),
        10_000,
        'events after the relist',
      );
      expect((await restarts(metrics, 'expired')) + (await restarts(metrics, 'error'))).to.be.greaterThan(0);
    } finally {
      w.stop();
      await plane.stop();
    }
  });

  it('restarts a watch that has been silent too long, without losing events', async () => {
    const ns = await freshNamespace('watch');
    const kc = kubeConfig();
    const metrics = new Metrics(false);
    const rec = recorder();
    const w = new Watcher(
      kc,
      new Kube(kc, metrics),
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        path: `/api/v1/namespaces/${ns}/configmaps`,
        namespace: ns,
        silenceMs: 300,
      },
      rec.handler,
      log,
      metrics,
    );
    w.start();
    try {
      await eventually(
        async () => ((await restarts(metrics, 'silent')) >= 2 ? true : undefined),
        20_000,
        'silent restarts',
      );
      const core = kc.makeApiClient(CoreV1Api);
      await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'after-silence' } } });
      await eventually(
        () => Promise.resolve(rec.events.find((e) => e.name === 'after-silence')),
        10_000,
        'the event after restarts',
      );
      // Restarts resume from the last resourceVersion: one list only, no replay of old objects.
      expect(rec.lists).to.have.length(1);
    } finally {
      w.stop();
    }
  });
});

/**
 * The running operator, in separate stages as kube-rs lays them out: watchers (list+watch, no caches but the
 * InstanceSettings themselves) → mapping of every event to the InstanceSettings it concerns → a de-duplicating
 * work queue → a few workers, each reconciling one object at a time. A periodic resync requeues everything as a
 * safety net for anything a watch may have missed.
 */
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { Annotations, API_VERSION, GROUP, Kinds, Labels, OPERATOR_NAME, VERSION } from '../api/constants.js';
import type { InstanceSettings } from '../api/types.js';
import { Kube } from '../kube/client.js';
import { describeApiError } from '../kube/errors.js';
import { selectorMatches } from '../kube/selector.js';
import { errorMessage, type Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { HealthSource } from '../observability/server.js';
import { jsonEqual } from './conditions.js';
import { InstanceSettingsReconciler } from './reconciler.js';
import { Watcher, type WatchEventType, type WatchHandler } from './watcher.js';
import { WorkQueue } from './workqueue.js';

export interface OperatorOptions {
  /** Namespaces to watch; empty means all. */
  namespaces: string[];
  workers: number;
  resyncMs: number;
  watchSilenceMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
}

const keyOf = (ns: string, name: string) => `${ns}/${name}`;
const splitKey = (key: string) => key.split('/') as [string, string];

export class Operator implements HealthSource {
  readonly kube: Kube;
  readonly queue: WorkQueue;
  /** The only objects held in memory: the InstanceSettings (needed to map other events to them). */
  private readonly cache = new Map<string, InstanceSettings>();
  private readonly watchers: Watcher[] = [];
  private resyncTimer: NodeJS.Timeout | undefined;
  private workersDone: Promise<void>[] = [];
  private running = false;
  private readonly reconciler: InstanceSettingsReconciler;

  constructor(
    private readonly kc: KubeConfig,
    private readonly opts: OperatorOptions,
    private readonly log: Logger,
    private readonly metrics: Metrics,
  ) {
    this.kube = new Kube(kc, metrics);
    this.queue = new WorkQueue({
      baseDelayMs: opts.backoffBaseMs,
      maxDelayMs: opts.backoffMaxMs,
      onDepth: (d) => metrics.queueDepth.set(d),
    });
    this.reconciler = new InstanceSettingsReconciler({ kube: this.kube, log, metrics });
  }

  healthy(): { ok: boolean; detail: string } {
    const limit = (this.opts.watchSilenceMs ?? 5 * 60_000) * 3;
    const stuck = this.watchers.filter((w) => w.silentForMs > limit);
    return stuck.length
      ? { ok: false, detail: `${stuck.length} watch(es) silent for too long` }
      : { ok: true, detail: 'watching' };
  }

  ready(): { ok: boolean; detail: string } {
    if (!this.running) return { ok: true, detail: 'standby (not the leader)' };
    const pending = this.watchers.filter((w) => !w.synced).length;
    return pending ? { ok: false, detail: `${pending} watch(es) not yet synced` } : { ok: true, detail: 'synced' };
  }

  start(): void {
    this.running = true;
    const namespaces = this.opts.namespaces.length ? this.opts.namespaces : [undefined];
    for (const ns of namespaces) {
      const nsPath = (prefix: string, plural: string) =>
        ns ? `${prefix}/namespaces/${ns}/${plural}` : `${prefix}/${plural}`;
      const crPrefix = `/apis/${GROUP}/${VERSION}`;
      const managed = `${Labels.managedBy}=${OPERATOR_NAME}`;
      this.watch(
        {
          apiVersion: API_VERSION,
          kind: Kinds.InstanceSettings.kind,
          path: nsPath(crPrefix, Kinds.InstanceSettings.plural),
          namespace: ns,
        },
        this.primaryHandler(ns),
      );
      this.watch(
        {
          apiVersion: API_VERSION,
          kind: Kinds.InstanceStaff.kind,
          path: nsPath(crPrefix, Kinds.InstanceStaff.plural),
          namespace: ns,
          labelSelector: managed,
        },
        this.ownedHandler(),
      );
      // Only our ConfigMaps: unrelated ones are never listed or held.
      this.watch(
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          path: nsPath('/api/v1', 'configmaps'),
          namespace: ns,
          labelSelector: managed,
        },
        this.ownedHandler(),
      );
      // Every Secret passes through (a referenced one may carry any labels) but none is kept.
      this.watch(
        { apiVersion: 'v1', kind: 'Secret', path: nsPath('/api/v1', 'secrets'), namespace: ns },
        this.secretHandler(),
      );
      for (const kind of ['Deployment', 'StatefulSet', 'DaemonSet'] as const) {
        this.watch(
          { apiVersion: 'apps/v1', kind, path: nsPath('/apis/apps/v1', `${kind.toLowerCase()}s`), namespace: ns },
          this.workloadHandler(kind),
        );
      }
    }
    for (let i = 0; i < this.opts.workers; i++) this.workersDone.push(this.worker());
    this.resyncTimer = setInterval(() => {
      for (const key of this.cache.keys()) this.queue.add(key);
    }, this.opts.resyncMs);
    this.resyncTimer.unref();
  }

  async stop(): Promise<void> {
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    for (const w of this.watchers) w.stop();
    this.queue.shutdown();
    // Let in-flight reconciles finish: a half-written rollout is worse than a short wait.
    await Promise.all(this.workersDone);
  }

  private watch(opts: ConstructorParameters<typeof Watcher>[2], handler: WatchHandler): void {
    const w = new Watcher(
      this.kc,
      this.kube,
      { ...opts, silenceMs: this.opts.watchSilenceMs },
      handler,
      this.log,
      this.metrics,
    );
    this.watchers.push(w);
    w.start();
  }

  private primaryHandler(namespace: string | undefined): WatchHandler {
    // Targets are shared ground: when one resource's targets change, its neighbours may gain or lose a conflict.
    const requeueNeighbours = (cr: InstanceSettings) => {
      for (const [key, other] of this.cache) {
        if (other.metadata.namespace === cr.metadata.namespace && other.spec?.targets) this.queue.add(key);
      }
    };
    const put = (obj: KubernetesObject) => {
      const key = keyOf(obj.metadata!.namespace!, obj.metadata!.name!);
      const cr = obj as InstanceSettings;
      const before = this.cache.get(key);
      this.cache.set(key, cr);
      this.queue.add(key);
      if (!jsonEqual(before?.spec?.targets, cr.spec?.targets)) requeueNeighbours(cr);
    };
    return {
      onList: (items) => {
        // A relist is the truth for this watcher's namespace: forget what is no longer there.
        const seen = new Set(items.map((o) => keyOf(o.metadata!.namespace!, o.metadata!.name!)));
        for (const key of [...this.cache.keys()]) {
          if ((!namespace || key.startsWith(`${namespace}/`)) && !seen.has(key)) this.cache.delete(key);
        }
        items.forEach(put);
      },
      onEvent: (type, obj) => {
        if (type !== 'DELETED') return put(obj);
        this.cache.delete(keyOf(obj.metadata!.namespace!, obj.metadata!.name!));
        if ((obj as InstanceSettings).spec?.targets) requeueNeighbours(obj as InstanceSettings);
      },
    };
  }

  /** Something we projected changed (or was deleted): converge its owner. */
  private ownedHandler(): WatchHandler {
    const enqueue = (obj: KubernetesObject) => {
      const owner =
        obj.metadata?.labels?.[Labels.instance] ??
        obj.metadata?.ownerReferences?.find((r) => r.kind === Kinds.InstanceSettings.kind)?.name;
      if (owner) this.queue.add(keyOf(obj.metadata!.namespace!, owner));
    };
    return { onList: (items) => items.forEach(enqueue), onEvent: (_type, obj) => enqueue(obj) };
  }

  private secretHandler(): WatchHandler {
    const owned = this.ownedHandler();
    const enqueue = (obj: KubernetesObject) => {
      if (obj.metadata?.labels?.[Labels.managedBy] === OPERATOR_NAME) return owned.onEvent('MODIFIED', obj);
      const ns = obj.metadata!.namespace!;
      const name = obj.metadata!.name!;
      for (const [key, cr] of this.cache) {
        if (cr.metadata.namespace !== ns) continue;
        const refs = [...Object.values(cr.spec?.secretSettings ?? {}), ...Object.values(cr.spec?.secretEnv ?? {})];
        if (refs.some((r) => r?.secretKeyRef?.name === name)) this.queue.add(key);
      }
    };
    // After a (re)list everything is requeued by the primary handler already; only live changes matter here.
    return { onList: () => undefined, onEvent: (_type, obj) => enqueue(obj) };
  }

  /** A target workload appeared or changed: the InstanceSettings selecting it make sure it carries the hash. */
  private workloadHandler(kind: string): WatchHandler {
    const enqueue = (type: WatchEventType, obj: KubernetesObject) => {
      const ns = obj.metadata!.namespace!;
      const carried = (obj as { spec?: { template?: { metadata?: { annotations?: Record<string, string> } } } }).spec
        ?.template?.metadata?.annotations?.[Annotations.envHash];
      for (const [key, cr] of this.cache) {
        const t = cr.spec?.targets;
        if (cr.metadata.namespace !== ns || !t?.selector) continue;
        if (t.kinds?.length && !t.kinds.includes(kind as never)) continue;
        if (!selectorMatches(t.selector, obj.metadata?.labels)) continue;
        // Workload status churns with every Pod; only a target that lacks the current hash (or is gone, for the
        // status) needs its InstanceSettings reconciled.
        if (
          type !== 'DELETED' &&
          cr.spec?.rollout !== 'Manual' &&
          carried !== undefined &&
          carried === cr.status?.envHash
        )
          continue;
        this.queue.add(key);
      }
    };
    return { onList: () => undefined, onEvent: enqueue };
  }

  private async worker(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      const [ns, name] = splitKey(key);
      const end = this.metrics.reconcileDuration.startTimer({ kind: 'InstanceSettings' });
      try {
        await this.reconciler.reconcile(ns, name);
        this.queue.forget(key);
      } catch (err) {
        const delay = this.queue.retry(key);
        this.metrics.reconcileErrors.inc({ kind: 'InstanceSettings' });
        this.metrics.reconciles.inc({ kind: 'InstanceSettings', result: 'error' });
        this.log.warn('reconcile failed; will retry', {
          namespace: ns,
          name,
          error: describeApiError(err) || errorMessage(err),
          retryInMs: delay,
        });
      } finally {
        end();
        this.queue.done(key);
      }
    }
  }
}

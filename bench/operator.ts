/**
 * `make bench` (second part): the operator on a real control plane, figures printed against baselines measured in
 * the same run on the same cluster, so they are comparable across machines.
 *
 * 1. Convergence of N InstanceSettings (settings, env, a secretEnv reference, one target Deployment each) against
 *    a plain client server-side-applying the same objects with the same concurrency as the operator's workers;
 *    API writes per resource, and the writes of a second pass where every key is requeued with nothing changed.
 * 2. Heap of the operator (watching all namespaces) before and after M unrelated ConfigMaps and M unrelated Secrets
 *    appear elsewhere, against the raw size of their data: the operator must not hold objects it does not need.
 *    The objects are created by kubectl (child processes), so only the operator's allocations are in this heap.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  PatchStrategy,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { Annotations, API_VERSION, GROUP, Kinds, VERSION } from '../src/api/constants.js';
import type { InstanceSettings, InstanceSettingsSpec } from '../src/api/types.js';
import { Operator } from '../src/controller/operator.js';
import { createLogger } from '../src/observability/logger.js';
import { Metrics } from '../src/observability/metrics.js';
import { project, rolloutAnnotationPatch } from '../src/projection/index.js';
import { validateSpec } from '../src/validation/index.js';
import { eventually as pollUntil } from '../test/harness/eventually.js';
import { binaryPath, ControlPlane } from '../test/harness/control-plane.js';

const N = 40; // InstanceSettings (and target Deployments) in the convergence run
const WORKERS = 4; // the operator's workers, and the baseline's concurrency
const M = 1500; // unrelated ConfigMaps, and as many unrelated Secrets
const PAYLOAD = 2048; // bytes of data in each unrelated object
const KUBECTL_PROCS = 4; // parallel kubectl processes creating the unrelated objects

const repoRoot = resolve(fileURLToPath(import.meta.url), '../../..');
const OP_NS = 'bench-operator';
const BASE_NS = 'bench-baseline';
const UNRELATED_NS = 'bench-unrelated';
const TARGET_LABEL = 'bench.posthog-operator.dev/instance';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MB`;
const b64 = (s: string) => Buffer.from(s).toString('base64');

/** The tests' polling helper, at a finer interval: convergence times are measured with it. */
const eventually = <T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 90_000) =>
  pollUntil(check, timeoutMs, what, 100);

/** Run `fn` over `items` with at most `n` in flight, each worker taking the next item when it is done. */
async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('exit', (code) =>
      code === 0 ? done() : fail(new Error(`${cmd} ${args.join(' ')} exited ${String(code)}: ${stderr.trim()}`)),
    );
  });
}

/**
 * heapUsed after forced collections: the median of the last ten of twenty readings, since watch events from the
 * controller manager keep arriving and move single readings by some tens of kilobytes.
 */
async function settledHeap(): Promise<NodeJS.MemoryUsage> {
  const readings: number[] = [];
  for (let i = 0; i < 20; i++) {
    globalThis.gc?.();
    globalThis.gc?.();
    await sleep(50);
    readings.push(process.memoryUsage().heapUsed);
  }
  if (process.env.BENCH_DEBUG) console.log(`  heapUsed readings: ${readings.map(mb).join(' ')}`);
  const last = readings.slice(-10).sort((x, y) => x - y);
  return { ...process.memoryUsage(), heapUsed: (last[4]! + last[5]!) / 2 };
}

const specFor = (i: number): InstanceSettingsSpec => ({
  posthogVersion: '1.43.0',
  settings: { EMAIL_HOST: `smtp-${i}.example.com`, EMAIL_PORT: 587, EMAIL_USE_TLS: true },
  env: { SITE_URL: `https://posthog-${i}.example.com` },
  secretEnv: { SECRET_KEY: { secretKeyRef: { name: `creds-${i}`, key: 'secret-key' } } },
  targets: { selector: { matchLabels: { [TARGET_LABEL]: `ph-${i}` } } },
});
const secretValue = (i: number) => `secret-key-${i}`;

class Cluster {
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly custom: CustomObjectsApi;
  readonly objects: KubernetesObjectApi;
  constructor(
    readonly kc: KubeConfig,
    readonly kubectlPath: string,
    readonly kubeconfigPath: string,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.apps = kc.makeApiClient(AppsV1Api);
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.objects = KubernetesObjectApi.makeApiClient(kc);
  }

  kubectl(args: string[]): Promise<void> {
    return run(this.kubectlPath, [...args, '--kubeconfig', this.kubeconfigPath]);
  }

  async installCrds(): Promise<void> {
    await this.kubectl(['apply', '-f', join(repoRoot, 'crds')]);
    await this.kubectl(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=60s']);
    await eventually('the InstanceSettings API to be served', async () => {
      await this.custom.listClusterCustomObject({
        group: GROUP,
        version: VERSION,
        plural: Kinds.InstanceSettings.plural,
      });
      return true;
    });
  }

  async namespace(name: string): Promise<void> {
    await this.core.createNamespace({ body: { metadata: { name } } });
  }

  /** The referenced Secret and the target Deployment of resource i. */
  async fixtures(ns: string, i: number): Promise<void> {
    await this.core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: `creds-${i}` }, data: { 'secret-key': b64(secretValue(i)) } },
    });
    const app = `web-${i}`;
    await this.apps.createNamespacedDeployment({
      namespace: ns,
      body: {
        metadata: { name: app, labels: { [TARGET_LABEL]: `ph-${i}` } },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app } },
          template: {
            metadata: { labels: { app } },
            spec: { containers: [{ name: 'web', image: 'example.invalid/posthog:1' }] },
          },
        },
      },
    });
  }

  apply(obj: KubernetesObject, manager: string): Promise<KubernetesObject> {
    return this.objects.patch(obj, undefined, undefined, manager, true, PatchStrategy.ServerSideApply);
  }

  /** Whether all N resources are Ready for their current generation and every target carries their env hash. */
  async converged(ns: string): Promise<boolean> {
    const list = (await this.custom.listNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: ns,
      plural: Kinds.InstanceSettings.plural,
    })) as { items: InstanceSettings[] };
    if (list.items.length < N) return false;
    const hashes = new Map<string, string>();
    for (const cr of list.items) {
      const ready = cr.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
      if (!ready || cr.status?.observedGeneration !== cr.metadata.generation || !cr.status?.envHash) return false;
      hashes.set(cr.metadata.name!, cr.status.envHash);
    }
    const deployments = (await this.apps.listNamespacedDeployment({ namespace: ns })).items;
    if (deployments.length < N) return false;
    return deployments.every((d) => {
      const owner = d.metadata?.labels?.[TARGET_LABEL];
      const hash = d.spec?.template?.metadata?.annotations?.[Annotations.envHash];
      return owner !== undefined && hash !== undefined && hash === hashes.get(owner);
    });
  }
}

/** The operator in this process, watching all namespaces, with the counters the benchmark reads. */
class RunningOperator {
  readonly metrics = new Metrics(false);
  readonly operator: Operator;
  constructor(kc: KubeConfig) {
    this.operator = new Operator(
      kc,
      { namespaces: [], workers: WORKERS, resyncMs: 10 * 60_000, backoffBaseMs: 200, backoffMaxMs: 5_000 },
      createLogger(process.env.BENCH_LOG_LEVEL ?? 'error'),
      this.metrics,
    );
  }
  writes = () => this.metrics.total(this.metrics.apiWrites);
  reconciles = () => this.metrics.total(this.metrics.reconciles);

  async writesByKind(): Promise<string> {
    const m = await this.metrics.apiWrites.get();
    return m.values
      .filter((v) => v.value > 0)
      .map((v) => `${String(v.labels.verb)} ${String(v.labels.kind)} ${(v.value / N).toFixed(2)}`)
      .sort()
      .join(', ');
  }

  /** Until nothing is queued and neither reconciles nor writes have moved for `quietMs`. */
  async settled(quietMs = 1500, minReconciles = 0): Promise<void> {
    let last = '';
    let since = Date.now();
    await eventually('the operator to settle', async () => {
      const [w, r] = [await this.writes(), await this.reconciles()];
      const now = `${w}/${r}`;
      if (now !== last || this.operator.queue.depth > 0 || r < minReconciles) {
        last = now;
        since = Date.now();
        return undefined;
      }
      return Date.now() - since >= quietMs ? true : undefined;
    });
  }
}

async function baseline(cluster: Cluster): Promise<number> {
  const hashKey = randomBytes(32);
  const plan = Array.from({ length: N }, (_, i) => {
    const cr: InstanceSettings = {
      apiVersion: API_VERSION,
      kind: 'InstanceSettings',
      metadata: { name: `ph-${i}`, namespace: BASE_NS, uid: `baseline-${i}` },
      spec: specFor(i),
    };
    const resolved = validateSpec(cr.spec).resolved;
    if (!resolved) throw new Error('benchmark spec does not validate');
    const secrets = new Map([[`creds-${i}`, { 'secret-key': secretValue(i) }]]);
    const result = project(cr, resolved, { secrets, hashKey });
    if (!result.ok) throw new Error('benchmark spec does not project');
    const p = result.projection;
    // The same objects the operator writes, minus the owner reference (its owner does not exist here).
    const objects = [p.settingsConfigMap, p.envConfigMap, p.secret].map((o) => ({
      ...o,
      metadata: { ...o.metadata, ownerReferences: undefined, labels: { ...o.metadata.labels, 'bench/baseline': '1' } },
    }));
    return { i, objects, envHash: p.envHash! };
  });
  const start = performance.now();
  await pool(plan, WORKERS, async ({ i, objects, envHash }) => {
    for (const o of objects) await cluster.apply(o, 'bench-baseline');
    await cluster.apply(
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: `web-${i}`, namespace: BASE_NS },
        ...rolloutAnnotationPatch(envHash),
      },
      'bench-baseline',
    );
  });
  return performance.now() - start;
}

async function convergence(cluster: Cluster, op: RunningOperator): Promise<void> {
  console.log(`\n1. Convergence of ${N} InstanceSettings (${WORKERS} workers)`);
  const base = await baseline(cluster);
  await sleep(1000); // let the controller manager's rollouts of the baseline Deployments pass

  op.operator.start();
  await eventually('the operator to sync its watches', () =>
    Promise.resolve(op.operator.ready().ok ? true : undefined),
  );
  await op.settled(500);
  const writes0 = await op.writes();

  const start = performance.now();
  await Promise.all(
    Array.from({ length: N }, (_, i) =>
      cluster.apply(
        {
          apiVersion: API_VERSION,
          kind: Kinds.InstanceSettings.kind,
          metadata: { name: `ph-${i}`, namespace: OP_NS },
          spec: specFor(i),
        } as KubernetesObject,
        'bench',
      ),
    ),
  );
  await eventually('all InstanceSettings to converge', async () =>
    (await cluster.converged(OP_NS)) ? true : undefined,
  );
  const operatorMs = performance.now() - start;
  await op.settled();
  const writes = (await op.writes()) - writes0;
  const reconciles = await op.reconciles();
  const errors = await op.metrics.total(op.metrics.reconcileErrors);

  console.log(`baseline (plain client, server-side apply of 2 ConfigMaps + 1 Secret + 1 Deployment patch each):`);
  console.log(`  ${seconds(base)}  (${((base * WORKERS) / N).toFixed(0)} ms per resource on one worker)`);
  console.log(`operator (create → all Ready, observedGeneration current, every Deployment carries the hash):`);
  console.log(`  ${seconds(operatorMs)}  = ${(operatorMs / base).toFixed(2)}x baseline`);
  console.log(
    `API writes: ${(writes / N).toFixed(2)} per resource (baseline: 4.00); ${reconciles} reconciles (${(reconciles / N).toFixed(1)} per resource), ${errors} failed`,
  );
  console.log(`  by verb and kind, per resource: ${await op.writesByKind()}`);

  const w1 = await op.writes();
  const r1 = await op.reconciles();
  for (let i = 0; i < N; i++) op.operator.queue.add(`${OP_NS}/ph-${i}`);
  await op.settled(1500, r1 + N);
  console.log(
    `second pass, every key requeued with nothing changed: ${(await op.reconciles()) - r1} reconciles, ${(await op.writes()) - w1} API writes (expected 0)`,
  );
}

/** Unrelated objects as kubectl List files, one per kubectl process; written before any heap is measured. */
function unrelatedManifests(
  dir: string,
  prefix: string,
  count: number,
): { files: string[]; rawBytes: number; manifestBytes: number } {
  const files: string[] = [];
  let rawBytes = 0;
  let manifestBytes = 0;
  for (let f = 0; f < KUBECTL_PROCS; f++) {
    const items: object[] = [];
    for (let i = f; i < count; i += KUBECTL_PROCS) {
      const metadata = { name: `${prefix}-${i}`, namespace: UNRELATED_NS, labels: { app: 'unrelated', batch: prefix } };
      const text = randomBytes(PAYLOAD / 2).toString('hex');
      items.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata, data: { payload: text } });
      const bytes = randomBytes(PAYLOAD).toString('base64');
      items.push({ apiVersion: 'v1', kind: 'Secret', metadata, type: 'Opaque', data: { payload: bytes } });
      rawBytes += 2 * PAYLOAD;
    }
    const file = join(dir, `${prefix}-${f}.json`);
    writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
    manifestBytes += statSync(file).size;
    files.push(file);
  }
  return { files, rawBytes, manifestBytes };
}

/**
 * Create the objects with kubectl (other processes), then wait until the operator has seen every one: watch events
 * arrive in order, so once a change made afterwards to a referenced Secret has been reconciled, every unrelated
 * Secret before it has been passed over. (Unrelated ConfigMaps never reach the operator: its watch is filtered.)
 */
async function createUnrelated(cluster: Cluster, op: RunningOperator, files: string[], mark: string): Promise<number> {
  const start = performance.now();
  await Promise.all(files.map((f) => cluster.kubectl(['create', '-f', f, '-o', 'name'])));
  const ms = performance.now() - start;
  const r0 = await op.reconciles();
  const touched = await cluster.core.readNamespacedSecret({ name: 'creds-0', namespace: OP_NS });
  touched.metadata!.labels = { ...touched.metadata!.labels, 'bench/mark': mark };
  await cluster.core.replaceNamespacedSecret({ name: 'creds-0', namespace: OP_NS, body: touched });
  await op.settled(1500, r0 + 1);
  return ms;
}

async function memory(cluster: Cluster, op: RunningOperator): Promise<void> {
  console.log(`\n2. Operator heap against ${M} unrelated ConfigMaps + ${M} unrelated Secrets (${PAYLOAD} B each)`);
  if (!globalThis.gc) throw new Error('run with node --expose-gc');
  await cluster.namespace(UNRELATED_NS);
  const dir = mkdtempSync(join(tmpdir(), 'posthog-bench-'));
  try {
    const warm = unrelatedManifests(dir, 'warm-up', 100);
    const { files, rawBytes, manifestBytes } = unrelatedManifests(dir, 'unrelated', M);
    // A small batch first, so that the code this path runs is compiled before the heap is measured.
    await createUnrelated(cluster, op, warm.files, 'warm-up');
    const before = await settledHeap();
    const w0 = await op.writes();
    const createMs = await createUnrelated(cluster, op, files, 'measured');
    const after = await settledHeap();

    const growth = after.heapUsed - before.heapUsed;
    const offHeap = after.external + after.arrayBuffers - (before.external + before.arrayBuffers);
    console.log(`created with kubectl in ${seconds(createMs)}; operator writes meanwhile: ${(await op.writes()) - w0}`);
    console.log(`raw data created: ${mb(rawBytes)} (${rawBytes} bytes; manifests ${mb(manifestBytes)})`);
    console.log(`operator heapUsed before: ${mb(before.heapUsed)}`);
    console.log(`operator heapUsed after:  ${mb(after.heapUsed)}`);
    console.log(
      `growth: ${mb(growth)} = ${((growth / rawBytes) * 100).toFixed(1)}% of the raw data size (${(growth / rawBytes).toFixed(3)}x)`,
    );
    console.log(`off-heap (external + arrayBuffers) change: ${mb(offHeap)}`);

    // What the measurement shows for a process that does keep them, as an informer cache does: list and hold.
    const held = [
      ...(await cluster.core.listNamespacedConfigMap({ namespace: UNRELATED_NS, labelSelector: 'batch=unrelated' }))
        .items,
      ...(await cluster.core.listNamespacedSecret({ namespace: UNRELATED_NS, labelSelector: 'batch=unrelated' })).items,
    ];
    const cached = await settledHeap();
    const cacheGrowth = cached.heapUsed - after.heapUsed;
    console.log(
      `for comparison, holding the ${held.length} listed objects in this process: +${mb(cacheGrowth)} = ${(cacheGrowth / rawBytes).toFixed(2)}x the raw data size`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const cp = await ControlPlane.start();
  let op: RunningOperator | undefined;
  try {
    console.log(`control plane ready in ${seconds(performance.now() - t0)}`);
    const cluster = new Cluster(cp.kubeConfig(), binaryPath('kubectl'), cp.kubeconfigPath);
    await cluster.installCrds();
    await cluster.namespace(OP_NS);
    await cluster.namespace(BASE_NS);
    await pool(
      Array.from({ length: N }, (_, i) => i),
      8,
      async (i) => {
        await cluster.fixtures(OP_NS, i);
        await cluster.fixtures(BASE_NS, i);
      },
    );
    op = new RunningOperator(cp.kubeConfig());
    await convergence(cluster, op);
    await memory(cluster, op);
    console.log(`\noperator benchmark done in ${seconds(performance.now() - t0)}`);
  } finally {
    await op?.operator.stop();
    await cp.stop();
  }
}

// Heap figures need a forced GC, and no bytecode flushing: V8 drops the bytecode of functions that stopped running
// (the set-up code) a few collections later, which would show as a shrinking heap unrelated to the data.
const NODE_FLAGS = ['--expose-gc', '--no-flush-bytecode'];
if (!NODE_FLAGS.every((f) => process.execArgv.includes(f))) {
  const child = spawn(process.execPath, [...NODE_FLAGS, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exitCode = 1;
  });
}

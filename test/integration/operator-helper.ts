/** Runs the operator in-process (or as a `posthog-settings run` process) against the test control plane, and small
 * helpers around InstanceSettings. */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  PatchStrategy,
  type CoreV1Event,
} from '@kubernetes/client-node';
import { API_VERSION, GROUP, Kinds, VERSION } from '../../src/api/constants.js';
import type { InstanceSettings, InstanceSettingsSpec, InstanceStaff } from '../../src/api/types.js';
import { Operator } from '../../src/controller/operator.js';
import { createLogger } from '../../src/observability/logger.js';
import { Metrics } from '../../src/observability/metrics.js';
import { controlPlane, eventually, kubeConfig } from './env.js';
import { installCrds } from './crds-helper.js';

export interface RunningOperator {
  operator: Operator;
  metrics: Metrics;
  stop(): Promise<void>;
  writes(): Promise<number>;
}

export async function startOperator(namespaces: string[]): Promise<RunningOperator> {
  await installCrds();
  const metrics = new Metrics(false);
  const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'error');
  const operator = new Operator(
    kubeConfig(),
    { namespaces, workers: 4, resyncMs: 60_000, backoffBaseMs: 200, backoffMaxMs: 5_000 },
    log,
    metrics,
  );
  operator.start();
  return { operator, metrics, stop: () => operator.stop(), writes: () => metrics.total(metrics.apiWrites) };
}

export async function applyInstanceSettings(
  namespace: string,
  name: string,
  spec: InstanceSettingsSpec,
): Promise<void> {
  const api = KubernetesObjectApi.makeApiClient(kubeConfig());
  const body = { apiVersion: API_VERSION, kind: Kinds.InstanceSettings.kind, metadata: { name, namespace }, spec };
  await api.patch(body, undefined, undefined, 'integration-test', true, PatchStrategy.ServerSideApply);
}

export async function getInstanceSettings(namespace: string, name: string): Promise<InstanceSettings> {
  const custom = kubeConfig().makeApiClient(CustomObjectsApi);
  return (await custom.getNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace,
    plural: Kinds.InstanceSettings.plural,
    name,
  })) as InstanceSettings;
}

export async function deleteInstanceSettings(namespace: string, name: string): Promise<void> {
  const custom = kubeConfig().makeApiClient(CustomObjectsApi);
  await custom.deleteNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace,
    plural: Kinds.InstanceSettings.plural,
    name,
  });
}

export async function getInstanceStaff(namespace: string, name: string): Promise<InstanceStaff> {
  const custom = kubeConfig().makeApiClient(CustomObjectsApi);
  return (await custom.getNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace,
    plural: Kinds.InstanceStaff.plural,
    name,
  })) as InstanceStaff;
}

/** Wait until the operator has reconciled the current generation and the Ready condition satisfies `check`. */
export async function waitForStatus(
  namespace: string,
  name: string,
  check: (cr: InstanceSettings) => boolean,
  what = 'status',
): Promise<InstanceSettings> {
  return eventually(
    async () => {
      const cr = await getInstanceSettings(namespace, name);
      const observed = cr.status?.observedGeneration === cr.metadata.generation;
      return observed && check(cr) ? cr : undefined;
    },
    30_000,
    what,
  );
}

export const condition = (
  cr: { status?: { conditions?: { type: string; status: string; reason: string; message: string }[] } },
  type: string,
) => cr.status?.conditions?.find((c) => c.type === type);

export async function events(namespace: string, involvedName: string): Promise<CoreV1Event[]> {
  const core = kubeConfig().makeApiClient(CoreV1Api);
  const list = await core.listNamespacedEvent({ namespace });
  return list.items.filter((e) => e.involvedObject.name === involvedName);
}

/** Wait until the queue is empty and nothing is in flight for a while: the operator has converged. */
export async function settled(run: RunningOperator, quietMs = 1500): Promise<void> {
  let last = await run.writes();
  let since = Date.now();
  await eventually(
    async () => {
      const now = await run.writes();
      if (now !== last || run.operator.queue.depth > 0) {
        last = now;
        since = Date.now();
        return undefined;
      }
      return Date.now() - since >= quietMs ? true : undefined;
    },
    60_000,
    'the operator to settle',
  );
}

const cli = join(resolve(dirname(fileURLToPath(import.meta.url)), '../../..'), 'dist/src/cli/main.js');

/** `posthog-settings run` as a process on the test control plane, watching `namespace`, metrics on a free port. */
export function spawnRun(namespace: string, flags: string[], stdio: StdioOptions = 'ignore'): ChildProcess {
  const base = ['--kubeconfig', controlPlane().kubeconfigPath, '--namespaces', namespace];
  return spawn(
    process.execPath,
    [cli, 'run', ...base, '--metrics-port', '0', '--metrics-host', '127.0.0.1', ...flags],
    {
      stdio,
    },
  );
}

/** What integration tests share: the one control plane of this run, fresh namespaces, and polling. */
import { randomBytes } from 'node:crypto';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { ControlPlane } from '../harness/control-plane.js';

let plane: ControlPlane | undefined;

export function setControlPlane(cp: ControlPlane | undefined): void {
  plane = cp;
}

export function controlPlane(): ControlPlane {
  if (!plane)
    throw new Error('integration tests need the root hooks (test/integration/hooks.ts) to start a control plane');
  return plane;
}

export function kubeConfig(): KubeConfig {
  return controlPlane().kubeConfig();
}

/** A namespace of its own for one test; deleted afterwards (the controller manager really removes it). */
export async function freshNamespace(prefix = 't'): Promise<string> {
  const name = `${prefix}-${randomBytes(4).toString('hex')}`;
  await kubeConfig()
    .makeApiClient(CoreV1Api)
    .createNamespace({ body: { metadata: { name } } });
  created.push(name);
  return name;
}

const created: string[] = [];

export async function deleteTestNamespaces(): Promise<void> {
  const core = kubeConfig().makeApiClient(CoreV1Api);
  await Promise.all(created.splice(0).map((name) => core.deleteNamespace({ name }).catch(() => undefined)));
}

export { eventually } from '../harness/eventually.js';

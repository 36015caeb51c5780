/**
 * The project's CRDs in the run's control plane, installed once however many test files ask, and kubectl
 * against that control plane.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { binaryPath } from '../harness/control-plane.js';
import { controlPlane, eventually } from './env.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** The generated CRDs (crds/*.yaml), as `make generate` wrote them. */
export const crdsDir = join(repoRoot, 'crds');

export interface KubectlResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

let kubectlPath: string | undefined;

/** Run kubectl against this run's control plane; never throws on a non-zero exit (callers look at status). */
export function kubectl(args: string[], input?: string): KubectlResult {
  kubectlPath ??= binaryPath('kubectl');
  const r = spawnSync(kubectlPath, [...args, '--kubeconfig', controlPlane().kubeconfigPath], {
    input,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** kubectl that must succeed; its stdout. */
export function kubectlOk(args: string[], input?: string): string {
  const r = kubectl(args, input);
  if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${String(r.status)}: ${r.stderr.trim()}`);
  return r.stdout;
}

let installed: { kubeconfig: string; done: Promise<void> } | undefined;

/**
 * Install crds/ into the control plane and wait until the API server serves them. Runs once per control plane;
 * every caller gets the same promise. A failure is not cached, so a later caller tries again.
 */
export function installCrds(): Promise<void> {
  const kubeconfig = controlPlane().kubeconfigPath;
  if (installed?.kubeconfig !== kubeconfig) {
    const done = (async () => {
      kubectlOk(['apply', '-f', crdsDir]);
      kubectlOk(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=60s']);
      // Established can precede discovery by a moment; wait until kubectl can list both kinds.
      await eventually(
        () => {
          const r = kubectl(['get', 'instancesettings,instancestaffs', '--all-namespaces', '-o', 'name']);
          return Promise.resolve(r.status === 0 ? true : undefined);
        },
        30_000,
        'the InstanceSettings and InstanceStaff APIs to be served',
      );
    })();
    installed = { kubeconfig, done };
    done.catch(() => {
      if (installed?.done === done) installed = undefined;
    });
  }
  return installed.done;
}

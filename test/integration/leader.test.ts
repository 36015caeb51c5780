/** Two operator processes (`posthog-settings run`): one leads, the other takes over when the first is killed. */
import type { ChildProcess } from 'node:child_process';
import { expect } from 'chai';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { installCrds } from './crds-helper.js';
import { eventually, freshNamespace, kubeConfig } from './env.js';
import { applyInstanceSettings, condition, spawnRun, waitForStatus } from './operator-helper.js';

function startProcess(ns: string, identity: string): ChildProcess {
  return spawnRun(ns, [
    '--lease-namespace',
    ns,
    '--lease-duration',
    '3',
    '--identity',
    identity,
    '--log-level',
    'warn',
  ]);
}

describe('leader election', () => {
  const procs: ChildProcess[] = [];
  afterEach(() => {
    for (const p of procs.splice(0)) if (p.exitCode === null) p.kill('SIGKILL');
  });

  it('lets one process lead and hands over when it is killed', async () => {
    await installCrds();
    const ns = await freshNamespace('lead');
    const coordination = kubeConfig().makeApiClient(CoordinationV1Api);
    const holder = async () =>
      (await coordination.readNamespacedLease({ name: 'posthog-settings-operator', namespace: ns })).spec
        ?.holderIdentity;

    const a = startProcess(ns, 'operator-a');
    procs.push(a);
    await eventually(async () => ((await holder()) === 'operator-a' ? true : undefined), 30_000, 'operator-a to lead');
    const b = startProcess(ns, 'operator-b');
    procs.push(b);
    await applyInstanceSettings(ns, 'ph', { settings: { EMAIL_HOST: 'smtp.example.com' } });
    await waitForStatus(ns, 'ph', (c) => condition(c, 'Ready')?.status === 'True', 'the leader to reconcile');
    // The standby keeps its hands off the lease while the leader renews it.
    await new Promise((r) => setTimeout(r, 4000));
    expect(await holder()).to.equal('operator-a');

    a.kill('SIGKILL'); // no chance to release: the standby must wait out the lease
    await eventually(
      async () => ((await holder()) === 'operator-b' ? true : undefined),
      30_000,
      'operator-b to take over',
    );
    await applyInstanceSettings(ns, 'ph', { settings: { EMAIL_HOST: 'mail.example.com' } });
    const cr = await waitForStatus(
      ns,
      'ph',
      (c) =>
        condition(c, 'Ready')?.status === 'True' && c.status?.settingsHash !== undefined && c.metadata.generation === 2,
      'the new leader to reconcile',
    );
    expect(cr.status?.observedGeneration).to.equal(2);
  });

  it('releases the lease on SIGTERM so a successor takes over at once', async () => {
    await installCrds();
    const ns = await freshNamespace('lead');
    const coordination = kubeConfig().makeApiClient(CoordinationV1Api);
    const lease = () => coordination.readNamespacedLease({ name: 'posthog-settings-operator', namespace: ns });
    const a = startProcess(ns, 'operator-a');
    procs.push(a);
    await eventually(
      async () => ((await lease()).spec?.holderIdentity === 'operator-a' ? true : undefined),
      30_000,
      'operator-a to lead',
    );
    const exited = new Promise((r) => a.once('exit', r));
    a.kill('SIGTERM');
    await exited;
    const released = await lease();
    expect(released.spec?.holderIdentity ?? '').to.equal('');
  });
});

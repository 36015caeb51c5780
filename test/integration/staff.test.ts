/** Staff users: the InstanceStaff companion resource on the real control plane. */
import { expect } from 'chai';
import { CoreV1Api } from '@kubernetes/client-node';
import type { InstanceSettingsSpec } from '../../src/api/types.js';
import { kubectl } from './crds-helper.js';
import { eventually, freshNamespace, kubeConfig } from './env.js';
import {
  applyInstanceSettings,
  deleteInstanceSettings,
  condition,
  events,
  getInstanceStaff,
  settled,
  startOperator,
  waitForStatus,
  type RunningOperator,
} from './operator-helper.js';

const spec = (staffUsers?: string[]): InstanceSettingsSpec => ({
  settings: { EMAIL_HOST: 'smtp.example.com' },
  ...(staffUsers && { staffUsers }),
});

describe('InstanceStaff', function () {
  let run: RunningOperator;
  let ns: string;

  beforeEach(async () => {
    ns = await freshNamespace('staff');
    run = await startOperator([ns]);
  });
  afterEach(async () => run.stop());

  const staffWhere = (check: (s: Awaited<ReturnType<typeof getInstanceStaff>>) => boolean, what: string) =>
    eventually(
      async () => {
        const s = await getInstanceStaff(ns, 'ph');
        return check(s) ? s : undefined;
      },
      30_000,
      what,
    );

  it('records a normalised list, its history, and follows additions and removals', async () => {
    await applyInstanceSettings(ns, 'ph', spec(['Bob@Example.com', 'alice@example.com', ' alice@example.com ']));
    const cr = await waitForStatus(ns, 'ph', (c) => condition(c, 'Ready')?.status === 'True');
    let staff = await staffWhere((s) => s.status?.count === 2, 'the staff record');
    expect(staff.spec.users).to.deep.equal(['alice@example.com', 'bob@example.com']);
    expect(staff.metadata.ownerReferences?.[0]).to.include({
      kind: 'InstanceSettings',
      name: 'ph',
      uid: cr.metadata.uid,
      controller: true,
    });
    expect(staff.status?.history?.map((h) => `${h.action} ${h.email}`)).to.deep.equal([
      'Added alice@example.com',
      'Added bob@example.com',
    ]);
    expect(condition(staff, 'Ready')?.status).to.equal('True');
    expect(condition(staff, 'StaffRedundancy')?.status).to.equal('True');
    expect(cr.status?.projected?.staff).to.equal('ph');

    await applyInstanceSettings(ns, 'ph', spec(['bob@example.com', 'carol@example.com']));
    staff = await staffWhere(
      (s) => s.spec.users.includes('carol@example.com') && (s.status?.history?.length ?? 0) === 4,
      'carol added, alice removed',
    );
    expect(staff.spec.users).to.deep.equal(['bob@example.com', 'carol@example.com']);
    expect(staff.status?.history?.slice(2).map((h) => `${h.action} ${h.email}`)).to.deep.equal([
      'Added carol@example.com',
      'Removed alice@example.com',
    ]);
    expect(staff.status?.history?.every((h) => !Number.isNaN(Date.parse(h.time)))).to.equal(true);

    // Emails are projected only into the InstanceStaff resource.
    const core = kubeConfig().makeApiClient(CoreV1Api);
    const cms = await core.listNamespacedConfigMap({
      namespace: ns,
      labelSelector: 'app.kubernetes.io/managed-by=posthog-settings-operator',
    });
    expect(JSON.stringify(cms.items)).not.to.include('@example.com');
    expect(JSON.stringify(await events(ns, 'ph'))).not.to.include('@example.com');

    const table = kubectl(['get', 'instancestaff', '-n', ns]);
    expect(table.status).to.equal(0);
    expect(table.stdout).to.match(/NAME\s+STAFF\s+READY\s+AGE/);
    expect(table.stdout).to.match(/ph\s+2\s+True/);
  });

  it('warns with fewer than two staff users', async () => {
    await applyInstanceSettings(ns, 'ph', spec(['solo@example.com']));
    const staff = await staffWhere(
      (s) => condition(s, 'StaffRedundancy')?.status === 'False',
      'the redundancy warning',
    );
    expect(condition(staff, 'StaffRedundancy')?.reason).to.equal('FewerThanTwoStaffUsers');
    expect(condition(staff, 'Ready')?.status).to.equal('True');
    const cr = await waitForStatus(ns, 'ph', (c) => condition(c, 'Ready')?.status === 'True');
    expect(cr.status?.warnings?.join()).to.include('only one staff user');
    await eventually(
      async () => (await events(ns, 'ph')).find((e) => e.reason === 'FewerThanTwoStaffUsers'),
      10_000,
      'a warning event',
    );
  });

  it('refuses invalid addresses, an empty list and dropping the last staff user, keeping the previous record', async () => {
    await applyInstanceSettings(ns, 'ph', spec(['alice@example.com', 'bob@example.com']));
    await staffWhere((s) => s.status?.count === 2, 'the first record');
    await settled(run);

    await applyInstanceSettings(ns, 'ph', spec(['alice@example.com', 'not-an-email']));
    let cr = await waitForStatus(ns, 'ph', (c) => condition(c, 'Ready')?.reason === 'InvalidSpec');
    expect(condition(cr, 'Ready')?.message).to.include('"not-an-email" is not an email address');
    let staff = await staffWhere(
      (s) => condition(s, 'Ready')?.reason === 'InvalidStaffList',
      'the refusal on InstanceStaff',
    );
    expect(staff.spec.users).to.deep.equal(['alice@example.com', 'bob@example.com']);
    expect(condition(staff, 'Ready')?.message).to.include('not-an-email');

    await applyInstanceSettings(ns, 'ph', spec([]));
    await waitForStatus(ns, 'ph', (c) => (condition(c, 'Ready')?.message ?? '').includes('spec.staffUsers: is empty'));
    staff = await staffWhere(
      (s) => (condition(s, 'Ready')?.message ?? '').includes('is empty'),
      'the empty-list refusal',
    );
    expect(staff.spec.users).to.deep.equal(['alice@example.com', 'bob@example.com']);

    await applyInstanceSettings(ns, 'ph', spec());
    cr = await waitForStatus(ns, 'ph', (c) => condition(c, 'Ready')?.reason === 'WouldRemoveLastStaff');
    expect(condition(cr, 'Stalled')?.status).to.equal('True');
    expect(condition(cr, 'StaffRecorded')?.status).to.equal('False');
    staff = await staffWhere((s) => condition(s, 'Ready')?.reason === 'WouldRemoveLastStaff', 'the last-staff refusal');
    expect(staff.spec.users).to.deep.equal(['alice@example.com', 'bob@example.com']);
    expect(staff.status?.history).to.have.length(2);

    // Listing them again heals both.
    await applyInstanceSettings(ns, 'ph', spec(['alice@example.com', 'bob@example.com']));
    await waitForStatus(ns, 'ph', (c) => condition(c, 'Ready')?.status === 'True');
    await staffWhere((s) => condition(s, 'Ready')?.status === 'True', 'the record to be Ready again');
  });

  it('is garbage-collected with its InstanceSettings', async () => {
    await applyInstanceSettings(ns, 'ph', spec(['alice@example.com', 'bob@example.com']));
    await staffWhere((s) => s.status?.count === 2, 'the record');
    await deleteInstanceSettings(ns, 'ph');
    await eventually(
      async () => {
        try {
          await getInstanceStaff(ns, 'ph');
          return undefined;
        } catch {
          return true;
        }
      },
      100_000,
      'the InstanceStaff to be garbage-collected',
    );
  });
});

/**
 * Reconciles one InstanceSettings: re-reads what is there now, computes the desired state with the pure
 * validation and projection, writes only what differs, and patches the status once. Level-triggered: no branch
 * depends on which event caused the run.
 */
import { randomBytes } from 'node:crypto';
import type { KubernetesObject, V1ConfigMap, V1Secret } from '@kubernetes/client-node';
import {
  API_VERSION,
  Annotations,
  GROUP,
  Kinds,
  projectedNames,
  TargetKinds,
  VERSION,
  type TargetKind,
} from '../api/constants.js';
import type {
  InstanceSettings,
  InstanceSettingsStatus,
  InstanceStaff,
  InstanceStaffStatus,
  LabelSelector,
  TargetStatus,
} from '../api/types.js';
import type { Kube, EventTarget } from '../kube/client.js';
import { selectorMatches, selectorToString } from '../kube/selector.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import {
  HASH_KEY_DATA,
  hashKeySecret,
  project,
  rolloutAnnotationPatch,
  type Projection,
  type ReferencedData,
} from '../projection/index.js';
import { appendHistory, decideStaff } from '../projection/staff.js';
import { formatIssue, formatPath, validateSpec, type Issue, type ResolvedSpec } from '../validation/index.js';
import { jsonEqual, mergeConditions, summaryConditions, type ConditionInput } from './conditions.js';

export interface ReconcilerDeps {
  kube: Kube;
  log: Logger;
  metrics: Metrics;
  now?: () => Date;
}

interface Outcome {
  ready: boolean;
  stalled: boolean;
  reason: string;
  message: string;
  eventType?: 'Normal' | 'Warning';
}

const decode = (data: Record<string, string> | undefined) =>
  Object.fromEntries(Object.entries(data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));

const ownedBy = (obj: KubernetesObject, uid: string) =>
  obj.metadata?.ownerReferences?.some((r) => r.uid === uid && r.controller) ?? false;

/** Whether what we would apply is already there (exact data, our labels, our owner reference). */
function upToDate(
  current: (V1ConfigMap | V1Secret) | undefined,
  desired: {
    metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
    data: Record<string, string>;
  },
  uid: string,
): boolean {
  if (!current) return false;
  const labels = current.metadata?.labels ?? {};
  const annotations = current.metadata?.annotations ?? {};
  return (
    jsonEqual(current.data ?? {}, desired.data) &&
    Object.entries(desired.metadata.labels).every(([k, v]) => labels[k] === v) &&
    Object.entries(desired.metadata.annotations ?? {}).every(([k, v]) => annotations[k] === v) &&
    ownedBy(current, uid)
  );
}

export class InstanceSettingsReconciler {
  private readonly now: () => Date;

  constructor(private readonly deps: ReconcilerDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async reconcile(namespace: string, name: string): Promise<void> {
    const { kube } = this.deps;
    const cr = await kube.read<InstanceSettings & KubernetesObject>(
      API_VERSION,
      Kinds.InstanceSettings.kind,
      namespace,
      name,
    );
    // Gone: garbage collection removes what we projected. Being deleted: nothing left to converge.
    if (!cr || cr.metadata.deletionTimestamp) return;
    const log = this.deps.log.child({ namespace, name, kind: Kinds.InstanceSettings.kind });
    const target: EventTarget = {
      apiVersion: API_VERSION,
      kind: Kinds.InstanceSettings.kind,
      name,
      namespace,
      uid: cr.metadata.uid,
    };
    const previous = cr.status ?? {};
    const status: InstanceSettingsStatus = { ...previous, observedGeneration: cr.metadata.generation };
    const extraConditions: ConditionInput[] = [];

    const validation = validateSpec(cr.spec);
    status.warnings = validation.warnings.map(formatIssue);
    const staffErrors = validation.errors.filter((i) => i.path[1] === 'staffUsers').map(formatIssue);

    let outcome: Outcome;
    if (!validation.resolved) {
      // Invalid: touch nothing already projected, say what is wrong and how to fix it.
      outcome = {
        ready: false,
        stalled: true,
        reason: 'InvalidSpec',
        message: describe(validation.errors),
        eventType: 'Warning',
      };
      if (staffErrors.length) await this.reconcileStaff(cr, undefined, staffErrors, log);
      this.deps.metrics.reconciles.inc({ kind: 'InstanceSettings', result: 'invalid' });
    } else {
      outcome = await this.converge(cr, validation.resolved, status, log, target, extraConditions);
      this.deps.metrics.reconciles.inc({ kind: 'InstanceSettings', result: outcome.ready ? 'success' : 'not-ready' });
    }

    const prevReady = previous.conditions?.find((c) => c.type === 'Ready');
    status.conditions = mergeConditions(
      previous.conditions,
      [...summaryConditions(outcome), ...extraConditions],
      cr.metadata.generation,
      this.now(),
    );
    if (!jsonEqual(status, previous)) {
      await kube.patchStatus(
        Kinds.InstanceSettings.plural,
        namespace,
        name,
        withRemovals(previous, status),
        Kinds.InstanceSettings.kind,
      );
    }
    // Events mark transitions, not every reconcile: a new reason or message.
    if (!prevReady || prevReady.reason !== outcome.reason || prevReady.message !== outcome.message) {
      const type = outcome.eventType ?? 'Normal';
      if (type === 'Warning' || outcome.ready) {
        await kube.event(target, type, outcome.reason, outcome.message);
      }
      log.log(type === 'Warning' ? 'warn' : 'info', 'status changed', {
        reason: outcome.reason,
        ready: outcome.ready,
        // Not "message": winston would append it to the log message itself.
        detail: outcome.message,
      });
    }
  }

  /** Ordered sub-steps for a valid spec: referenced data → projection → children → staff → rollout. */
  private async converge(
    cr: InstanceSettings,
    spec: ResolvedSpec,
    status: InstanceSettingsStatus,
    log: Logger,
    target: EventTarget,
    extra: ConditionInput[],
  ): Promise<Outcome> {
    const { kube } = this.deps;
    const ns = cr.metadata.namespace!;
    const name = cr.metadata.name!;
    const names = projectedNames(name);

    const data = await this.referencedData(cr, spec);
    const result = project(cr, spec, data);
    status.catalogVersion = spec.snapshot.id;
    if (!result.ok) {
      return {
        ready: false,
        stalled: true,
        reason: 'SecretNotFound',
        message: describe(result.problems),
        eventType: 'Warning',
      };
    }
    const p = result.projection;

    const changed: string[] = [];
    for (const desired of [p.settingsConfigMap, p.envConfigMap, p.secret]) {
      const current = await kube.read<V1ConfigMap | V1Secret>('v1', desired.kind, ns, desired.metadata.name);
      if (upToDate(current, desired, cr.metadata.uid!)) continue;
      await kube.apply(desired);
      changed.push(`${desired.kind} ${desired.metadata.name}`);
    }
    if (changed.length) {
      await kube.event(target, 'Normal', 'Updated', `updated ${changed.join(', ')}`);
      log.info('projected', { objects: changed });
    }

    status.settingsCount = p.counts.settings;
    status.envCount = p.counts.env;
    status.secretCount = p.counts.secrets;
    status.settingsHash = p.settingsHash;
    status.envHash = p.envHash;
    status.projected = {
      settingsConfigMap: names.settingsConfigMap,
      envConfigMap: names.envConfigMap,
      secret: names.secret,
      ...(p.staff && { staff: names.staff }),
    };

    const staffRefusal = await this.reconcileStaff(cr, p, [], log);
    if (staffRefusal) {
      extra.push({
        type: 'StaffRecorded',
        status: 'False',
        reason: staffRefusal.reason,
        message: staffRefusal.message,
      });
    } else if (p.staff) {
      extra.push({
        type: 'StaffRecorded',
        status: 'True',
        reason: 'Recorded',
        message: `${p.staff.spec.users.length} staff user(s) recorded in InstanceStaff ${names.staff}`,
      });
    }

    status.targets = await this.rollout(cr, spec, p, target, log);
    if (staffRefusal)
      return {
        ready: false,
        stalled: true,
        reason: staffRefusal.reason,
        message: staffRefusal.message,
        eventType: 'Warning',
      };
    const conflicts = status.targets.filter((t) => t.conflictsWith?.length);
    if (conflicts.length) {
      return {
        ready: false,
        stalled: true,
        reason: 'TargetConflict',
        message: `${conflicts.map((t) => `${t.kind} ${t.name} is also a target of InstanceSettings ${t.conflictsWith!.join(', ')}`).join('; ')}: it is left alone until one InstanceSettings selects it; narrow spec.targets.selector`,
        eventType: 'Warning',
      };
    }
    const pending = status.targets.filter((t) => !t.upToDate);
    if (spec.rollout === 'Manual' && pending.length) {
      return {
        ready: true,
        stalled: false,
        reason: 'ManualRollout',
        message: `projected; ${pending.length} target(s) wait for a manual rollout to env hash ${p.envHash ?? ''}`,
      };
    }
    return {
      ready: true,
      stalled: false,
      reason: 'Projected',
      message: `${p.counts.settings} instance setting(s), ${p.counts.env} environment setting(s) projected`,
    };
  }

  /** The referenced Secrets (decoded, in memory only) and the HMAC key, created on first use. */
  private async referencedData(cr: InstanceSettings, spec: ResolvedSpec): Promise<ReferencedData> {
    const { kube } = this.deps;
    const ns = cr.metadata.namespace!;
    const wanted = new Set([...spec.secretSettings, ...spec.secretEnv].map((r) => r.ref.name));
    const secrets = new Map<string, Record<string, string> | undefined>();
    for (const secretName of wanted) {
      const s = await kube.read<V1Secret>('v1', 'Secret', ns, secretName);
      secrets.set(secretName, s ? decode(s.data) : undefined);
    }
    return { secrets, hashKey: await this.hashKey(cr) };
  }

  private async hashKey(cr: InstanceSettings): Promise<Buffer> {
    const { kube } = this.deps;
    const ns = cr.metadata.namespace!;
    const secretName = projectedNames(cr.metadata.name!).hashKeySecret;
    const existing = await kube.read<V1Secret>('v1', 'Secret', ns, secretName);
    const key = existing?.data?.[HASH_KEY_DATA];
    if (key) return Buffer.from(key, 'base64');
    const body = hashKeySecret(cr, randomBytes(32));
    const created = existing
      ? await kube.apply(body)
      : await kube.create(body).catch(async (err: unknown) => {
          // Someone (another reconcile before a leader change) created it first: use theirs.
          const again = await kube.read<V1Secret>('v1', 'Secret', ns, secretName);
          if (!again?.data?.[HASH_KEY_DATA]) throw err;
          return again;
        });
    return Buffer.from(created.data![HASH_KEY_DATA]!, 'base64');
  }

  /** Record staff users in the companion InstanceStaff; returns the refusal, if any, for the owner's status. */
  private async reconcileStaff(
    cr: InstanceSettings,
    p: Projection | undefined,
    staffErrors: string[],
    log: Logger,
  ): Promise<{ reason: string; message: string } | undefined> {
    const { kube } = this.deps;
    const ns = cr.metadata.namespace!;
    const name = projectedNames(cr.metadata.name!).staff;
    const current = await kube.read<InstanceStaff & KubernetesObject>(API_VERSION, Kinds.InstanceStaff.kind, ns, name);
    const decision = decideStaff(p?.staff?.spec.users, staffErrors, current);
    if (decision.action === 'none') return undefined;

    let staff = current;
    const prevStatus: InstanceStaffStatus = current?.status ?? {};
    const status: InstanceStaffStatus = { ...prevStatus };
    let conditions: ConditionInput[];
    if (decision.action === 'refuse') {
      if (!current) return { reason: decision.reason, message: decision.message };
      conditions = summaryConditions({
        ready: false,
        stalled: true,
        reason: decision.reason,
        message: decision.message,
      });
    } else {
      const desired = p!.staff!;
      if (!current || !jsonEqual(current.spec.users, desired.spec.users) || !ownedBy(current, cr.metadata.uid!)) {
        staff = await kube.apply(desired as InstanceStaff & KubernetesObject);
      }
      if (decision.added.length || decision.removed.length) {
        status.history = appendHistory(prevStatus.history, decision.added, decision.removed, this.now());
        // Counts only: addresses are personal data and stay in the InstanceStaff resource.
        log.info('staff users changed', { added: decision.added.length, removed: decision.removed.length });
        log.debug('staff users changed (addresses)', { added: decision.added, removed: decision.removed });
        await kube.event(
          { apiVersion: API_VERSION, kind: Kinds.InstanceStaff.kind, name, namespace: ns, uid: staff!.metadata.uid },
          'Normal',
          'StaffChanged',
          `${decision.added.length} added, ${decision.removed.length} removed; ${decision.users.length} staff user(s) now`,
        );
      }
      status.count = decision.users.length;
      conditions = summaryConditions({
        ready: true,
        stalled: false,
        reason: 'Recorded',
        message: `${decision.users.length} staff user(s) recorded`,
      });
      conditions.push(
        decision.users.length < 2
          ? {
              type: 'StaffRedundancy',
              status: 'False',
              reason: 'FewerThanTwoStaffUsers',
              message:
                'only one staff user: PostHog recommends several, so the instance can still be maintained when one is away',
            }
          : {
              type: 'StaffRedundancy',
              status: 'True',
              reason: 'SeveralStaffUsers',
              message: `${decision.users.length} staff users`,
            },
      );
    }
    status.observedGeneration = staff!.metadata.generation;
    status.conditions = mergeConditions(prevStatus.conditions, conditions, staff!.metadata.generation, this.now());
    if (!jsonEqual(status, prevStatus)) {
      await kube.patchStatus(
        Kinds.InstanceStaff.plural,
        ns,
        name,
        withRemovals(prevStatus, status),
        Kinds.InstanceStaff.kind,
      );
    }
    const prevWarning = prevStatus.conditions?.find((c) => c.type === 'StaffRedundancy')?.status;
    if (decision.action === 'record' && decision.users.length < 2 && prevWarning !== 'False') {
      await kube.event(
        { apiVersion: API_VERSION, kind: Kinds.InstanceStaff.kind, name, namespace: ns, uid: staff!.metadata.uid },
        'Warning',
        'FewerThanTwoStaffUsers',
        'only one staff user: PostHog recommends several',
      );
    }
    if (decision.action === 'refuse') {
      const prevReady = prevStatus.conditions?.find((c) => c.type === 'Ready');
      if (prevReady?.message !== decision.message) {
        await kube.event(
          { apiVersion: API_VERSION, kind: Kinds.InstanceStaff.kind, name, namespace: ns, uid: staff!.metadata.uid },
          'Warning',
          decision.reason,
          decision.message,
        );
      }
      return { reason: decision.reason, message: decision.message };
    }
    return undefined;
  }

  /** Write the env hash on every target that lacks it (Auto), and report what each carries. */
  private async rollout(
    cr: InstanceSettings,
    spec: ResolvedSpec,
    p: Projection,
    target: EventTarget,
    log: Logger,
  ): Promise<TargetStatus[]> {
    if (!spec.targets || !p.envHash) return [];
    const { kube } = this.deps;
    const ns = cr.metadata.namespace!;
    const labelSelector = selectorToString(spec.targets.selector);
    const rivals = await this.otherTargeters(cr);
    const out: TargetStatus[] = [];
    for (const kind of spec.targets.kinds) {
      for (const w of await this.listWorkloads(kind, ns, labelSelector)) {
        const wName = w.metadata!.name!;
        const current = w.spec?.template?.metadata?.annotations?.[Annotations.envHash];
        // Two resources writing different hashes on one workload would roll it on every reconcile of either:
        // neither touches it until one of them lets go.
        const conflictsWith = rivals
          .filter((r) => r.kinds.includes(kind) && selectorMatches(r.selector, w.metadata?.labels))
          .map((r) => r.name);
        if (conflictsWith.length) {
          out.push({ kind, name: wName, ...(current && { envHash: current }), upToDate: false, conflictsWith });
          continue;
        }
        if (current === p.envHash) {
          out.push({ kind, name: wName, envHash: current, upToDate: true });
          continue;
        }
        if (spec.rollout === 'Manual') {
          out.push({ kind, name: wName, ...(current && { envHash: current }), upToDate: false });
          continue;
        }
        await kube.apply({
          apiVersion: 'apps/v1',
          kind,
          metadata: { name: wName, namespace: ns },
          ...rolloutAnnotationPatch(p.envHash),
        });
        this.deps.metrics.rollouts.inc({ kind });
        log.info('rollout triggered', { workload: `${kind}/${wName}`, envHash: p.envHash });
        await kube.event(
          target,
          'Normal',
          'RolloutTriggered',
          `${kind} ${wName}: environment changed, pod template annotated with env hash ${p.envHash}`,
        );
        out.push({ kind, name: wName, envHash: p.envHash, upToDate: true });
      }
    }
    return out.sort((a, b) => (a.kind + a.name < b.kind + b.name ? -1 : 1));
  }

  /** The other InstanceSettings of the namespace that name targets (a read, not a cache: it must be current). */
  private async otherTargeters(
    cr: InstanceSettings,
  ): Promise<{ name: string; selector: LabelSelector; kinds: string[] }[]> {
    const list = (await this.deps.kube.custom.listNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: cr.metadata.namespace!,
      plural: Kinds.InstanceSettings.plural,
    })) as { items: InstanceSettings[] };
    return list.items
      .filter((o) => o.metadata.name !== cr.metadata.name && o.spec?.targets?.selector)
      .map((o) => ({
        name: o.metadata.name!,
        selector: o.spec!.targets!.selector,
        kinds: o.spec!.targets!.kinds?.length ? o.spec!.targets!.kinds : [...TargetKinds],
      }));
  }

  private async listWorkloads(kind: TargetKind, namespace: string, labelSelector: string) {
    const apps = this.deps.kube.apps;
    switch (kind) {
      case 'Deployment':
        return (await apps.listNamespacedDeployment({ namespace, labelSelector })).items;
      case 'StatefulSet':
        return (await apps.listNamespacedStatefulSet({ namespace, labelSelector })).items;
      case 'DaemonSet':
        return (await apps.listNamespacedDaemonSet({ namespace, labelSelector })).items;
    }
  }
}

function describe(issues: Issue[]): string {
  return `${issues.length} problem(s): ${issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join('; ')}`;
}

/** A merge patch that also clears fields the new status no longer has. */
function withRemovals<T extends object>(previous: T, next: T): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const k of Object.keys(previous)) patch[k] = null;
  for (const [k, v] of Object.entries(next)) if (v !== undefined) patch[k] = v;
  return patch;
}

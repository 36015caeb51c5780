/**
 * Leader election on a coordination.k8s.io Lease (client-node has none): acquire when the lease is free or
 * expired, renew while leading, release on shutdown so a successor need not wait for expiry. Writes use the
 * lease's resourceVersion, so two candidates can never both win.
 */
import { V1MicroTime, type V1Lease } from '@kubernetes/client-node';
import type { Kube } from '../kube/client.js';
import { isConflict, isNotFound } from '../kube/errors.js';
import type { Logger } from '../observability/logger.js';
import { errorMessage } from '../observability/logger.js';

export interface LeaderOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

/** Lease times are MicroTime: the API server refuses the millisecond form a plain Date serialises to. */
const micro = (d: Date | string) => new V1MicroTime(new Date(d).getTime());

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((r) => {
    const t = setTimeout(r, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        r();
      },
      { once: true },
    );
  });

export class LeaderElector {
  private leading = false;
  private readonly stop = new AbortController();
  private readonly leaseMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryMs: number;

  constructor(
    private readonly kube: Kube,
    private readonly opts: LeaderOptions,
    private readonly log: Logger,
  ) {
    this.leaseMs = opts.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
    this.retryMs = opts.retryPeriodMs ?? 2_000;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Resolves when this instance leads; then keeps renewing and calls onLost if the lease slips away. */
  async acquire(onLost: () => void): Promise<boolean> {
    while (!this.stop.signal.aborted) {
      if (await this.tryAcquireOrRenew()) {
        this.leading = true;
        this.log.info('became leader', {
          lease: `${this.opts.namespace}/${this.opts.name}`,
          identity: this.opts.identity,
        });
        void this.renewLoop(onLost);
        return true;
      }
      await sleep(this.retryMs, this.stop.signal);
    }
    return false;
  }

  private async renewLoop(onLost: () => void): Promise<void> {
    let lastRenew = Date.now();
    while (!this.stop.signal.aborted && this.leading) {
      await sleep(this.retryMs, this.stop.signal);
      if (this.stop.signal.aborted) return;
      if (await this.tryAcquireOrRenew()) lastRenew = Date.now();
      else if (Date.now() - lastRenew > this.renewDeadlineMs) {
        this.leading = false;
        this.log.error('lost leadership', { lease: `${this.opts.namespace}/${this.opts.name}` });
        onLost();
        return;
      }
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { coordination } = this.kube;
    const { namespace, name, identity } = this.opts;
    const now = new Date();
    const spec = {
      holderIdentity: identity,
      leaseDurationSeconds: Math.ceil(this.leaseMs / 1000),
      renewTime: micro(now),
    };
    try {
      let lease: V1Lease;
      try {
        lease = await coordination.readNamespacedLease({ name, namespace });
      } catch (err) {
        if (!isNotFound(err)) throw err;
        this.kube.countWrite('create', 'Lease');
        await coordination.createNamespacedLease({
          namespace,
          body: { metadata: { name, namespace }, spec: { ...spec, acquireTime: micro(now), leaseTransitions: 0 } },
        });
        return true;
      }
      const holder = lease.spec?.holderIdentity;
      const renewed = lease.spec?.renewTime ? new Date(lease.spec.renewTime).getTime() : 0;
      const duration = (lease.spec?.leaseDurationSeconds ?? 15) * 1000;
      const mine = holder === identity;
      if (!mine && holder && renewed + duration > now.getTime()) return false;
      this.kube.countWrite('replace', 'Lease');
      await coordination.replaceNamespacedLease({
        name,
        namespace,
        body: {
          metadata: { name, namespace, resourceVersion: lease.metadata?.resourceVersion },
          spec: {
            ...spec,
            acquireTime: mine && lease.spec?.acquireTime ? micro(lease.spec.acquireTime) : micro(now),
            leaseTransitions: (lease.spec?.leaseTransitions ?? 0) + (mine ? 0 : 1),
          },
        },
      });
      return true;
    } catch (err) {
      if (!isConflict(err)) this.log.warn('lease update failed', { error: errorMessage(err) });
      return false;
    }
  }

  /** Stop competing; if leading, hand the lease back so a successor takes over at once. */
  async release(): Promise<void> {
    this.stop.abort();
    if (!this.leading) return;
    this.leading = false;
    const { namespace, name } = this.opts;
    try {
      const lease = await this.kube.coordination.readNamespacedLease({ name, namespace });
      if (lease.spec?.holderIdentity !== this.opts.identity) return;
      this.kube.countWrite('replace', 'Lease');
      await this.kube.coordination.replaceNamespacedLease({
        name,
        namespace,
        body: {
          metadata: { name, namespace, resourceVersion: lease.metadata?.resourceVersion },
          spec: {
            ...lease.spec,
            ...(lease.spec?.acquireTime && { acquireTime: micro(lease.spec.acquireTime) }),
            holderIdentity: undefined,
            leaseDurationSeconds: 1,
            renewTime: micro(new Date(0)),
          },
        },
      });
      this.log.info('released leadership', { lease: `${namespace}/${name}` });
    } catch (err) {
      this.log.warn('could not release the lease', { error: errorMessage(err) });
    }
  }
}

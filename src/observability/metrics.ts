/** Prometheus metrics of the operator, on their own registry so tests and several instances do not collide. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class Metrics {
  readonly registry = new Registry();
  readonly reconciles = new Counter({
    name: 'posthog_operator_reconciles_total',
    help: 'Reconciles by kind and result (success, invalid, error).',
    labelNames: ['kind', 'result'] as const,
    registers: [this.registry],
  });
  readonly reconcileErrors = new Counter({
    name: 'posthog_operator_reconcile_errors_total',
    help: 'Reconciles that failed and were requeued with backoff.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly reconcileDuration = new Histogram({
    name: 'posthog_operator_reconcile_duration_seconds',
    help: 'Time per reconcile.',
    labelNames: ['kind'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'posthog_operator_workqueue_depth',
    help: 'Keys waiting in the work queue (not counting those in flight or waiting for backoff).',
    registers: [this.registry],
  });
  readonly watchRestarts = new Counter({
    name: 'posthog_operator_watch_restarts_total',
    help: 'Watches re-established, by resource and reason (closed, error, expired, silent).',
    labelNames: ['resource', 'reason'] as const,
    registers: [this.registry],
  });
  readonly apiWrites = new Counter({
    name: 'posthog_operator_api_writes_total',
    help: 'Write requests sent to the API server, by verb and kind.',
    labelNames: ['verb', 'kind'] as const,
    registers: [this.registry],
  });
  readonly rollouts = new Counter({
    name: 'posthog_operator_rollouts_triggered_total',
    help: 'Target workloads whose pod template got a new env hash.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly isLeader = new Gauge({
    name: 'posthog_operator_leader',
    help: '1 while this instance holds the leader lease.',
    registers: [this.registry],
  });

  constructor(defaults = true) {
    if (defaults) collectDefaultMetrics({ register: this.registry, prefix: 'posthog_operator_' });
  }

  /** Sum of a counter's values, for tests and benchmarks. */
  async total(counter: Counter): Promise<number> {
    const m = await counter.get();
    return m.values.reduce((acc, v) => acc + v.value, 0);
  }
}

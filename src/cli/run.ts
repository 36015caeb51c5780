/** `posthog-settings run`: the operator process. */
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { LeaderElector } from '../controller/leader.js';
import { Operator } from '../controller/operator.js';
import { createLogger, errorMessage } from '../observability/logger.js';
import { Metrics } from '../observability/metrics.js';
import { startHttpServer } from '../observability/server.js';
import { CLI_NAME, ExitCode, UsageError, type Command } from './command.js';

const usage = `Usage: ${CLI_NAME} run [flags]

Runs the operator: watches InstanceSettings and converges ConfigMaps, the Secret, InstanceStaff and target workloads.

Flags (environment variable in brackets):
  --kubeconfig PATH        kubeconfig to use [KUBECONFIG]; in a pod, the service account
  --namespaces a,b         namespaces to watch; empty watches all [POSTHOG_OPERATOR_NAMESPACES]
  --metrics-port N         port of /metrics, /healthz, /readyz (default 8080; 0 picks a free one) [METRICS_PORT]
  --metrics-host H         address to bind (default 0.0.0.0)
  --leader-elect / --no-leader-elect
                           hold a coordination.k8s.io Lease so only one replica reconciles (default on)
  --lease-name NAME        Lease name (default posthog-settings-operator)
  --lease-namespace NS     Lease namespace (default: the pod's namespace [POD_NAMESPACE], else "default")
  --lease-duration S       seconds a Lease lasts without renewal (default 15)
  --identity ID            this replica's identity in the Lease (default [POD_NAME] or host-pid)
  --workers N              objects reconciled in parallel (default 4)
  --resync S               requeue every object this often, as a safety net (default 300)
  --log-level LEVEL        error, warn, info, debug (default info) [LOG_LEVEL]`;

function num(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`${flag} must be a number ≥ 0, not "${value}"`);
  return n;
}

async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    allowNegative: true,
    strict: true,
    options: {
      kubeconfig: { type: 'string' },
      namespaces: { type: 'string' },
      'metrics-port': { type: 'string' },
      'metrics-host': { type: 'string' },
      'leader-elect': { type: 'boolean', default: true },
      'lease-name': { type: 'string' },
      'lease-namespace': { type: 'string' },
      'lease-duration': { type: 'string' },
      identity: { type: 'string' },
      workers: { type: 'string' },
      resync: { type: 'string' },
      'log-level': { type: 'string' },
    },
  });
  const env = process.env;
  const log = createLogger(values['log-level'] ?? env.LOG_LEVEL ?? 'info');
  const kc = new KubeConfig();
  const kubeconfig = values.kubeconfig ?? env.KUBECONFIG;
  if (kubeconfig) kc.loadFromFile(kubeconfig);
  else kc.loadFromDefault();

  const namespaces = (values.namespaces ?? env.POSTHOG_OPERATOR_NAMESPACES ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const metrics = new Metrics();
  const leaseSeconds = num(values['lease-duration'], '--lease-duration', 15);
  const operator = new Operator(
    kc,
    {
      namespaces,
      workers: Math.max(1, num(values.workers, '--workers', 4)),
      resyncMs: num(values.resync, '--resync', 300) * 1000,
    },
    log,
    metrics,
  );
  const server = await startHttpServer(
    num(values['metrics-port'] ?? env.METRICS_PORT, '--metrics-port', 8080),
    metrics,
    operator,
    values['metrics-host'] ?? '0.0.0.0',
  );
  const address = server.address();
  log.info('serving metrics and health', { port: typeof address === 'object' && address ? address.port : undefined });

  const identity = values.identity ?? env.POD_NAME ?? `${hostname()}-${process.pid}`;
  const elector = values['leader-elect']
    ? new LeaderElector(
        operator.kube,
        {
          namespace: values['lease-namespace'] ?? env.POD_NAMESPACE ?? 'default',
          name: values['lease-name'] ?? 'posthog-settings-operator',
          identity,
          leaseDurationMs: leaseSeconds * 1000,
          renewDeadlineMs: leaseSeconds * 1000 * (2 / 3),
          retryPeriodMs: Math.max(500, (leaseSeconds * 1000) / 7),
        },
        log,
      )
    : undefined;

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    await operator.stop();
    await elector?.release();
    metrics.isLeader.set(0);
    server.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  log.info('starting', {
    namespaces: namespaces.length ? namespaces : 'all',
    identity,
    leaderElection: Boolean(elector),
  });
  if (elector) {
    const won = await elector.acquire(() => {
      // Another replica may already be reconciling: stop at once and let Kubernetes restart us as a candidate.
      metrics.isLeader.set(0);
      log.error('leadership lost; exiting');
      process.exit(1);
    });
    if (!won) return ExitCode.ok;
  }
  metrics.isLeader.set(1);
  operator.start();
  // Runs until a signal arrives.
  await new Promise<never>(() => undefined);
  return ExitCode.ok;
}

export const runCommand: Command = {
  name: 'run',
  summary: 'run the operator against a cluster',
  usage,
  run: (argv, io) =>
    run(argv).catch((err: unknown) => {
      if (
        err instanceof Error &&
        'code' in err &&
        String((err as { code: unknown }).code).startsWith('ERR_PARSE_ARGS')
      ) {
        throw new UsageError(err.message);
      }
      io.stderr.write(`${CLI_NAME} run: ${errorMessage(err)}\n`);
      return ExitCode.internal;
    }),
};

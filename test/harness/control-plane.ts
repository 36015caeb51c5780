/**
 * A real, throwaway Kubernetes control plane (etcd + kube-apiserver + kube-controller-manager) on loopback,
 * the way controller-runtime's envtest runs one, plus the controller manager so garbage collection,
 * Deployment → ReplicaSet → Pod and service-account tokens are real. No scheduler or kubelet: Pods stay Pending.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync, existsSync, rmSync, openSync, closeSync, readFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { get as httpGet } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export const components = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kubectl', 'helm'] as const;
export type Component = (typeof components)[number];

/** Path of a cached binary; hack/tools.sh builds it first if this machine has never built it. */
export function binaryPath(name: Component): string {
  const out = execFileSync(join(repoRoot, 'hack/tools.sh'), ['path', name], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return out.trim();
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolvePort(addr.port) : reject(new Error('no port'))));
    });
  });
}

function probe(url: string, ca?: Buffer): Promise<number> {
  return new Promise((done) => {
    const opts = { timeout: 2000, ca, rejectUnauthorized: ca !== undefined };
    const req = (url.startsWith('https:') ? httpsGet : httpGet)(url, opts, (res) => {
      res.resume();
      done(res.statusCode ?? 0);
    });
    req.on('error', () => done(0));
    req.on('timeout', () => req.destroy());
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Child {
  name: string;
  proc: ChildProcess;
  logFile: string;
}

export interface ControlPlaneOptions {
  /** Directory for data, certificates, logs and the kubeconfig; a fresh temp dir when omitted. */
  dir?: string;
  /** Start kube-controller-manager too (default true). */
  controllerManager?: boolean;
  /** How long each component may take to become ready. */
  startTimeoutMs?: number;
  log?: (msg: string) => void;
  /** Extra kube-apiserver flags, e.g. --watch-cache=false for a test that needs etcd's own watch semantics. */
  apiServerArgs?: string[];
  /** Kill the processes and exit on SIGINT/SIGTERM (default true; a caller with its own shutdown says false). */
  handleSignals?: boolean;
}

export class ControlPlane {
  readonly children: Child[] = [];
  server = '';
  kubeconfigPath = '';
  etcdUrl = '';
  private exitHook = () => this.killNow();

  private constructor(
    readonly dir: string,
    private readonly ownsDir: boolean,
    private readonly log: (msg: string) => void,
  ) {}

  static async start(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
    const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'posthog-cp-'));
    const cp = new ControlPlane(dir, opts.dir === undefined, opts.log ?? (() => undefined));
    process.once('exit', cp.exitHook);
    if (opts.handleSignals ?? true) {
      for (const sig of ['SIGINT', 'SIGTERM'] as const) {
        process.once(sig, () => {
          cp.killNow();
          process.exit(sig === 'SIGINT' ? 130 : 143);
        });
      }
    }
    try {
      await cp.boot(opts.controllerManager ?? true, opts.startTimeoutMs ?? 90_000, opts.apiServerArgs ?? []);
    } catch (err) {
      await cp.stop();
      throw err;
    }
    return cp;
  }

  private spawnChild(name: string, bin: string, args: string[]): Child {
    const logFile = join(this.dir, `${name}.log`);
    const fd = openSync(logFile, 'a');
    const proc = spawn(bin, args, { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    const child = { name, proc, logFile };
    proc.on('exit', (code, signal) => this.log(`${name} exited (${signal ?? code})`));
    this.children.push(child);
    return child;
  }

  private async waitFor(child: Child, url: string, timeoutMs: number, ca?: () => Buffer | undefined): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.proc.exitCode !== null || child.proc.signalCode !== null) {
        throw new Error(
          `${child.name} exited during start-up; last lines of ${child.logFile}:\n${tail(child.logFile)}`,
        );
      }
      if ((await probe(url, ca?.())) === 200) return;
      await sleep(250);
    }
    throw new Error(
      `${child.name} not ready at ${url} after ${timeoutMs} ms; see ${child.logFile}:\n${tail(child.logFile)}`,
    );
  }

  private async boot(withControllerManager: boolean, timeoutMs: number, extraApiArgs: string[]): Promise<void> {
    const started = Date.now();
    const d = this.dir;
    const [etcdPort, peerPort, apiPort, kcmPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);

    const etcd = this.spawnChild('etcd', binaryPath('etcd'), [
      '--name=posthog-test',
      `--data-dir=${join(d, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
      `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-cluster=posthog-test=http://127.0.0.1:${peerPort}`,
      '--unsafe-no-fsync=true',
      '--log-level=warn',
    ]);
    this.etcdUrl = `http://127.0.0.1:${etcdPort}`;
    await this.waitFor(etcd, `${this.etcdUrl}/health`, timeoutMs);

    // Service-account signing key: the TokenRequest API and the controller manager's token controller need it.
    const { privateKey, publicKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    writeFileSync(join(d, 'sa.key'), privateKey, { mode: 0o600 });
    writeFileSync(join(d, 'sa.pub'), publicKey);
    const token = randomBytes(24).toString('hex');
    writeFileSync(join(d, 'tokens.csv'), `${token},admin,admin-uid,"system:masters"\n`, { mode: 0o600 });

    const certDir = join(d, 'certs');
    const api = this.spawnChild('kube-apiserver', binaryPath('kube-apiserver'), [
      `--etcd-servers=http://127.0.0.1:${etcdPort}`,
      `--cert-dir=${certDir}`,
      `--secure-port=${apiPort}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      '--service-cluster-ip-range=10.0.0.0/24',
      `--service-account-issuer=https://127.0.0.1:${apiPort}/`,
      `--service-account-key-file=${join(d, 'sa.pub')}`,
      `--service-account-signing-key-file=${join(d, 'sa.key')}`,
      '--authorization-mode=RBAC',
      `--token-auth-file=${join(d, 'tokens.csv')}`,
      '--allow-privileged=true',
      // Pods would need a "default" ServiceAccount at admission; envtest drops the plugin for the same reason.
      '--disable-admission-plugins=ServiceAccount',
      '--endpoint-reconciler-type=none',
      ...extraApiArgs,
    ]);
    // The self-signed file holds the serving certificate followed by its CA: usable as the trust bundle.
    const caFile = join(certDir, 'apiserver.crt');
    const ca = () => (existsSync(caFile) ? readFileSync(caFile) : undefined);
    this.server = `https://127.0.0.1:${apiPort}`;
    await this.waitFor(api, `${this.server}/readyz`, timeoutMs, ca);

    this.kubeconfigPath = join(d, 'kubeconfig');
    writeFileSync(this.kubeconfigPath, kubeconfigYaml(this.server, readFileSync(caFile).toString('base64'), token), {
      mode: 0o600,
    });

    if (withControllerManager) {
      const kcm = this.spawnChild('kube-controller-manager', binaryPath('kube-controller-manager'), [
        `--kubeconfig=${this.kubeconfigPath}`,
        `--authentication-kubeconfig=${this.kubeconfigPath}`,
        `--authorization-kubeconfig=${this.kubeconfigPath}`,
        `--service-account-private-key-file=${join(d, 'sa.key')}`,
        `--root-ca-file=${caFile}`,
        '--use-service-account-credentials=true',
        '--leader-elect=false',
        `--secure-port=${kcmPort}`,
        '--bind-address=127.0.0.1',
        `--cert-dir=${join(d, 'kcm-certs')}`,
        // Quick garbage collection and namespace cleanup keep tests short.
        '--concurrent-gc-syncs=5',
        '--concurrent-namespace-syncs=5',
      ]);
      await this.waitFor(kcm, `https://127.0.0.1:${kcmPort}/healthz`, timeoutMs);
    }
    this.log(`control plane ready at ${this.server} in ${Date.now() - started} ms (dir ${d})`);
  }

  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromFile(this.kubeconfigPath);
    return kc;
  }

  /** Synchronous last resort (process 'exit' handlers cannot wait): never leave a server behind. */
  killNow(): void {
    for (const c of this.children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
  }

  async stop(): Promise<void> {
    process.removeListener('exit', this.exitHook);
    // Reverse order: the controller manager and API server first, etcd last.
    for (const c of [...this.children].reverse()) {
      if (c.proc.exitCode !== null || c.proc.signalCode !== null) continue;
      const exited = new Promise((r) => c.proc.once('exit', r));
      c.proc.kill('SIGTERM');
      const timer = setTimeout(() => c.proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    if (this.ownsDir) rmSync(this.dir, { recursive: true, force: true });
  }
}

function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export function kubeconfigYaml(server: string, caBase64: string, token: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: local',
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${caBase64}`,
    'users:',
    '- name: admin',
    '  user:',
    `    token: ${token}`,
    'contexts:',
    '- name: local',
    '  context: {cluster: local, user: admin}',
    'current-context: local',
    '',
  ].join('\n');
}

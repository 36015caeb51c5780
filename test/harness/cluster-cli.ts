/**
 * `make cluster-up` / `make cluster-down`: a long-lived local control plane for people (tests start their own).
 *   serve --dir D   run the control plane in the foreground until SIGINT/SIGTERM (the Makefile backgrounds it)
 *   up --dir D      start `serve` detached, wait until it is ready, print how to use it
 *   down --dir D    stop it and any process it started
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, openSync, copyFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ControlPlane } from './control-plane.js';

const [cmd, ...rest] = process.argv.slice(2);
const dirFlag = rest.indexOf('--dir');
const dir = resolve(dirFlag >= 0 && rest[dirFlag + 1] ? rest[dirFlag + 1]! : '.dev/cluster');
const kubeconfigOut = join(dir, '..', 'kubeconfig');
const stateFile = join(dir, 'state.json');

interface State {
  supervisor: number;
  children: number[];
  server: string;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const readState = (): State | undefined =>
  existsSync(stateFile) ? (JSON.parse(readFileSync(stateFile, 'utf8')) as State) : undefined;

async function serve(): Promise<void> {
  rmSync(join(dir, 'data'), { recursive: true, force: true });
  mkdirSync(join(dir, 'data'), { recursive: true });
  const cp = await ControlPlane.start({ dir: join(dir, 'data'), log: (m) => console.log(m), handleSignals: false });
  copyFileSync(cp.kubeconfigPath, kubeconfigOut);
  const state: State = {
    supervisor: process.pid,
    children: cp.children.map((c) => c.proc.pid!).filter(Boolean),
    server: cp.server,
  };
  writeFileSync(stateFile, JSON.stringify(state));
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await cp.stop();
    rmSync(stateFile, { force: true });
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  // A child that dies takes the cluster down with it: a half-running control plane only confuses.
  for (const c of cp.children) c.proc.on('exit', () => void stop());
}

async function up(): Promise<void> {
  const existing = readState();
  if (existing && alive(existing.supervisor)) {
    console.log(`cluster already running at ${existing.server}\n  export KUBECONFIG=${kubeconfigOut}`);
    return;
  }
  mkdirSync(dir, { recursive: true });
  rmSync(stateFile, { force: true });
  const log = openSync(join(dir, 'cluster.log'), 'w');
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'serve', '--dir', dir], {
    detached: true,
    stdio: ['ignore', log, log],
  });
  child.unref();
  const deadline = Date.now() + 15 * 60_000; // a first run may build the binaries
  while (!existsSync(stateFile)) {
    if (child.exitCode !== null || !alive(child.pid!)) {
      console.error(
        `cluster failed to start; see ${join(dir, 'cluster.log')}:\n${readFileSync(join(dir, 'cluster.log'), 'utf8')}`,
      );
      process.exit(1);
    }
    if (Date.now() > deadline) throw new Error('cluster did not start in time');
    await sleep(300);
  }
  const state = readState()!;
  console.log(
    [
      `local control plane running at ${state.server} (logs: ${join(dir, 'data')})`,
      `  export KUBECONFIG=${kubeconfigOut}`,
      `  kubectl --kubeconfig ${kubeconfigOut} get ns`,
      'Pods stay Pending: there is no scheduler or kubelet. Stop it with `make cluster-down`.',
    ].join('\n'),
  );
}

async function down(): Promise<void> {
  const state = readState();
  if (!state) {
    console.log('no cluster running');
    return;
  }
  if (alive(state.supervisor)) process.kill(state.supervisor, 'SIGTERM');
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && [state.supervisor, ...state.children].some(alive)) await sleep(200);
  // If the supervisor was killed hard its children are orphans: stop them by their recorded pids.
  for (const pid of state.children) if (alive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(stateFile, { force: true });
  console.log('cluster stopped');
}

const commands: Record<string, () => Promise<void>> = { serve, up, down };
const run = commands[cmd ?? ''];
if (!run) {
  console.error('usage: cluster-cli serve|up|down [--dir DIR]');
  process.exit(2);
}
await run();

/** `posthog-settings run` as a process: JSON logs with namespace/name, metrics, health, graceful shutdown. */
import { createInterface } from 'node:readline';
import { expect } from 'chai';
import { installCrds } from './crds-helper.js';
import { eventually, freshNamespace } from './env.js';
import { applyInstanceSettings, condition, spawnRun, waitForStatus } from './operator-helper.js';

describe('posthog-settings run', () => {
  it('logs JSON with namespace and name, serves metrics and health, and exits 0 on SIGTERM', async () => {
    await installCrds();
    const ns = await freshNamespace('run');
    const proc = spawnRun(ns, ['--no-leader-elect'], ['ignore', 'pipe', 'pipe']);
    const lines: Record<string, unknown>[] = [];
    const notJson: string[] = [];
    for (const stream of [proc.stdout!, proc.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        try {
          lines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          notJson.push(line);
        }
      });
    }
    try {
      const port = await eventually(
        () =>
          Promise.resolve(lines.find((l) => l.message === 'serving metrics and health')?.port as number | undefined),
        20_000,
        'the metrics port',
      );
      const base = `http://127.0.0.1:${port}`;
      await eventually(
        async () => ((await fetch(`${base}/readyz`)).status === 200 ? true : undefined),
        20_000,
        '/readyz',
      );
      expect((await fetch(`${base}/healthz`)).status).to.equal(200);

      await applyInstanceSettings(ns, 'ph', { settings: { EMAIL_HOST: 'smtp.example.com' } });
      await waitForStatus(ns, 'ph', (c) => condition(c, 'Ready')?.status === 'True');
      const logged = await eventually(
        () => Promise.resolve(lines.find((l) => l.message === 'status changed')),
        10_000,
        'a log line about the resource',
      );
      expect(logged).to.include({ namespace: ns, name: 'ph', level: 'info' });
      expect(logged.timestamp).to.be.a('string');
      expect(logged.detail).to.include('1 instance setting(s)');

      const metrics = await (await fetch(`${base}/metrics`)).text();
      for (const name of [
        'posthog_operator_reconciles_total',
        'posthog_operator_reconcile_duration_seconds_bucket',
        'posthog_operator_workqueue_depth',
        'posthog_operator_watch_restarts_total',
        'posthog_operator_api_writes_total',
        'posthog_operator_reconcile_errors_total',
      ]) {
        expect(metrics, name).to.include(name);
      }
      expect(metrics).to.match(/posthog_operator_reconciles_total\{kind="InstanceSettings",result="success"\} [1-9]/);
      expect(metrics).to.match(/posthog_operator_api_writes_total\{verb="apply",kind="ConfigMap"\} 2/);
    } finally {
      const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
      proc.kill('SIGTERM');
      expect(await exited).to.equal(0);
    }
    expect(notJson, 'every line on stdout and stderr is JSON').to.deep.equal([]);
  });
});

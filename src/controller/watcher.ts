/**
 * List + watch of one resource, hardened against what client-node users hit in practice: watches that end, error
 * or go silent are re-established from the last resourceVersion with backoff; 410 Gone relists. It stores nothing:
 * each event goes to the handler, which decides what (if anything) to keep.
 */
import { Watch, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from '../observability/logger.js';
import { errorMessage } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { Kube } from '../kube/client.js';
import { isGone, statusCode } from '../kube/errors.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchHandler {
  /** A full list arrived: everything that exists now (after start or after a relist). */
  onList(items: KubernetesObject[]): void;
  onEvent(type: WatchEventType, obj: KubernetesObject): void;
}

export interface WatcherOptions {
  apiVersion: string;
  kind: string;
  /** Path of the collection, e.g. /api/v1/namespaces/x/secrets or /api/v1/secrets. */
  path: string;
  namespace?: string;
  labelSelector?: string;
  /** Restart a watch that has sent nothing (not even a bookmark) for this long. */
  silenceMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Watcher {
  private resourceVersion: string | undefined;
  private abort: AbortController | undefined;
  private stopped = false;
  private lastActivity = Date.now();
  synced = false;
  private readonly name: string;

  constructor(
    private readonly kc: KubeConfig,
    private readonly kube: Kube,
    private readonly opts: WatcherOptions,
    private readonly handler: WatchHandler,
    private readonly log: Logger,
    private readonly metrics: Metrics,
  ) {
    this.name = `${opts.kind}${opts.namespace ? `@${opts.namespace}` : ''}`;
  }

  /** Seconds since the watch last heard from the server; /healthz uses it. */
  get silentForMs(): number {
    return Date.now() - this.lastActivity;
  }

  start(): void {
    void this.loop();
  }

  stop(): void {
    this.stopped = true;
    this.abort?.abort();
  }

  private async list(): Promise<void> {
    const items: KubernetesObject[] = [];
    let continueToken: string | undefined;
    let rv: string | undefined;
    do {
      const page = await this.kube.objects.list(
        this.opts.apiVersion,
        this.opts.kind,
        this.opts.namespace,
        undefined,
        undefined,
        undefined,
        undefined,
        this.opts.labelSelector,
        500,
        continueToken,
      );
      items.push(...page.items);
      continueToken = page.metadata?._continue || undefined;
      rv = page.metadata?.resourceVersion;
    } while (continueToken);
    this.resourceVersion = rv;
    this.lastActivity = Date.now();
    this.handler.onList(items);
    this.synced = true;
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        if (!this.resourceVersion) await this.list();
        const reason = await this.watchOnce();
        failures = 0;
        this.metrics.watchRestarts.inc({ resource: this.opts.kind, reason });
        if (reason === 'expired') this.resourceVersion = undefined;
      } catch (err) {
        failures++;
        if (isGone(err)) this.resourceVersion = undefined;
        const delay = Math.min(30_000, 500 * 2 ** Math.min(failures, 6)) * (0.8 + Math.random() * 0.4);
        this.metrics.watchRestarts.inc({ resource: this.opts.kind, reason: 'error' });
        this.log.warn('watch failed; retrying', {
          watch: this.name,
          error: errorMessage(err),
          status: statusCode(err),
          retryInMs: Math.round(delay),
        });
        await sleep(delay);
      }
    }
  }

  /** One watch connection; resolves with why it ended. */
  private watchOnce(): Promise<'closed' | 'expired' | 'silent'> {
    return new Promise((resolve, reject) => {
      let settled = false;
      let silent = false;
      const silenceMs = this.opts.silenceMs ?? 5 * 60_000;
      const watchdog = setInterval(
        () => {
          if (this.silentForMs > silenceMs) {
            silent = true;
            this.abort?.abort();
          }
        },
        Math.min(silenceMs, 10_000),
      );
      watchdog.unref();
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearInterval(watchdog);
        fn();
      };
      const watch = new Watch(this.kc);
      watch
        .watch(
          this.opts.path,
          {
            resourceVersion: this.resourceVersion,
            allowWatchBookmarks: true,
            labelSelector: this.opts.labelSelector,
            // Let the server end the watch now and then, with jitter, so connections are refreshed.
            timeoutSeconds: 240 + Math.floor(Math.random() * 120),
          },
          (type: string, obj: KubernetesObject & { code?: number }) => {
            this.lastActivity = Date.now();
            if (type === 'BOOKMARK') {
              this.resourceVersion = obj.metadata?.resourceVersion ?? this.resourceVersion;
              return;
            }
            if (type === 'ERROR') {
              if (obj.code === 410) finish(() => resolve('expired'));
              else
                finish(() =>
                  reject(Object.assign(new Error(`watch error ${obj.code ?? ''}`), { statusCode: obj.code })),
                );
              this.abort?.abort();
              return;
            }
            this.resourceVersion = obj.metadata?.resourceVersion ?? this.resourceVersion;
            this.handler.onEvent(type as WatchEventType, obj);
          },
          (err: unknown) => {
            if (silent) return finish(() => resolve('silent'));
            // client-node ends quiet watches with a TimeoutError after 30 s of inactivity: a normal reconnect.
            if (!err || (err instanceof Error && err.name === 'TimeoutError') || this.stopped)
              return finish(() => resolve('closed'));
            if (err instanceof Error && err.name === 'AbortError') return finish(() => resolve('closed'));
            finish(() => reject(err instanceof Error ? err : new Error(JSON.stringify(err))));
          },
        )
        .then((ac) => {
          this.abort = ac;
          if (this.stopped) ac.abort();
        })
        .catch((err: unknown) => finish(() => reject(err instanceof Error ? err : new Error(String(err)))));
    });
  }
}

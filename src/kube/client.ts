/**
 * Thin I/O shell over @kubernetes/client-node: reads, server-side apply under one field manager, status patches
 * and events. Every write goes through here and is counted, so "nothing changed → nothing written" is measurable.
 */
import {
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { FIELD_MANAGER, GROUP, OPERATOR_NAME, VERSION } from '../api/constants.js';
import type { Metrics } from '../observability/metrics.js';
import { isNotFound } from './errors.js';

export interface EventTarget {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
  uid?: string;
}

export class Kube {
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly custom: CustomObjectsApi;
  readonly coordination: CoordinationV1Api;
  readonly objects: KubernetesObjectApi;

  constructor(
    readonly kc: KubeConfig,
    private readonly metrics: Metrics,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.apps = kc.makeApiClient(AppsV1Api);
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.coordination = kc.makeApiClient(CoordinationV1Api);
    this.objects = KubernetesObjectApi.makeApiClient(kc);
  }

  countWrite(verb: string, kind: string): void {
    this.metrics.apiWrites.inc({ verb, kind });
  }

  /** GET, with 404 as undefined. */
  async read<T extends KubernetesObject>(
    apiVersion: string,
    kind: string,
    namespace: string,
    name: string,
  ): Promise<T | undefined> {
    try {
      return await this.objects.read<T>({ apiVersion, kind, metadata: { name, namespace } });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Server-side apply: we own exactly the fields we send, and take them back from whoever edited them. */
  async apply<T extends KubernetesObject>(obj: T): Promise<T> {
    this.countWrite('apply', obj.kind ?? 'unknown');
    return this.objects.patch<T>(obj, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
  }

  async create<T extends KubernetesObject>(obj: T): Promise<T> {
    this.countWrite('create', obj.kind ?? 'unknown');
    return this.objects.create<T>(obj, undefined, undefined, FIELD_MANAGER);
  }

  /** Merge-patch the status subresource of one of our custom resources. */
  async patchStatus(plural: string, namespace: string, name: string, status: unknown, kind: string): Promise<void> {
    this.countWrite('patch-status', kind);
    await this.custom.patchNamespacedCustomObjectStatus(
      { group: GROUP, version: VERSION, namespace, plural, name, body: { status }, fieldManager: FIELD_MANAGER },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }

  async event(target: EventTarget, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    this.countWrite('create', 'Event');
    const now = new Date();
    await this.core.createNamespacedEvent({
      namespace: target.namespace,
      body: {
        metadata: { generateName: `${target.name}.`, namespace: target.namespace },
        involvedObject: {
          apiVersion: target.apiVersion,
          kind: target.kind,
          name: target.name,
          namespace: target.namespace,
          uid: target.uid,
        },
        type,
        reason,
        // The API server caps event messages; ours list problems, which can be long.
        message: message.length > 1000 ? `${message.slice(0, 997)}...` : message,
        source: { component: OPERATOR_NAME },
        reportingComponent: OPERATOR_NAME,
        reportingInstance: process.env.POD_NAME ?? OPERATOR_NAME,
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      },
    });
  }
}

/** TypeScript view of the resources; the schema in ./schema.ts is the source of truth for their shape. */
import type { RolloutMode, TargetKind } from './constants.js';

export type SettingValue = boolean | number | string | number[];

export interface SecretKeyRef {
  name: string;
  key: string;
}

export interface SecretSource {
  secretKeyRef: SecretKeyRef;
}

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface Targets {
  selector: LabelSelector;
  kinds?: TargetKind[];
}

export interface InstanceSettingsSpec {
  posthogVersion?: string;
  settings?: Record<string, SettingValue>;
  secretSettings?: Record<string, SecretSource>;
  env?: Record<string, string>;
  secretEnv?: Record<string, SecretSource>;
  staffUsers?: string[];
  targets?: Targets;
  rollout?: RolloutMode;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

export interface TargetStatus {
  kind: TargetKind;
  name: string;
  envHash?: string;
  upToDate: boolean;
  /** Other InstanceSettings that also select this workload; while any do, it is left alone. */
  conflictsWith?: string[];
}

export interface InstanceSettingsStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  catalogVersion?: string;
  settingsCount?: number;
  envCount?: number;
  secretCount?: number;
  settingsHash?: string;
  envHash?: string;
  projected?: { settingsConfigMap?: string; envConfigMap?: string; secret?: string; staff?: string };
  targets?: TargetStatus[];
  warnings?: string[];
}

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string | Date;
  deletionTimestamp?: string | Date;
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
}

export interface InstanceSettings {
  apiVersion: string;
  kind: 'InstanceSettings';
  metadata: ObjectMeta;
  spec?: InstanceSettingsSpec;
  status?: InstanceSettingsStatus;
}

export interface StaffHistoryEntry {
  time: string;
  action: 'Added' | 'Removed';
  email: string;
}

export interface InstanceStaffSpec {
  users: string[];
}

export interface InstanceStaffStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  count?: number;
  history?: StaffHistoryEntry[];
}

export interface InstanceStaff {
  apiVersion: string;
  kind: 'InstanceStaff';
  metadata: ObjectMeta;
  spec: InstanceStaffSpec;
  status?: InstanceStaffStatus;
}

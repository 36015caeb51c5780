/** Names that the CRDs, the operator, the CLI and the Helm chart must agree on. */
export const GROUP = 'posthog-operator.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

export const Kinds = {
  InstanceSettings: {
    kind: 'InstanceSettings',
    plural: 'instancesettings',
    singular: 'instancesettings',
    listKind: 'InstanceSettingsList',
    shortNames: ['phis'],
  },
  InstanceStaff: {
    kind: 'InstanceStaff',
    plural: 'instancestaffs',
    singular: 'instancestaff',
    listKind: 'InstanceStaffList',
    shortNames: ['phstaff'],
  },
} as const;

export const CATEGORY = 'posthog';
export const FIELD_MANAGER = 'posthog-settings-operator';
export const OPERATOR_NAME = 'posthog-settings-operator';

export const Labels = {
  managedBy: 'app.kubernetes.io/managed-by',
  instance: `${GROUP}/instance-settings`,
  component: `${GROUP}/component`,
} as const;

export const Annotations = {
  /** Pod-template annotation whose change rolls a workload: a keyed hash of what needs a restart. */
  envHash: `${GROUP}/env-hash`,
} as const;

/** Names of the objects projected for an InstanceSettings called `name`. */
export const projectedNames = (name: string) =>
  ({
    settingsConfigMap: `${name}-settings`,
    envConfigMap: `${name}-env`,
    secret: `${name}-secrets`,
    hashKeySecret: `${name}-hash-key`,
    staff: name,
  }) as const;

export const RolloutModes = ['Auto', 'Manual'] as const;
export type RolloutMode = (typeof RolloutModes)[number];

export const TargetKinds = ['Deployment', 'StatefulSet', 'DaemonSet'] as const;
export type TargetKind = (typeof TargetKinds)[number];

export const ConditionTypes = {
  Ready: 'Ready',
  Reconciling: 'Reconciling',
  Stalled: 'Stalled',
  StaffRedundancy: 'StaffRedundancy',
} as const;

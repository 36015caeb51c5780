/** CustomResourceDefinitions built from ./schema.ts; `make generate` writes them to crds/ and the Helm chart. */
import yaml from 'js-yaml';
import { CATEGORY, GROUP, Kinds, VERSION } from './constants.js';
import {
  instanceSettingsSpecSchema,
  instanceSettingsStatusSchema,
  instanceStaffSpecSchema,
  instanceStaffStatusSchema,
  type Schema,
} from './schema.js';

const readyColumn = { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' };
const ageColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

function crd(
  names: (typeof Kinds)[keyof typeof Kinds],
  description: string,
  spec: Schema,
  status: Schema,
  columns: Schema[],
): Schema {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${names.plural}.${GROUP}` },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: {
        kind: names.kind,
        listKind: names.listKind,
        plural: names.plural,
        singular: names.singular,
        shortNames: [...names.shortNames],
        categories: [CATEGORY],
      },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: columns,
          schema: {
            openAPIV3Schema: {
              description,
              type: 'object',
              required: ['spec'],
              properties: {
                apiVersion: { description: 'API version of this object.', type: 'string' },
                kind: { description: 'Kind of this object.', type: 'string' },
                metadata: { type: 'object' },
                spec,
                status,
              },
            },
          },
        },
      ],
    },
  };
}

export const instanceSettingsCrd = crd(
  Kinds.InstanceSettings,
  'InstanceSettings declares the settings of one self-hosted PostHog install: instance settings (applied without a restart), environment-only settings (projected for envFrom, rolling the target workloads when they change), secrets by reference, and staff users.',
  instanceSettingsSpecSchema,
  instanceSettingsStatusSchema,
  [
    readyColumn,
    { name: 'Version', type: 'string', jsonPath: '.spec.posthogVersion' },
    { name: 'Settings', type: 'integer', jsonPath: '.status.settingsCount' },
    { name: 'Env', type: 'integer', jsonPath: '.status.envCount', priority: 1 },
    { name: 'Env-Hash', type: 'string', jsonPath: '.status.envHash', priority: 1 },
    { name: 'Status', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].message', priority: 1 },
    ageColumn,
  ],
);

export const instanceStaffCrd = crd(
  Kinds.InstanceStaff,
  'InstanceStaff records the staff users of a PostHog instance. The operator keeps it from the InstanceSettings of the same name; it is the only object the staff email addresses are projected into.',
  instanceStaffSpecSchema,
  instanceStaffStatusSchema,
  [
    { name: 'Staff', type: 'integer', jsonPath: '.status.count' },
    readyColumn,
    { name: 'Status', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].message', priority: 1 },
    ageColumn,
  ],
);

export const GENERATED_HEADER =
  '# Generated from src/api/schema.ts by `make generate`. Do not edit: change the schema and regenerate.\n';

/** The files `make generate` writes, path → content; the drift test compares the same map with the disk. */
export function generatedFiles(): Record<string, string> {
  const dump = (o: Schema) => GENERATED_HEADER + yaml.dump(o, { lineWidth: -1, noRefs: true, sortKeys: false });
  const files: Record<string, string> = {
    'crds/instancesettings.yaml': dump(instanceSettingsCrd),
    'crds/instancestaffs.yaml': dump(instanceStaffCrd),
  };
  for (const [path, content] of Object.entries({ ...files })) {
    files[`helm/posthog-settings-operator/${path}`] = content;
  }
  return files;
}

/**
 * The generated CRDs: the files in the repository are exactly what src/api generates (drift), and what the
 * generator emits is documented and usable from kubectl (descriptions, printer columns, short names, category).
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import yaml from 'js-yaml';
import { CATEGORY, GROUP, Kinds, VERSION } from '../../src/api/constants.js';
import { GENERATED_HEADER, generatedFiles } from '../../src/api/crds.js';

// This file runs compiled, from dist/test/unit/.
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

type Node = Record<string, unknown>;

function readRepoFile(path: string): string | undefined {
  try {
    return readFileSync(join(repoRoot, path), 'utf8');
  } catch {
    return undefined;
  }
}

/** First differing line, so a drift failure shows where, not two whole files. */
function firstDifference(actual: string, expected: string): string {
  const a = actual.split('\n');
  const e = expected.split('\n');
  for (let i = 0; i < Math.max(a.length, e.length); i++) {
    if (a[i] !== e[i]) {
      const show = (line: string | undefined) => (line === undefined ? '(end of file)' : JSON.stringify(line));
      return `first difference at line ${i + 1}:\n  on disk:   ${show(a[i])}\n  generated: ${show(e[i])}`;
    }
  }
  return 'no line differs (line endings?)';
}

const files = generatedFiles();
const crds = Object.entries(files)
  .filter(([path]) => path.startsWith('crds/'))
  .map(([path, content]) => ({ path, crd: yaml.load(content) as Node }));

const versionOf = (crd: Node) => ((crd.spec as Node).versions as Node[])[0]!;
const crdFor = (plural: string) => {
  const found = crds.find(({ crd }) => ((crd.spec as Node).names as Node).plural === plural);
  expect(found, `a generated CRD for ${plural}`).to.not.equal(undefined);
  return found!.crd;
};

/**
 * Paths of schema nodes without a description. Every property must say what it is; the nodes that describe the
 * element of a list or the value of a map are described by their parent, but the properties inside them are not.
 * metadata is the API server's own (it documents ObjectMeta itself).
 */
function undescribed(node: Node, path: string, out: string[], describedByParent = false): string[] {
  if (!describedByParent && typeof node.description !== 'string') out.push(path);
  else if (typeof node.description === 'string' && node.description.trim() === '') out.push(`${path} (empty)`);
  for (const [name, child] of Object.entries((node.properties as Record<string, Node> | undefined) ?? {})) {
    if (path === '' && name === 'metadata') continue;
    undescribed(child, path ? `${path}.${name}` : name, out);
  }
  if (node.items && typeof node.items === 'object') undescribed(node.items as Node, `${path}[]`, out, true);
  if (node.additionalProperties && typeof node.additionalProperties === 'object') {
    undescribed(node.additionalProperties as Node, `${path}.*`, out, true);
  }
  return out;
}

describe('generated CRDs', () => {
  it('generates both CRDs and the Helm chart copies', () => {
    expect(Object.keys(files).sort()).to.deep.equal([
      'crds/instancesettings.yaml',
      'crds/instancestaffs.yaml',
      'helm/posthog-settings-operator/crds/instancesettings.yaml',
      'helm/posthog-settings-operator/crds/instancestaffs.yaml',
    ]);
    for (const path of ['instancesettings.yaml', 'instancestaffs.yaml']) {
      expect(files[`helm/posthog-settings-operator/crds/${path}`]).to.equal(files[`crds/${path}`]);
    }
  });

  for (const [path, content] of Object.entries(files)) {
    it(`${path} on disk is what src/api/schema.ts generates`, () => {
      const onDisk = readRepoFile(path);
      if (onDisk === undefined) {
        expect.fail(`${path} is missing: run \`make generate\` and commit the result`);
      }
      if (onDisk !== content) {
        expect.fail(
          `${path} is out of date: run \`make generate\` and commit the result (generated files are not edited by hand); ${firstDifference(onDisk, content)}`,
        );
      }
      expect(onDisk.startsWith(GENERATED_HEADER)).to.equal(true);
    });
  }

  for (const { path, crd } of crds) {
    describe(path, () => {
      const names = (crd.spec as Node).names as Node;

      it(`is a v1 CRD of ${GROUP}/${VERSION}, served and stored, with a status subresource`, () => {
        expect(crd.apiVersion).to.equal('apiextensions.k8s.io/v1');
        expect(crd.kind).to.equal('CustomResourceDefinition');
        expect((crd.metadata as Node).name).to.equal(`${String(names.plural)}.${GROUP}`);
        expect((crd.spec as Node).group).to.equal(GROUP);
        expect((crd.spec as Node).scope).to.equal('Namespaced');
        const v = versionOf(crd);
        expect(v).to.include({ name: VERSION, served: true, storage: true });
        expect(v.subresources).to.deep.equal({ status: {} });
      });

      it('describes every field', () => {
        const root = (versionOf(crd).schema as Node).openAPIV3Schema as Node;
        expect(undescribed(root, '', [])).to.deep.equal([]);
      });

      it(`has a short name and the ${CATEGORY} category`, () => {
        expect(names.shortNames).to.be.an('array').that.is.not.empty;
        expect(names.categories).to.deep.equal([CATEGORY]);
      });
    });
  }

  it('finds an undescribed field (the check itself works)', () => {
    const schema: Node = {
      description: 'root',
      type: 'object',
      properties: {
        metadata: { type: 'object' },
        spec: {
          description: 'spec',
          type: 'object',
          properties: {
            a: { type: 'string' },
            list: { description: 'a list', type: 'array', items: { type: 'object', properties: { b: {} } } },
            map: { description: 'a map', type: 'object', additionalProperties: { type: 'string' } },
          },
        },
      },
    };
    expect(undescribed(schema, '', [])).to.deep.equal(['spec.a', 'spec.list[].b']);
  });

  it('names the resources as the operator and CLI expect', () => {
    const settings = crdFor(Kinds.InstanceSettings.plural);
    const staff = crdFor(Kinds.InstanceStaff.plural);
    expect((settings.spec as Node).names).to.deep.include({ kind: 'InstanceSettings', shortNames: ['phis'] });
    expect((staff.spec as Node).names).to.deep.include({ kind: 'InstanceStaff', shortNames: ['phstaff'] });
  });

  it('shows Ready, Version, Settings and Age for InstanceSettings', () => {
    const columns = versionOf(crdFor(Kinds.InstanceSettings.plural)).additionalPrinterColumns as Node[];
    const byName = new Map(columns.map((c) => [c.name, c]));
    expect(byName.get('Ready')).to.deep.include({
      type: 'string',
      jsonPath: '.status.conditions[?(@.type=="Ready")].status',
    });
    expect(byName.get('Version')).to.deep.include({ jsonPath: '.spec.posthogVersion' });
    expect(byName.get('Settings')).to.deep.include({ type: 'integer', jsonPath: '.status.settingsCount' });
    expect(byName.get('Age')).to.deep.include({ type: 'date', jsonPath: '.metadata.creationTimestamp' });
    // The default `kubectl get` view (priority 0) is exactly these, in this order.
    expect(columns.filter((c) => !c.priority).map((c) => c.name)).to.deep.equal([
      'Ready',
      'Version',
      'Settings',
      'Age',
    ]);
  });

  it('shows Staff, Ready and Age for InstanceStaff', () => {
    const columns = versionOf(crdFor(Kinds.InstanceStaff.plural)).additionalPrinterColumns as Node[];
    expect(columns.filter((c) => !c.priority).map((c) => c.name)).to.deep.equal(['Staff', 'Ready', 'Age']);
  });

  it('lists every catalog key under spec.settings, so kubectl explain shows them', () => {
    const spec = (
      ((versionOf(crdFor(Kinds.InstanceSettings.plural)).schema as Node).openAPIV3Schema as Node).properties as Node
    ).spec as Node;
    const settings = (spec.properties as Node).settings as Node;
    expect(settings['x-kubernetes-preserve-unknown-fields']).to.equal(true);
    expect(Object.keys(settings.properties as Node)).to.include.members(['EMAIL_HOST', 'EMAIL_PORT']);
  });
});

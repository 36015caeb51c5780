/**
 * The Helm chart (helm/posthog-settings-operator): it lints strictly, its values schema rejects typos, it renders
 * the objects the operator needs (cluster-wide or per namespace), its RBAC grants exactly what the operator uses,
 * and the rendered manifests are accepted by the real API server: a server-side dry run, the restricted Pod Security
 * Standard, a real install whose ServiceAccount is asked what it may do, and the operator itself started with the
 * rendered args and env and that ServiceAccount's token, reconciling an InstanceSettings to Ready.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import yaml from 'js-yaml';
import { AppsV1Api, AuthorizationV1Api, CoordinationV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { Annotations, FIELD_MANAGER, GROUP, Kinds } from '../../src/api/constants.js';
import { binaryPath } from '../harness/control-plane.js';
import { installCrds } from './crds-helper.js';
import { controlPlane, eventually, freshNamespace, kubeConfig } from './env.js';
import { applyInstanceSettings, condition, getInstanceStaff, waitForStatus } from './operator-helper.js';

// This file runs compiled, from dist/test/integration/.
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const chart = join(repoRoot, 'helm/posthog-settings-operator');
const release = 'phso';
const fullname = `${release}-posthog-settings-operator`;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

let helmHome = '';

function run(bin: string, args: string[], input?: string): Promise<Result> {
  return new Promise((done, fail) => {
    const child = spawn(bin, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      // Keep helm away from the user's repositories, registry logins and plugins.
      env: {
        ...process.env,
        HELM_CACHE_HOME: join(helmHome, 'cache'),
        HELM_CONFIG_HOME: join(helmHome, 'config'),
        HELM_DATA_HOME: join(helmHome, 'data'),
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

async function ok(bin: string, args: string[], input?: string): Promise<string> {
  const r = await run(bin, args, input);
  if (r.code !== 0) throw new Error(`${bin} ${args.join(' ')} exited ${r.code}:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

const helm = (args: string[]) => run(binaryPath('helm'), args);

const kubectl = (args: string[], input?: string) =>
  ok(binaryPath('kubectl'), ['--kubeconfig', controlPlane().kubeconfigPath, ...args], input);

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const srv = createServer();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? done(addr.port) : fail(new Error('no port'))));
    });
  });
}

function httpStatus(url: string): Promise<number> {
  return new Promise((done) => {
    const req = httpGet(url, { timeout: 2000 }, (res) => {
      res.resume();
      done(res.statusCode ?? 0);
    });
    req.on('error', () => done(0));
    req.on('timeout', () => req.destroy());
  });
}

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
  resourceNames?: string[];
}

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  rules?: Rule[];
  roleRef?: { kind: string; name: string };
  subjects?: { kind: string; name: string; namespace?: string }[];
  spec?: Record<string, unknown>;
}

interface Container {
  name: string;
  image: string;
  args: string[];
  env: { name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  ports: { name: string; containerPort: number }[];
  livenessProbe: { httpGet: { path: string; port: string | number } };
  readinessProbe: { httpGet: { path: string; port: string | number } };
  resources: Record<string, Record<string, string>>;
  securityContext: Record<string, unknown>;
}

interface PodSpec {
  serviceAccountName: string;
  terminationGracePeriodSeconds: number;
  containers: Container[];
}

async function template(set: string[] = [], namespace = 'posthog-operator', extra: string[] = []): Promise<string> {
  const args = ['template', release, chart, '--namespace', namespace, ...extra];
  for (const s of set) args.push('--set', s);
  const r = await helm(args);
  if (r.code !== 0) throw new Error(`helm template failed:\n${r.stderr}`);
  return r.stdout;
}

const parse = (rendered: string): Manifest[] =>
  yaml.loadAll(rendered).filter((d): d is Manifest => typeof d === 'object' && d !== null);

const kinds = (docs: Manifest[]) => docs.map((d) => d.kind).sort();
const only = (docs: Manifest[], kind: string, name?: string): Manifest => {
  const found = docs.filter((d) => d.kind === kind && (name === undefined || d.metadata.name === name));
  expect(found, `exactly one ${kind}${name ? ` ${name}` : ''}`).to.have.length(1);
  return found[0]!;
};
const podSpec = (docs: Manifest[]) => (only(docs, 'Deployment').spec as { template: { spec: PodSpec } }).template.spec;
const container = (docs: Manifest[]) => podSpec(docs).containers[0]!;

/** What the operator does in a watched namespace: (API group, resource, verb). */
const operatorNeeds: [string, string, string[]][] = [
  [GROUP, Kinds.InstanceSettings.plural, ['get', 'list', 'watch', 'create', 'update', 'patch']],
  [GROUP, Kinds.InstanceStaff.plural, ['get', 'list', 'watch', 'create', 'update', 'patch']],
  [GROUP, `${Kinds.InstanceSettings.plural}/status`, ['get', 'update', 'patch']],
  [GROUP, `${Kinds.InstanceStaff.plural}/status`, ['get', 'update', 'patch']],
  ['', 'configmaps', ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']],
  ['', 'secrets', ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']],
  ['apps', 'deployments', ['get', 'list', 'watch', 'patch']],
  ['apps', 'statefulsets', ['get', 'list', 'watch', 'patch']],
  ['apps', 'daemonsets', ['get', 'list', 'watch', 'patch']],
  ['', 'events', ['create', 'patch']],
  ['events.k8s.io', 'events', ['create', 'patch']],
];
const leaseNeeds: [string, string, string[]][] = [['coordination.k8s.io', 'leases', ['get', 'create', 'update']]];

/** Every (group/resource verb) a set of rules grants, with wildcards kept visible as '*'. */
function grants(rules: Rule[]): string[] {
  const out = new Set<string>();
  for (const r of rules) {
    expect(r.resourceNames, 'rules are not limited by resourceNames').to.equal(undefined);
    for (const g of r.apiGroups ?? [])
      for (const res of r.resources ?? []) for (const v of r.verbs ?? []) out.add(`${g}/${res} ${v}`);
  }
  return [...out].sort();
}
const expected = (needs: [string, string, string[]][]) =>
  needs.flatMap(([g, res, verbs]) => verbs.map((v) => `${g}/${res} ${v}`)).sort();

describe('Helm chart', function () {
  this.timeout(120_000);

  before(() => {
    helmHome = mkdtempSync(join(tmpdir(), 'helm-home-'));
  });
  after(() => {
    rmSync(helmHome, { recursive: true, force: true });
  });

  describe('lint and values schema', () => {
    it('passes helm lint --strict', async () => {
      const r = await helm(['lint', '--strict', chart]);
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      expect(r.stdout).to.match(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    });

    it('passes helm lint --strict with namespaces, a ServiceMonitor and no leader election', async () => {
      const r = await helm([
        'lint',
        '--strict',
        chart,
        '--set',
        'watchNamespaces={a,b},metrics.serviceMonitor.enabled=true,leaderElection.enabled=false,replicaCount=1',
      ]);
      expect(r.code, r.stdout + r.stderr).to.equal(0);
    });

    it('fails helm lint on a misspelt top-level value (values.schema.json)', async () => {
      const r = await helm(['lint', '--strict', chart, '--set', 'replicaCountt=1']);
      expect(r.code).to.not.equal(0);
      expect(r.stdout + r.stderr).to.match(/additional properties 'replicaCountt' not allowed/);
    });

    it('fails on a misspelt nested value and on a wrong type or enum', async () => {
      for (const set of [
        'image.tagg=1',
        'metrics.serviceMonitor.enable=true',
        'securityContext.readOnlyRootFileSystem=true',
        'leaderElection.enabled=yes',
        'logLevel=verbose',
        'watchNamespaces={Not_A_Namespace}',
      ]) {
        const r = await helm(['template', release, chart, '--set', set]);
        expect(r.code, `--set ${set} should be rejected`).to.not.equal(0);
        expect(r.stderr, set).to.match(/schema/);
      }
    });

    it('refuses several replicas without leader election', async () => {
      const r = await helm(['template', release, chart, '--set', 'leaderElection.enabled=false']);
      expect(r.code).to.not.equal(0);
      expect(r.stderr).to.match(/replicaCount > 1 needs leaderElection\.enabled/);
    });

    it('refuses a Kubernetes older than kubeVersion', async () => {
      const r = await helm(['template', release, chart, '--kube-version', '1.29.0']);
      expect(r.code).to.not.equal(0);
      expect(r.stderr).to.match(/kubeVersion/);
    });
  });

  describe('helm template', () => {
    it('renders a cluster-wide install by default', async () => {
      const docs = parse(await template());
      expect(kinds(docs)).to.deep.equal([
        'ClusterRole',
        'ClusterRoleBinding',
        'Deployment',
        'Role',
        'RoleBinding',
        'Service',
        'ServiceAccount',
      ]);
      for (const d of docs.filter((x) => !x.kind.startsWith('Cluster'))) {
        expect(d.metadata.namespace, `${d.kind} ${d.metadata.name}`).to.equal('posthog-operator');
      }
      expect(only(docs, 'Role').metadata.name).to.equal(`${fullname}-leader-election`);
      const binding = only(docs, 'ClusterRoleBinding');
      expect(binding.roleRef).to.deep.include({ kind: 'ClusterRole', name: fullname });
      expect(binding.subjects).to.deep.equal([
        { kind: 'ServiceAccount', name: fullname, namespace: 'posthog-operator' },
      ]);
    });

    it('runs `posthog-settings run` with the flags, env, probes and security of the values', async () => {
      const docs = parse(await template());
      const deploy = only(docs, 'Deployment');
      expect(deploy.spec?.replicas).to.equal(2);
      const pod = podSpec(docs);
      expect(pod.serviceAccountName).to.equal(fullname);
      expect(pod.terminationGracePeriodSeconds).to.equal(30);
      expect(pod.containers).to.have.length(1);
      const c = container(docs);
      expect(c.image).to.equal('ghcr.io/posthog-operator/posthog-settings-operator:0.1.0');
      expect(c.args).to.deep.equal([
        'run',
        '--metrics-port=8080',
        '--leader-elect',
        '--lease-name=posthog-settings-operator',
        '--lease-namespace=posthog-operator',
        '--workers=4',
        '--log-level=info',
      ]);
      const fieldRefs = Object.fromEntries(c.env.map((e) => [e.name, e.valueFrom?.fieldRef?.fieldPath]));
      expect(fieldRefs).to.deep.include({ POD_NAMESPACE: 'metadata.namespace', POD_NAME: 'metadata.name' });
      expect(c.ports).to.deep.include({ name: 'metrics', containerPort: 8080, protocol: 'TCP' });
      expect(c.livenessProbe.httpGet).to.deep.equal({ path: '/healthz', port: 'metrics' });
      expect(c.readinessProbe.httpGet).to.deep.equal({ path: '/readyz', port: 'metrics' });
      expect(c.resources).to.deep.equal({ requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '256Mi' } });
      expect(c.securityContext).to.deep.include({
        runAsNonRoot: true,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
      const svc = only(docs, 'Service');
      expect((svc.spec as { ports: unknown[] }).ports).to.deep.equal([
        { name: 'metrics', port: 8080, targetPort: 'metrics', protocol: 'TCP' },
      ]);
    });

    it('renders one Role and RoleBinding per watched namespace and no cluster-wide RBAC', async () => {
      const docs = parse(await template(['watchNamespaces={a,b}']));
      expect(kinds(docs)).to.deep.equal([
        'Deployment',
        'Role',
        'Role',
        'Role',
        'RoleBinding',
        'RoleBinding',
        'RoleBinding',
        'Service',
        'ServiceAccount',
      ]);
      const where = (kind: string) =>
        docs
          .filter((d) => d.kind === kind)
          .map((d) => `${d.metadata.namespace}/${d.metadata.name}`)
          .sort();
      expect(where('Role')).to.deep.equal([
        `a/${fullname}`,
        `b/${fullname}`,
        `posthog-operator/${fullname}-leader-election`,
      ]);
      expect(where('RoleBinding')).to.deep.equal(where('Role'));
      for (const b of docs.filter((d) => d.kind === 'RoleBinding')) {
        expect(b.roleRef?.kind).to.equal('Role');
        expect(b.subjects).to.deep.equal([{ kind: 'ServiceAccount', name: fullname, namespace: 'posthog-operator' }]);
      }
      expect(container(docs).args).to.include('--namespaces=a,b');
    });

    it('follows the other values: image, leader election off, workers, log level, ServiceMonitor, no RBAC', async () => {
      let docs = parse(
        await template([
          'image.repository=registry.example/op,image.tag=1.2.3,image.pullPolicy=Always',
          'leaderElection.enabled=false,replicaCount=1,workers=8,logLevel=debug,metrics.port=9090',
          'metrics.serviceMonitor.enabled=true',
          'podAnnotations.a=b,nodeSelector.disk=ssd',
        ]),
      );
      const c = container(docs);
      expect(c.image).to.equal('registry.example/op:1.2.3');
      expect(c.args).to.deep.equal([
        'run',
        '--metrics-port=9090',
        '--no-leader-elect',
        '--workers=8',
        '--log-level=debug',
      ]);
      expect(docs.filter((d) => d.kind === 'Role')).to.have.length(0);
      const sm = only(docs, 'ServiceMonitor');
      expect(sm.apiVersion).to.equal('monitoring.coreos.com/v1');
      expect((sm.spec as { endpoints: unknown[] }).endpoints).to.deep.equal([
        { port: 'metrics', path: '/metrics', interval: '30s', scrapeTimeout: '10s' },
      ]);

      docs = parse(await template(['rbac.create=false,serviceAccount.create=false,serviceAccount.name=existing']));
      expect(kinds(docs)).to.deep.equal(['Deployment', 'Service']);
      expect(podSpec(docs).serviceAccountName).to.equal('existing');
    });
  });

  describe('RBAC', () => {
    it('the ClusterRole grants exactly what the operator uses, and nothing more', async () => {
      const docs = parse(await template());
      const role = only(docs, 'ClusterRole');
      expect(grants(role.rules ?? [])).to.deep.equal(expected(operatorNeeds));
      expect(JSON.stringify(role.rules)).to.not.include('*');
    });

    it('each per-namespace Role grants the same rules', async () => {
      const docs = parse(await template(['watchNamespaces={a,b}']));
      for (const role of docs.filter((d) => d.kind === 'Role' && d.metadata.name === fullname)) {
        expect(grants(role.rules ?? []), role.metadata.namespace).to.deep.equal(expected(operatorNeeds));
      }
    });

    it('the leader-election Role grants only leases, in the release namespace', async () => {
      const docs = parse(await template());
      const role = only(docs, 'Role', `${fullname}-leader-election`);
      expect(role.metadata.namespace).to.equal('posthog-operator');
      expect(grants(role.rules ?? [])).to.deep.equal(expected(leaseNeeds));
    });
  });

  describe('against the API server', () => {
    it('is accepted by a server-side dry run, with the CRDs, cluster-wide', async () => {
      const ns = await freshNamespace('helm');
      const rendered = await template([], ns, ['--include-crds']);
      const out = await kubectl(['apply', '--dry-run=server', '-f', '-'], rendered);
      for (const line of [
        `customresourcedefinition.apiextensions.k8s.io/${Kinds.InstanceSettings.plural}.${GROUP}`,
        `customresourcedefinition.apiextensions.k8s.io/${Kinds.InstanceStaff.plural}.${GROUP}`,
        `serviceaccount/${fullname}`,
        `clusterrole.rbac.authorization.k8s.io/${fullname}`,
        `clusterrolebinding.rbac.authorization.k8s.io/${fullname}`,
        `role.rbac.authorization.k8s.io/${fullname}-leader-election`,
        `rolebinding.rbac.authorization.k8s.io/${fullname}-leader-election`,
        `service/${fullname}-metrics`,
        `deployment.apps/${fullname}`,
      ]) {
        expect(out).to.include(line);
      }
      expect(out).to.include('(server dry run)');
    });

    it('meets the restricted Pod Security Standard: the API server admits its pods', async () => {
      const ns = await freshNamespace('helm-psa');
      await kubectl(['label', 'namespace', ns, 'pod-security.kubernetes.io/enforce=restricted']);
      const rendered = await template([`watchNamespaces={${ns}}`], ns);
      const applied = await run(
        binaryPath('kubectl'),
        ['--kubeconfig', controlPlane().kubeconfigPath, 'apply', '-f', '-'],
        rendered,
      );
      expect(applied.code, applied.stderr).to.equal(0);
      expect(applied.stderr).to.not.match(/PodSecurity/);
      // kube-controller-manager creates the pods (they stay Pending: no scheduler); PodSecurity would refuse them.
      const core = kubeConfig().makeApiClient(CoreV1Api);
      const pods = await eventually(
        async () => {
          const list = await core.listNamespacedPod({ namespace: ns });
          return list.items.length === 2 ? list.items : undefined;
        },
        30_000,
        'the two operator pods',
      );
      expect(pods.map((p) => p.spec?.serviceAccountName)).to.deep.equal([fullname, fullname]);
    });

    it('installs per namespace, and its ServiceAccount may do what the operator does there and no more', async () => {
      const ns = await freshNamespace('helm');
      const watched = await freshNamespace('helm-watched');
      const other = await freshNamespace('helm-other');
      const rendered = await template([`watchNamespaces={${ns},${watched}}`], ns);
      await kubectl(['apply', '--dry-run=server', '-f', '-'], rendered);
      await kubectl(['apply', '-f', '-'], rendered);
      await kubectl([
        '-n',
        ns,
        'get',
        `deployment/${fullname}`,
        `serviceaccount/${fullname}`,
        `service/${fullname}-metrics`,
      ]);

      const authz = kubeConfig().makeApiClient(AuthorizationV1Api);
      const can = async (verb: string, group: string, resource: string, namespace: string) => {
        const [plural, subresource] = resource.split('/');
        const review = await authz.createSubjectAccessReview({
          body: {
            spec: {
              user: `system:serviceaccount:${ns}:${fullname}`,
              groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'],
              resourceAttributes: { namespace, verb, group, resource: plural, subresource },
            },
          },
        });
        return review.status?.allowed === true;
      };
      const checks: Promise<void>[] = [];
      const check = (verb: string, group: string, resource: string, namespace: string, allowed: boolean) =>
        checks.push(
          can(verb, group, resource, namespace).then((got) => {
            expect(got, `${allowed ? 'may' : 'may not'} ${verb} ${group}/${resource} in ${namespace}`).to.equal(
              allowed,
            );
          }),
        );
      for (const [group, resource, verbs] of operatorNeeds) {
        for (const verb of verbs) {
          check(verb, group, resource, ns, true);
          check(verb, group, resource, watched, true);
          check(verb, group, resource, other, false);
        }
      }
      for (const verb of ['get', 'create', 'update']) check(verb, 'coordination.k8s.io', 'leases', ns, true);
      check('list', 'coordination.k8s.io', 'leases', ns, false);
      check('get', 'coordination.k8s.io', 'leases', watched, false);
      check('delete', 'apps', 'deployments', ns, false);
      check('update', 'apps', 'deployments', ns, false);
      check('delete', GROUP, Kinds.InstanceSettings.plural, ns, false);
      check('get', '', 'pods', ns, false);
      check('create', 'rbac.authorization.k8s.io', 'roles', ns, false);
      await Promise.all(checks);
    });

    it('runs the operator with the rendered args and env, as the chart ServiceAccount, to Ready', async function () {
      this.timeout(180_000);
      await installCrds();
      const ns = await freshNamespace('helm-run');
      const port = await freePort();
      const rendered = await template([`watchNamespaces={${ns}}`, `metrics.port=${port}`], ns);
      await kubectl(['apply', '-f', '-'], rendered);
      const c = container(parse(rendered));

      // What the kubelet would give the pod: a token of the chart's ServiceAccount and the downward-API env.
      const admin = kubeConfig();
      const core = admin.makeApiClient(CoreV1Api);
      const token = await core.createNamespacedServiceAccountToken({
        name: fullname,
        namespace: ns,
        body: { spec: { audiences: [], expirationSeconds: 3600 } },
      });
      const cluster = admin.getCurrentCluster()!;
      const asPod = new KubeConfig();
      asPod.loadFromOptions({
        clusters: [cluster],
        users: [{ name: 'operator', token: token.status!.token }],
        contexts: [{ name: 'operator', cluster: cluster.name, user: 'operator' }],
        currentContext: 'operator',
      });
      const kubeconfigPath = join(helmHome, `${ns}.kubeconfig`);
      writeFileSync(kubeconfigPath, asPod.exportConfig(), { mode: 0o600 });
      const podEnv: Record<string, string> = { KUBECONFIG: kubeconfigPath };
      for (const e of c.env) {
        const path = e.valueFrom?.fieldRef?.fieldPath;
        podEnv[e.name] = path === 'metadata.namespace' ? ns : path === 'metadata.name' ? `${fullname}-0` : '';
      }

      let output = '';
      const operator: ChildProcess = spawn(process.execPath, [join(repoRoot, 'dist/src/cli/main.js'), ...c.args], {
        env: { ...process.env, ...podEnv },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      operator.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
      operator.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
      const exited = new Promise<number | null>((done) => operator.on('exit', (code) => done(code)));
      try {
        // A crash (a flag the CLI does not take, a permission missing at start) fails at once, with its output.
        await Promise.race([
          eventually(
            async () => ((await httpStatus(`http://127.0.0.1:${port}/readyz`)) === 200 ? true : undefined),
            60_000,
            'the operator to be ready on its readiness probe',
          ),
          exited.then((code) => Promise.reject(new Error(`the operator exited with ${code}`))),
        ]).catch((err: Error) => {
          throw new Error(`${err.message}\noperator output:\n${output}`);
        });
        expect(await httpStatus(`http://127.0.0.1:${port}/healthz`)).to.equal(200);
        expect(await httpStatus(`http://127.0.0.1:${port}/metrics`)).to.equal(200);
        const lease = await eventually(
          async () => {
            const l = await admin
              .makeApiClient(CoordinationV1Api)
              .readNamespacedLease({ name: 'posthog-settings-operator', namespace: ns });
            return l.spec?.holderIdentity === `${fullname}-0` ? l : undefined;
          },
          30_000,
          'the operator to hold the Lease',
        );
        expect(lease.metadata?.namespace).to.equal(ns);

        // One reconcile touches every rule: secrets read, ConfigMaps/Secret written, InstanceStaff, status,
        // Events, and the target Deployment's pod template patched.
        for (const [name, key] of [
          ['smtp', 'password'],
          ['posthog', 'secret-key'],
        ] as const) {
          await core.createNamespacedSecret({
            namespace: ns,
            body: { metadata: { name }, stringData: { [key]: 'x' } },
          });
        }
        await admin.makeApiClient(AppsV1Api).createNamespacedDeployment({
          namespace: ns,
          body: {
            metadata: { name: 'posthog-web', labels: { 'app.kubernetes.io/part-of': 'posthog' } },
            spec: {
              replicas: 1,
              selector: { matchLabels: { app: 'posthog-web' } },
              template: {
                metadata: { labels: { app: 'posthog-web' } },
                spec: { containers: [{ name: 'web', image: 'example.invalid/posthog:1' }] },
              },
            },
          },
        });
        await applyInstanceSettings(ns, 'ph', {
          posthogVersion: '1.43.0',
          settings: { EMAIL_HOST: 'smtp.example.com' },
          secretSettings: { EMAIL_HOST_PASSWORD: { secretKeyRef: { name: 'smtp', key: 'password' } } },
          env: { SITE_URL: 'https://posthog.example.com' },
          secretEnv: { SECRET_KEY: { secretKeyRef: { name: 'posthog', key: 'secret-key' } } },
          staffUsers: ['admin@example.com'],
          targets: { selector: { matchLabels: { 'app.kubernetes.io/part-of': 'posthog' } } },
        });
        await waitForStatus(ns, 'ph', (cr) => condition(cr, 'Ready')?.status === 'True', 'Ready').catch(
          (err: Error) => {
            throw new Error(`${err.message}\noperator output:\n${output}`);
          },
        );
        const staff = await eventually(() => getInstanceStaff(ns, 'ph'), 30_000, 'the InstanceStaff');
        expect(staff.spec.users).to.deep.equal(['admin@example.com']);
        const web = await eventually(
          async () => {
            const d = await admin
              .makeApiClient(AppsV1Api)
              .readNamespacedDeployment({ name: 'posthog-web', namespace: ns });
            return d.spec?.template.metadata?.annotations?.[Annotations.envHash] ? d : undefined;
          },
          30_000,
          'the env-hash annotation on the target',
        );
        // What the chart README tells Argo CD users to trust.
        expect(web.metadata?.managedFields?.map((f) => f.manager)).to.include(FIELD_MANAGER);
        expect(output).to.not.match(/forbidden/i);

        // What the kubelet does on a rollout: SIGTERM, then SIGKILL after terminationGracePeriodSeconds.
        operator.kill('SIGTERM');
        const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('still running'), 30_000))]);
        expect(code, `exit within terminationGracePeriodSeconds:\n${output}`).to.equal(0);
      } finally {
        if (operator.exitCode === null && operator.signalCode === null) {
          operator.kill('SIGKILL');
          await exited;
        }
      }
    });
  });
});

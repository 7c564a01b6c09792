import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { App } from 'cdk8s';
import { parseAllDocuments } from 'yaml';

import { declare } from '../../examples/cdk8s/main';
import { runProgram } from '../unit/pulumi/harness';

import { parseWorkspace } from '../../src/api';
import { planWorkspace } from '../../src/plan';
import { ADMISSION_POLICY_NAME, renderOperator, renderWorkspace, renderWorkspaceCrd } from '../../src/render';
import {
  KubeApiError,
  KubeClient,
  KubeObject,
  REPO_ROOT,
  apiPath,
  applyObject,
  deleteApplied,
  deleteNamespaces,
  ensureNamespace,
  exists,
  installCrd,
  karpenterCrds,
  lostFields,
} from './support';

/** Everything we emit installs on a real API server, and nothing we send is pruned or rewritten. */

const admin = KubeClient.fromKubeconfig();
const suffix = Date.now().toString(36);
const SEED_DIR = join(REPO_ROOT, 'test', 'fixtures', 'seed');
const seeds = readdirSync(SEED_DIR).filter((f) => f.endsWith('.yaml'));

beforeAll(async () => {
  // Karpenter's own CRDs come with the cluster; the fixtures stand in only where no Karpenter runs.
  for (const crd of karpenterCrds()) {
    const path = apiPath('apiextensions.k8s.io/v1', 'customresourcedefinitions', { name: crd.metadata!.name! });
    if (!(await exists(admin, path))) await installCrd(admin, crd);
  }
});

// What the suite applied goes with it: another suite's reconciler, watching every namespace, would act on it.
afterAll(() => deleteApplied(admin));

// The bundles applied here carry the admission policy's binding, which covers every namespace: remove it after
// each test, so that suites storing workspaces the policy refuses (on purpose) see a cluster without it.
afterEach(async () => {
  const path = apiPath('admissionregistration.k8s.io/v1', 'validatingadmissionpolicybindings', {
    name: ADMISSION_POLICY_NAME,
  });
  await admin.delete(path).catch((e: unknown) => {
    if (!(e instanceof KubeApiError) || e.status !== 404) throw e;
  });
});

describe('the Workspace CRD', () => {
  test('installs, every CEL rule compiles, and it becomes Established with both versions served', async () => {
    const stored = (await installCrd(admin, renderWorkspaceCrd() as KubeObject)) as KubeObject & {
      spec: { versions: { name: string; served: boolean; storage: boolean }[] };
      status: { conditions: { type: string; status: string }[] };
    };
    expect(stored.spec.versions.map((v) => [v.name, v.served, v.storage])).toEqual([
      ['v1alpha1', true, false],
      ['v1beta1', true, true],
    ]);
    expect(stored.status.conditions.find((c) => c.type === 'NamesAccepted')?.status).toBe('True');
    expect(lostFields(renderWorkspaceCrd(), stored)).toEqual([]);
  });
});

describe('the operator bundle (kaito operator)', () => {
  test.each([
    ['default options', {}],
    ['with the device plugin and a custom namespace', { namespace: `kaito-ops-${suffix}`, devicePlugin: true }],
  ])('applies object by object with nothing pruned: %s', async (_label, options) => {
    for (const object of renderOperator(options)) {
      const stored = await applyObject(admin, object as KubeObject);
      expect([object.kind, object.metadata.name, lostFields(object, stored)]).toEqual([
        object.kind,
        object.metadata.name,
        [],
      ]);
    }
  });
});

describe('kaito render --mode direct of every seed example', () => {
  // Seeds share names (a tuning and an inference workspace are both workspace-phi-3-mini): one namespace each.
  const namespaceOf = (seed: string) => `render-${seeds.indexOf(seed)}-${suffix}`;
  beforeAll(async () => {
    for (const seed of seeds) await ensureNamespace(admin, namespaceOf(seed));
  });
  afterAll(() => deleteNamespaces(admin, seeds.map(namespaceOf)));

  test.each(seeds)('%s applies with nothing pruned', async (seed) => {
    const namespace = namespaceOf(seed);
    const ws = parseWorkspace(readFileSync(join(SEED_DIR, seed), 'utf8'));
    const objects = renderWorkspace({ ...ws, metadata: { ...ws.metadata, namespace } }, planWorkspace(ws));
    expect(objects.length).toBeGreaterThanOrEqual(3);
    for (const object of objects) {
      const stored = await applyObject(admin, object as KubeObject);
      expect([object.kind, object.metadata.name, lostFields(object, stored)]).toEqual([
        object.kind,
        object.metadata.name,
        [],
      ]);
    }
  });

  test.each(seeds)('%s: the Workspace itself (operator mode) is stored as sent, in v1beta1', async (seed) => {
    const ws = parseWorkspace(readFileSync(join(SEED_DIR, seed), 'utf8'));
    const sent = { ...ws, metadata: { ...ws.metadata, namespace: namespaceOf(seed) } } as KubeObject;
    const stored = await applyObject(admin, sent);
    expect(stored.apiVersion).toBe('kaito.sh/v1beta1');
    expect(lostFields(sent, stored)).toEqual([]);
  });
});

describe('the cdk8s example app (npm run synth)', () => {
  // Azure Service Operator's CRDs are not available offline; its ManagedClustersAgentPool is checked against
  // the field names and types in the unit tests instead.
  const NOT_INSTALLED = new Set(['containerservice.azure.com/ManagedClustersAgentPool']);

  test('every synthesized object applies with nothing pruned', async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'kaito-synth-'));
    const app = new App({ outdir });
    declare(app);
    app.synth();
    const objects = readdirSync(outdir)
      .sort()
      .flatMap((f) => parseAllDocuments(readFileSync(join(outdir, f), 'utf8')).map((d) => d.toJS() as KubeObject));
    rmSync(outdir, { recursive: true, force: true });
    const skipped = objects.filter((o) => NOT_INSTALLED.has(`${o.apiVersion!.split('/')[0]}/${o.kind}`));
    expect(skipped.map((o) => o.kind)).toEqual(['ManagedClustersAgentPool']);
    const namespaces = new Set(objects.map((o) => o.metadata?.namespace).filter((n): n is string => n !== undefined));
    for (const n of namespaces) await ensureNamespace(admin, n);
    for (const object of objects.filter((o) => !skipped.includes(o))) {
      const stored = await applyObject(admin, object);
      expect([object.kind, object.metadata?.name, lostFields(object, stored)]).toEqual([
        object.kind,
        object.metadata?.name,
        [],
      ]);
    }
    // With the tuning egress NetworkPolicy, the KaitoCatalog CRD and object, the policy and its binding.
    expect(objects.length - skipped.length).toBe(22);
  });
});

describe('the objects the Pulumi program declares (under mocks)', () => {
  test('every Kubernetes resource of examples/pulumi applies with nothing pruned', async () => {
    const credentials = 'azure-native:containerservice:listManagedClusterUserCredentials';
    const kubeconfig = Buffer.from('apiVersion: v1\nkind: Config\nclusters: []\n').toString('base64');
    const { graph, error } = await runProgram(
      () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        require('../../examples/pulumi/index');
      },
      {
        config: { 'project:resourceGroupName': 'rg', 'project:clusterName': 'aks' },
        calls: { [credentials]: () => ({ kubeconfigs: [{ name: 'clusterUser', value: kubeconfig }] }) },
      },
    );
    expect(error).toBeUndefined();
    const objects = graph.registrations
      .filter((r) => r.custom && r.type.startsWith('kubernetes:') && !r.type.startsWith('pulumi:'))
      .map((r) => r.inputs as KubeObject);
    expect(objects.map((o) => o.kind).sort()).toEqual([
      'ClusterRole',
      'ClusterRoleBinding',
      'CustomResourceDefinition',
      'CustomResourceDefinition',
      'Deployment',
      'KaitoCatalog',
      'Namespace',
      'Role',
      'RoleBinding',
      'Service',
      'ServiceAccount',
      'ValidatingAdmissionPolicy',
      'ValidatingAdmissionPolicyBinding',
      'Workspace',
      'Workspace',
    ]);
    for (const object of objects) {
      const stored = await applyObject(admin, object, 'default');
      expect([object.kind, object.metadata?.name, lostFields(object, stored)]).toEqual([
        object.kind,
        object.metadata?.name,
        [],
      ]);
    }
  });
});

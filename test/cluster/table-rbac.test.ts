import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { parse } from 'yaml';

import { reconcilerClusterRules, renderOperator } from '../../src/render';
import { RECONCILER_NAME } from '../../src/render/operator';
import {
  KubeApiError,
  KubeClient,
  KubeObject,
  KubeTable,
  REPO_ROOT,
  apiPath,
  applyObject,
  deleteApplied,
  deleteNamespaces,
  ensureNamespace,
  installCrd,
} from './support';

const admin = KubeClient.fromKubeconfig();
const suffix = Date.now().toString(36);
const SEED_DIR = join(REPO_ROOT, 'test', 'fixtures', 'seed');
const seeds = readdirSync(SEED_DIR).filter((f) => f.endsWith('.yaml'));

describe('kubectl get workspace', () => {
  const namespaceOf = (seed: string) => `table-${seeds.indexOf(seed)}-${suffix}`;

  beforeAll(async () => {
    const crd = renderOperator().find((o) => o.kind === 'CustomResourceDefinition')!;
    await installCrd(admin, crd as KubeObject);
    for (const seed of seeds) await ensureNamespace(admin, namespaceOf(seed));
  });
  afterAll(() => deleteNamespaces(admin, seeds.map(namespaceOf)));

  test.each(seeds)(
    '%s: the server-side Table has the seed documents columns, then the status shows in them',
    async (seed) => {
      const manifest = parse(readFileSync(join(SEED_DIR, seed), 'utf8')) as KubeObject & { metadata: { name: string } };
      const namespace = namespaceOf(seed);
      // Applied as the users wrote it (kaito.sh/v1alpha1), read back as v1beta1.
      await admin.create(apiPath('kaito.sh/v1alpha1', 'workspaces', { namespace }), manifest);
      const path = apiPath('kaito.sh/v1beta1', 'workspaces', { namespace, name: manifest.metadata.name });

      const table = (await admin.get<KubeTable>(path, { table: true })).body;
      expect(table.columnDefinitions.filter((c) => c.priority === 0).map((c) => c.name)).toEqual([
        'Name',
        'Instance',
        'ResourceReady',
        'InferenceReady',
        'WorkspaceReady',
        'Age',
      ]);
      expect(table.columnDefinitions.filter((c) => c.priority === 1).map((c) => c.name)).toEqual([
        'JobStarted',
        'WorkspaceSucceeded',
        'State',
      ]);
      expect(table.rows[0].cells.slice(0, 5)).toEqual([manifest.metadata.name, 'Standard_NC6s_v3', null, null, null]);

      const condition = (type: string) => ({
        type,
        status: 'True',
        reason: 'Ready',
        message: 'ready',
        lastTransitionTime: '2026-11-22T10:00:00Z',
      });
      const { body: current } = await admin.get<KubeObject>(path);
      await admin.replace(`${path}/status`, {
        ...current,
        status: {
          state: 'Ready',
          conditions: ['ResourceReady', 'InferenceReady', 'WorkspaceReady'].map(condition),
        },
      });
      const after = (await admin.get<KubeTable>(path, { table: true })).body;
      expect(after.rows[0].cells.slice(0, 5)).toEqual([
        manifest.metadata.name,
        'Standard_NC6s_v3',
        'True',
        'True',
        'True',
      ]);
      expect(after.rows[0].cells.slice(6)).toEqual([null, null, 'Ready']);
    },
  );
});

describe("the reconciler's ServiceAccount and RBAC from the operator bundle", () => {
  const namespace = `kaito-rbac-${suffix}`;
  let reconciler: KubeClient;
  afterAll(async () => {
    await deleteApplied(admin);
    await deleteNamespaces(admin, [namespace]);
  });

  beforeAll(async () => {
    // Without the admission policy: its binding would cover every namespace of the shared test cluster.
    const bundle = renderOperator({ namespace, admissionPolicy: false });
    for (const object of bundle.filter((o) => o.kind !== 'Deployment' && o.kind !== 'Service')) {
      // ClusterRole and binding names are shared by every bundle; bind this suite's ServiceAccount too.
      await applyObject(admin, object as KubeObject);
    }
    const { body } = await admin.create<{ status: { token: string } }>(
      apiPath('v1', 'serviceaccounts', { namespace, name: RECONCILER_NAME, subresource: 'token' }),
      { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
    );
    reconciler = admin.withToken(body.status.token);
  });

  async function allowed(
    verb: string,
    group: string,
    resource: string,
    ns?: string,
    subresource?: string,
  ): Promise<boolean> {
    const { body } = await reconciler.create<{ status: { allowed: boolean } }>(
      '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: {
          resourceAttributes: {
            verb,
            group,
            resource,
            ...(subresource ? { subresource } : {}),
            ...(ns ? { namespace: ns } : {}),
          },
        },
      },
    );
    return body.status.allowed;
  }

  test('can do every verb its ClusterRole lists, on every resource, in any namespace', async () => {
    // 35: events patch (a repeated event raises the count of the one already sent) came in at 39; no get of
    // statefulsets, jobs, services or configmaps (names are looked up in the reconciler's caches).
    const checks = reconcilerClusterRules().flatMap((rule) =>
      rule.apiGroups!.flatMap((group) =>
        rule.resources!.flatMap((resource) => rule.verbs.map((verb) => ({ group, resource, verb }))),
      ),
    );
    expect(checks.length).toBe(35);
    for (const { group, resource, verb } of checks) {
      const [plural, sub] = resource.split('/');
      expect([verb, group, resource, await allowed(verb, group, plural, 'some-namespace', sub)]).toEqual([
        verb,
        group,
        resource,
        true,
      ]);
    }
  });

  test('can hold its leader-election Lease in its own namespace only', async () => {
    expect(await allowed('update', 'coordination.k8s.io', 'leases', namespace)).toBe(true);
    expect(await allowed('update', 'coordination.k8s.io', 'leases', 'kube-system')).toBe(false);
  });

  test.each([
    ['get', '', 'secrets'],
    ['list', '', 'secrets'],
    ['create', 'rbac.authorization.k8s.io', 'clusterrolebindings'],
    ['delete', '', 'namespaces'],
    ['create', 'apps', 'deployments'],
    ['delete', 'apiextensions.k8s.io', 'customresourcedefinitions'],
    ['create', '', 'pods'],
    // No get: whether a name is taken is looked up in its caches.
    ['get', '', 'configmaps'],
  ])('is refused %s %s/%s', async (verb, group, resource) => {
    expect(await allowed(verb, group, resource, 'some-namespace')).toBe(false);
  });

  test('a real request outside its rights gets 403', async () => {
    let caught: unknown;
    try {
      await reconciler.list('/api/v1/secrets');
    } catch (e) {
      caught = e;
    }
    expect((caught as KubeApiError).status).toBe(403);
    expect((caught as KubeApiError).body?.message).toBe(
      `secrets is forbidden: User "system:serviceaccount:${namespace}:${RECONCILER_NAME}" cannot list resource "secrets" in API group "" at the cluster scope`,
    );
    const { status } = await reconciler.list(apiPath('kaito.sh/v1beta1', 'workspaces'));
    expect(status).toBe(200);
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { KubeApiError, KubeClient, KubeObject, REPO_ROOT, apiPath } from './support';

/** The test cluster itself: readiness, CRDs, custom objects, ServiceAccount tokens and RBAC. */

const admin = KubeClient.fromKubeconfig();
// Unique names, so the suite can also run repeatedly against one long-lived test cluster.
const suffix = Date.now().toString(36);
const namespace = `apiserver-suite-${suffix}`;
const ISSUER = 'https://kubernetes.default.svc.cluster.local';

/** Runs `call`, which must fail, and returns its KubeApiError. */
async function apiError(call: Promise<unknown>): Promise<KubeApiError> {
  try {
    await call;
  } catch (e) {
    if (e instanceof KubeApiError) {
      return e;
    }
    throw e;
  }
  throw new Error('expected the request to fail');
}

interface Condition {
  type: string;
  status: string;
}

describe('kube-apiserver test cluster', () => {
  test('is ready and reports the version it was built from', async () => {
    expect(await admin.get('/readyz')).toEqual({ status: 200, body: 'ok' });

    const goMod = readFileSync(join(REPO_ROOT, 'test/cluster/apiserver/go.mod'), 'utf8');
    const built = /^\s*k8s\.io\/kubernetes (v1\.(\d+)\.\d+)$/m.exec(goMod);
    expect(built).not.toBeNull();
    const version = await admin.get<{ major: string; minor: string; gitVersion: string }>('/version');
    expect(version.status).toBe(200);
    expect(version.body).toMatchObject({ major: '1', minor: built![2], gitVersion: built![1] });
  });

  test('creates a namespace', async () => {
    const created = await admin.create<KubeObject>('/api/v1/namespaces', { metadata: { name: namespace } });
    expect(created.status).toBe(201);
    expect(created.body.status).toEqual({ phase: 'Active' });

    const read = await admin.get<KubeObject>(apiPath('v1', 'namespaces', { name: namespace }));
    expect(read.body.metadata?.name).toBe(namespace);
    expect(read.body.metadata?.uid).toBe(created.body.metadata?.uid);
    expect(read.body.metadata?.labels).toEqual({ 'kubernetes.io/metadata.name': namespace });
  });

  describe('the Karpenter v1 CRDs', () => {
    const crds = ['nodeclaims', 'nodepools'];

    test.each(crds)('installs %s.karpenter.sh and waits until it is Established', async (plural) => {
      const path = apiPath('apiextensions.k8s.io/v1', 'customresourcedefinitions', { name: `${plural}.karpenter.sh` });
      const existed = await admin.get(path).then(
        () => true,
        (e: unknown) => {
          if (e instanceof KubeApiError && e.status === 404) return false;
          throw e;
        },
      );
      const yaml = readFileSync(join(REPO_ROOT, `test/fixtures/crds/karpenter.sh_${plural}.yaml`), 'utf8');
      const applied = await admin.apply(path, yaml, { fieldManager: 'kaito-cluster-tests', force: true });
      expect(applied.status).toBe(existed ? 200 : 201);

      const conditions = await admin.waitFor(async () => {
        const crd = await admin.get<{ status?: { conditions?: Condition[] } }>(path);
        const all = crd.body.status?.conditions ?? [];
        return all.some((c) => c.type === 'Established' && c.status === 'True') && all;
      }, 30_000);
      expect(conditions.find((c) => c.type === 'NamesAccepted')?.status).toBe('True');
    });

    test('serves both kinds, cluster-scoped, in discovery', async () => {
      const discovery = await admin.waitFor(async () => {
        const res = await admin.get<{ resources: { name: string; kind: string; namespaced: boolean }[] }>(
          '/apis/karpenter.sh/v1',
        );
        return res.body.resources.filter((r) => !r.name.includes('/')).length === 2 && res.body;
      }, 30_000);
      const resources = discovery.resources
        .map((r) => ({ name: r.name, kind: r.kind, namespaced: r.namespaced }))
        .sort((a, b) => a.name.localeCompare(b.name));
      expect(resources).toEqual([
        { name: 'nodeclaims', kind: 'NodeClaim', namespaced: false },
        { name: 'nodeclaims/status', kind: 'NodeClaim', namespaced: false },
        { name: 'nodepools', kind: 'NodePool', namespaced: false },
        { name: 'nodepools/scale', kind: 'Scale', namespaced: false },
        { name: 'nodepools/status', kind: 'NodePool', namespaced: false },
      ]);
    });
  });

  describe('a NodeClaim', () => {
    const name = `gpu-${suffix}`;
    const path = apiPath('karpenter.sh/v1', 'nodeclaims', { name });
    const spec = {
      nodeClassRef: { group: 'karpenter.azure.com', kind: 'AKSNodeClass', name: 'default' },
      requirements: [{ key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['Standard_NC24ads_A100_v4'] }],
      resources: { requests: { 'nvidia.com/gpu': '1', storage: '100Gi' } },
      taints: [{ key: 'sku', value: 'gpu', effect: 'NoSchedule' }],
    };
    const labels = {
      'kaito.sh/workspace': 'phi-3',
      'karpenter.sh/nodepool': 'kaito',
      'node.kubernetes.io/instance-type': 'Standard_NC24ads_A100_v4',
    };
    let created: KubeObject;

    test('is created and read back exactly, with the schema default filled in', async () => {
      const res = await admin.create<KubeObject>(apiPath('karpenter.sh/v1', 'nodeclaims'), {
        apiVersion: 'karpenter.sh/v1',
        kind: 'NodeClaim',
        metadata: { name, labels },
        spec,
      });
      expect(res.status).toBe(201);
      created = res.body;

      const read = await admin.get<KubeObject>(path);
      expect(read.status).toBe(200);
      expect(read.body.apiVersion).toBe('karpenter.sh/v1');
      expect(read.body.kind).toBe('NodeClaim');
      expect(read.body.metadata?.name).toBe(name);
      expect(read.body.metadata?.labels).toEqual(labels);
      expect(read.body.metadata?.uid).toBe(created.metadata?.uid);
      expect(read.body.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
      expect(read.body.metadata?.generation).toBe(1);
      expect(read.body.spec).toEqual({ ...spec, expireAfter: '720h' });
      expect(read.body.status).toBeUndefined();
    });

    test('is shown by the server-side Table with the CRD printer columns', async () => {
      const table = await admin.get<{
        columnDefinitions: { name: string }[];
        rows: { cells: unknown[] }[];
      }>(path, { table: true });
      expect(table.body.columnDefinitions.map((c) => c.name)).toEqual([
        'Name',
        'Type',
        'Capacity',
        'Zone',
        'Node',
        'Ready',
        'Age',
        'ImageID',
        'ID',
        'NodePool',
        'NodeClass',
        'Drifted',
      ]);
      expect(table.body.rows).toHaveLength(1);
      const cells = table.body.rows[0].cells;
      expect(cells[0]).toBe(name);
      expect(cells[1]).toBe('Standard_NC24ads_A100_v4');
      expect(cells[9]).toBe('kaito');
      expect(cells[10]).toBe('default');
    });

    test('is rejected by the CRD validation rules, with the causes', async () => {
      const err = await apiError(
        admin.create(apiPath('karpenter.sh/v1', 'nodeclaims'), {
          apiVersion: 'karpenter.sh/v1',
          kind: 'NodeClaim',
          metadata: { name: `invalid-${suffix}` },
          spec: { ...spec, requirements: [{ key: 'node.kubernetes.io/instance-type', operator: 'In', values: [] }] },
        }),
      );
      expect(err.status).toBe(422);
      expect(err.reason).toBe('Invalid');
      expect(err.causes).toEqual([
        {
          reason: 'FieldValueInvalid',
          field: 'spec.requirements',
          message: "Invalid value: requirements with operator 'In' must have a value defined",
        },
      ]);
      expect(err.body.details?.kind).toBe('NodeClaim');
    });

    test('keeps its spec immutable, takes a merge patch of its labels, and refuses a stale replace', async () => {
      const immutable = await apiError(
        admin.mergePatch(path, { spec: { nodeClassRef: { ...spec.nodeClassRef, name: 'other' } } }),
      );
      expect(immutable.status).toBe(422);
      expect(immutable.causes).toEqual([
        { reason: 'FieldValueInvalid', field: 'spec', message: 'Invalid value: spec is immutable' },
      ]);

      const patched = await admin.mergePatch<KubeObject>(path, { metadata: { labels: { extra: 'yes' } } });
      expect(patched.status).toBe(200);
      expect(patched.body.metadata?.labels).toEqual({ ...labels, extra: 'yes' });

      const stale = await apiError(admin.replace(path, created));
      expect(stale.status).toBe(409);
      expect(stale.reason).toBe('Conflict');
    });

    test('is deleted', async () => {
      const deleted = await admin.delete(path);
      expect(deleted.status).toBe(200);
      const gone = await apiError(admin.get(path));
      expect(gone.status).toBe(404);
      expect(gone.reason).toBe('NotFound');
      expect(gone.body.details).toEqual({ name, group: 'karpenter.sh', kind: 'nodeclaims' });
    });
  });

  describe('a ServiceAccount token', () => {
    const sa = 'reader';
    const username = `system:serviceaccount:${namespace}:${sa}`;
    let token: string;

    test('is minted by TokenRequest for the ServiceAccount', async () => {
      const created = await admin.create(apiPath('v1', 'serviceaccounts', { namespace }), { metadata: { name: sa } });
      expect(created.status).toBe(201);

      const res = await admin.create<{ status: { token: string; expirationTimestamp: string } }>(
        apiPath('v1', 'serviceaccounts', { namespace, name: sa, subresource: 'token' }),
        { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 600 } },
      );
      expect(res.status).toBe(201);
      token = res.body.status.token;
      const parts = token.split('.');
      expect(parts).toHaveLength(3);
      const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Record<string, unknown>;
      expect(claims.iss).toBe(ISSUER);
      expect(claims.aud).toEqual([ISSUER]);
      expect(claims.sub).toBe(username);
      expect((claims.exp as number) - (claims.iat as number)).toBe(600);
    });

    test('authenticates as the ServiceAccount', async () => {
      const review = await admin
        .withToken(token)
        .create<{ status: { userInfo: { username: string; groups: string[] } } }>(
          '/apis/authentication.k8s.io/v1/selfsubjectreviews',
          { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
        );
      expect(review.status).toBe(201);
      expect(review.body.status.userInfo.username).toBe(username);
      expect(review.body.status.userInfo.groups).toEqual([
        'system:serviceaccounts',
        `system:serviceaccounts:${namespace}`,
        'system:authenticated',
      ]);
    });

    test('is refused (403) listing secrets cluster-wide', async () => {
      const err = await apiError(admin.withToken(token).list('/api/v1/secrets'));
      expect(err.status).toBe(403);
      expect(err.reason).toBe('Forbidden');
      expect(err.body.message).toBe(
        `secrets is forbidden: User "${username}" cannot list resource "secrets" in API group "" at the cluster scope`,
      );
      expect(err.body.details).toEqual({ kind: 'secrets' });
    });
  });
});

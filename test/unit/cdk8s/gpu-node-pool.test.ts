import { GpuNodePool } from '../../../src/cdk8s';
import { ValidationError } from '../../../src';
import { NodePool, NodePoolSpecLimits, type NodePoolProps } from '../../../imports/karpenter-nodepool-karpenter.sh';
import { ASO_AGENT_POOL, chart, crdSchema, structureProblems, synth, thrown, type Manifest } from './helpers';

const problems = (f: () => unknown): Array<[string, string]> =>
  (thrown(f) as ValidationError).problems.map((p) => [p.path, p.message]);

const KARPENTER_NODE_POOL = crdSchema('test/fixtures/crds/karpenter.sh_nodepools.yaml', 'v1');

describe('GpuNodePool', () => {
  test('ASO: a User agent pool of the managed cluster, tainted sku=gpu:NoSchedule, selected by its AKS pool label', () => {
    const c = chart('infra');
    const pool = new GpuNodePool(c, 'gpunc24', {
      provider: 'aso',
      clusterName: 'prod-aks',
      vmSize: 'standard_nc24ads_a100_v4',
      count: 2,
      nodeLabels: { team: 'ml' },
      nodeTaints: ['dedicated=ml:NoExecute'],
      osSKU: 'AzureLinux',
      gpuDriver: 'None',
    });
    expect(synth(c)).toEqual([
      {
        apiVersion: 'containerservice.azure.com/v20250801',
        kind: 'ManagedClustersAgentPool',
        metadata: { name: 'gpunc24', namespace: 'infra' },
        spec: {
          owner: { name: 'prod-aks' },
          vmSize: 'Standard_NC24ads_A100_v4',
          count: 2,
          mode: 'User',
          osType: 'Linux',
          osSKU: 'AzureLinux',
          nodeLabels: { team: 'ml' },
          nodeTaints: ['sku=gpu:NoSchedule', 'dedicated=ml:NoExecute'],
          gpuProfile: { driver: 'None' },
        },
      },
    ]);
    expect(pool.matchLabels).toEqual({ team: 'ml', 'kubernetes.azure.com/agentpool': 'gpunc24' });
    expect([pool.sku.gpuModel, pool.maxNodes]).toEqual(['NVIDIA A100', 2]);
  });

  test('ASO: minCount and maxCount autoscale', () => {
    const c = chart();
    new GpuNodePool(c, 'gpu', {
      provider: 'aso',
      clusterName: 'aks',
      vmSize: 'Standard_NC6s_v3',
      minCount: 0,
      maxCount: 3,
    });
    expect(synth(c)[0].spec).toEqual({
      owner: { name: 'aks' },
      vmSize: 'Standard_NC6s_v3',
      count: 0,
      enableAutoScaling: true,
      minCount: 0,
      maxCount: 3,
      mode: 'User',
      osType: 'Linux',
      nodeTaints: ['sku=gpu:NoSchedule'],
    });
  });

  test('Karpenter: a NodePool limited to the instance type and capped by its GPUs', () => {
    const c = chart('ignored-for-cluster-scoped');
    const pool = new GpuNodePool(c, 'a100', {
      provider: 'karpenter',
      vmSize: 'Standard_NC48ads_A100_v4',
      minCount: 0,
      maxCount: 3,
      nodeLabels: { team: 'ml' },
      nodeTaints: ['sku=gpu:NoSchedule'],
    });
    expect(synth(c)).toEqual([
      {
        apiVersion: 'karpenter.sh/v1',
        kind: 'NodePool',
        metadata: { name: 'a100' },
        spec: {
          template: {
            metadata: { labels: { team: 'ml' } },
            spec: {
              nodeClassRef: { group: 'karpenter.azure.com', kind: 'AKSNodeClass', name: 'default' },
              requirements: [
                { key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['Standard_NC48ads_A100_v4'] },
                { key: 'kubernetes.io/os', operator: 'In', values: ['linux'] },
              ],
              taints: [{ key: 'sku', value: 'gpu', effect: 'NoSchedule' }],
            },
          },
          disruption: { consolidationPolicy: 'WhenEmpty', consolidateAfter: '10m' },
          limits: { 'nvidia.com/gpu': 6 },
        },
      },
    ]);
    expect(pool.matchLabels).toEqual({ team: 'ml', 'karpenter.sh/nodepool': 'a100' });
  });

  test('emitted pools have only the fields, types and values their CRDs define', () => {
    const c = chart();
    new GpuNodePool(c, 'gpu1', { provider: 'aso', clusterName: 'aks', vmSize: 'Standard_NC6s_v3', count: 1 });
    new GpuNodePool(c, 'gpu2', {
      provider: 'aso',
      clusterName: 'aks',
      vmSize: 'Standard_NC6s_v3',
      minCount: 1,
      maxCount: 2,
      nodeLabels: { a: 'b' },
      osSKU: 'Ubuntu2204',
      gpuDriver: 'Install',
    });
    new GpuNodePool(c, 'kp1', { provider: 'karpenter', vmSize: 'Standard_NC6s_v3', count: 2, nodeLabels: { a: 'b' } });
    new GpuNodePool(c, 'kp2', {
      provider: 'karpenter',
      vmSize: 'Standard_NV36ads_A10_v5',
      minCount: 0,
      maxCount: 1,
      nodeClass: { group: 'karpenter.azure.com', kind: 'AKSNodeClass', name: 'gpu' },
    });
    const manifests = synth(c);
    const [aso, karpenter] = [manifests.slice(0, 2), manifests.slice(2)];
    for (const m of aso) {
      expect(structureProblems(ASO_AGENT_POOL, m)).toEqual([]);
      expect(m.metadata.name).toMatch(/^[a-z][a-z0-9]{0,11}$/);
    }
    for (const m of karpenter) {
      expect(structureProblems(KARPENTER_NODE_POOL, m)).toEqual([]);
      // The class `cdk8s import` generated from the same CRD keeps only the fields it knows: nothing is lost.
      const spec = m.spec as { limits: Record<string, number> };
      const limits = Object.fromEntries(
        Object.entries(spec.limits).map(([k, v]) => [k, NodePoolSpecLimits.fromNumber(v)]),
      );
      const props = { metadata: m.metadata, spec: { ...spec, limits } } as unknown as NodePoolProps;
      expect(NodePool.manifest(props)).toEqual(m as Manifest);
    }
  });

  describe('errors name the prop', () => {
    test('a vmSize that is not a GPU instance type lists the near names', () => {
      expect(
        problems(
          () =>
            new GpuNodePool(chart(), 'gpu', {
              provider: 'aso',
              clusterName: 'aks',
              vmSize: 'Standard_D4s_v3',
              count: 1,
            }),
        ),
      ).toEqual([
        [
          'vmSize',
          '"Standard_D4s_v3" is not an Azure NVIDIA GPU VM size in the catalog. Did you mean "Standard_NC24s_v3", "Standard_NC6s_v3", "Standard_NV24s_v3"? The catalog knows 26 such sizes (kaito skus, or defaultSkus.list()); register another with registerSku()',
        ],
      ]);
      expect(
        problems(
          () =>
            new GpuNodePool(chart(), 'gpu', { provider: 'aso', clusterName: 'aks', vmSize: 'p4d.24xlarge', count: 1 }),
        )[0][1],
      ).toMatch(/^"p4d\.24xlarge" is an instance type of cloud aws \(NVIDIA A100\), not an Azure NVIDIA GPU VM size\./);
    });

    test('ASO pool names follow the AKS rule; the cluster is required', () => {
      expect(
        problems(
          () =>
            new GpuNodePool(chart(), 'gpu-pool-one', {
              provider: 'aso',
              clusterName: 'aks',
              vmSize: 'Standard_NC6s_v3',
              count: 1,
            }),
        ),
      ).toEqual([
        ['name', '"gpu-pool-one" must be 1-12 lower-case letters and digits, starting with a letter, as AKS requires'],
      ]);
      expect(
        problems(() => new GpuNodePool(chart(), 'gpu', { provider: 'aso', vmSize: 'Standard_NC6s_v3', count: 1 })),
      ).toEqual([['clusterName', 'required: the name of the AKS cluster (ManagedCluster) that owns the pool']]);
    });

    test('counts, and ASO-only props on Karpenter', () => {
      const karpenter = { provider: 'karpenter', vmSize: 'Standard_NC6s_v3' } as const;
      expect(problems(() => new GpuNodePool(chart(), 'g', { ...karpenter, count: 0 }))).toEqual([
        [
          'count',
          '0 is not a whole number between 1 and 1000 (for a pool that scales to zero, set minCount 0 and maxCount)',
        ],
      ]);
      expect(problems(() => new GpuNodePool(chart(), 'g', { ...karpenter, minCount: 3, maxCount: 2 }))).toEqual([
        ['minCount', '3 is greater than maxCount 2'],
        [
          'minCount',
          'Karpenter launches nodes for pending pods only: use minCount 0 (or a fixed count), or an AKS agent pool for nodes that are always there',
        ],
      ]);
      expect(problems(() => new GpuNodePool(chart(), 'g', { ...karpenter, minCount: 1, maxCount: 2 }))).toEqual([
        [
          'minCount',
          'Karpenter launches nodes for pending pods only: use minCount 0 (or a fixed count), or an AKS agent pool for nodes that are always there',
        ],
      ]);
      expect(problems(() => new GpuNodePool(chart(), 'g', { ...karpenter, count: 1, gpuDriver: 'None' }))).toEqual([
        ['gpuDriver', 'applies to AKS agent pools only; for Karpenter set it on the node class'],
      ]);
    });

    test('node labels and taints: Kubernetes rules and the keys Kaito and the cluster reserve', () => {
      const aso = { provider: 'aso', clusterName: 'aks', vmSize: 'Standard_NC6s_v3' } as const;
      expect(
        problems(
          () =>
            new GpuNodePool(chart(), 'g', {
              ...aso,
              nodeLabels: { 'kubernetes.azure.com/mode': 'user', 'bad key': 'x', ok: 'not ok!' },
              nodeTaints: ['dedicated=ml'],
            }),
        ),
      ).toEqual([
        [
          'nodeLabels[kubernetes.azure.com/mode]',
          'label key "kubernetes.azure.com/mode" uses a prefix the cluster reserves (kubernetes.io, k8s.io, kubernetes.azure.com)',
        ],
        [
          'nodeLabels[bad key]',
          "label key \"bad key\": the name must be 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
        ],
        [
          'nodeLabels[ok]',
          "label value \"not ok!\" must be at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
        ],
        [
          'nodeTaints[0]',
          '"dedicated=ml" is not a taint key=value:Effect (Effect: NoSchedule, PreferNoSchedule or NoExecute)',
        ],
      ]);
    });

    test('a pool that fails validation leaves nothing in the tree', () => {
      const c = chart();
      expect(() => new GpuNodePool(c, 'gpu', { provider: 'aso', vmSize: 'Standard_NC6s_v3' })).toThrow(ValidationError);
      expect(c.node.children).toEqual([]);
      expect(synth(c)).toEqual([]);
    });
  });
});

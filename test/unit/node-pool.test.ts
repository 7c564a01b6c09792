import { defaultSkus } from '../../src/catalog';
import { checkGpuNodePool } from '../../src/plan';

describe('checkGpuNodePool (shared by the cdk8s and Pulumi faces)', () => {
  test('an AKS pool takes Azure NVIDIA sizes and AKS names', () => {
    expect(checkGpuNodePool({ provider: 'aks', vmSize: 'standard_nc6s_v3', name: 'gpu', clusterName: 'aks' })).toEqual({
      sku: defaultSkus.find('Standard_NC6s_v3'),
      pool: {
        provider: 'aks',
        name: 'gpu',
        sku: defaultSkus.find('Standard_NC6s_v3'),
        count: 1,
        autoscale: false,
        maxNodes: 1,
        nodeLabels: {},
        matchLabels: { 'kubernetes.azure.com/agentpool': 'gpu' },
        nodeTaints: ['sku=gpu:NoSchedule'],
      },
      problems: [],
    });
    expect(
      checkGpuNodePool({
        provider: 'aks',
        vmSize: 'Standard_NG32ads_V620_v1',
        name: 'Gpu-1',
        clusterName: 'aks',
      }).problems.map((p) => p.path),
    ).toEqual(['vmSize', 'name']);
  });

  test('a Karpenter pool takes any catalog GPU type and a DNS-1123 label as its name', () => {
    const { sku, problems } = checkGpuNodePool({ provider: 'karpenter', vmSize: 'p5.48xlarge', name: 'h100-pool-1' });
    expect([sku?.gpuCount, problems]).toEqual([8, []]);
    expect(
      checkGpuNodePool({ provider: 'karpenter', vmSize: 'p5.48xlarge', name: 'Any_Name' }).problems.map((p) => p.path),
    ).toEqual(['name']);
  });

  test('the name error says where a default name came from', () => {
    const { problems } = checkGpuNodePool({
      provider: 'aks',
      vmSize: 'Standard_NC6s_v3',
      name: 'gpu-pool',
      nameNote: ' (the component name; set name)',
      clusterName: 'aks',
    });
    expect(problems).toEqual([
      {
        path: 'name',
        message:
          '"gpu-pool" (the component name; set name) must be 1-12 lower-case letters and digits, starting with a letter, as AKS requires',
        severity: 'error',
      },
    ]);
  });

  test('a namespace: a DNS-1123 label for an AKS pool declared as an ASO object, none for Karpenter', () => {
    const aks = { provider: 'aks', vmSize: 'Standard_NC6s_v3', name: 'gpu', clusterName: 'aks' } as const;
    expect(checkGpuNodePool({ ...aks, namespace: 'infra' }).problems).toEqual([]);
    expect(checkGpuNodePool({ ...aks, namespace: 'In Fra' }).problems.map((p) => [p.path, p.message])).toEqual([
      [
        'namespace',
        '"In Fra" must be a DNS-1123 label: at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit',
      ],
    ]);
    expect(
      checkGpuNodePool({ provider: 'karpenter', vmSize: 'Standard_NC6s_v3', name: 'gpu', namespace: 'infra' }).problems,
    ).toEqual([
      {
        path: 'namespace',
        message: 'applies to AKS agent pools only (a Karpenter NodePool is cluster-scoped)',
        severity: 'error',
      },
    ]);
  });
});

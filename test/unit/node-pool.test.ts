import { checkGpuNodePool } from '../../src/plan';

describe('checkGpuNodePool (shared by the cdk8s and Pulumi faces)', () => {
  test('an AKS pool takes Azure NVIDIA sizes and AKS names', () => {
    expect(checkGpuNodePool({ provider: 'aks', vmSize: 'standard_nc6s_v3', name: 'gpu' })).toEqual({
      sku: expect.objectContaining({ name: 'Standard_NC6s_v3', gpuCount: 1 }),
      problems: [],
    });
    expect(
      checkGpuNodePool({ provider: 'aks', vmSize: 'Standard_NG32ads_V620_v1', name: 'Gpu-1' }).problems.map(
        (p) => p.path,
      ),
    ).toEqual(['vmSize', 'name']);
  });

  test('a Karpenter pool takes any catalog GPU type and has no name rule', () => {
    const { sku, problems } = checkGpuNodePool({
      provider: 'karpenter',
      vmSize: 'p5.48xlarge',
      name: 'Any-Name_long_enough',
    });
    expect([sku?.gpuCount, problems]).toEqual([8, []]);
  });

  test('the name error says where a default name came from', () => {
    const { problems } = checkGpuNodePool({
      provider: 'aks',
      vmSize: 'Standard_NC6s_v3',
      name: 'gpu-pool',
      namePath: 'agentPoolName',
      nameNote: ' (the component name; set agentPoolName)',
    });
    expect(problems).toEqual([
      {
        path: 'agentPoolName',
        message:
          '"gpu-pool" (the component name; set agentPoolName) must be 1-12 lower-case letters and digits, starting with a letter, as AKS requires',
        severity: 'error',
      },
    ]);
  });
});

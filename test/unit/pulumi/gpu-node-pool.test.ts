import * as pulumi from '@pulumi/pulumi';
import { GpuNodePool, type GpuNodePoolArgs } from '../../../src/pulumi';
import { runProgram, valueOf } from './harness';

const AGENT_POOL = 'azure-native:containerservice:AgentPool';
const base: GpuNodePoolArgs = { resourceGroupName: 'rg', clusterName: 'aks', vmSize: 'Standard_NC6s_v3' };

describe('GpuNodePool', () => {
  test('declares a User-mode AgentPool on the cluster, tainted and labelled, parented to the component', async () => {
    let pool: GpuNodePool | undefined;
    const { graph } = await runProgram(() => {
      pool = new GpuNodePool('gpu', base);
    });
    expect(graph.summary()).toEqual([`${AGENT_POOL} gpu-agentpool-gpu`, 'kaito-constructs:index:GpuNodePool gpu']);
    const agentPool = graph.get('gpu-agentpool-gpu');
    expect(agentPool.inputs).toEqual({
      resourceGroupName: 'rg',
      resourceName: 'aks',
      agentPoolName: 'gpu',
      vmSize: 'Standard_NC6s_v3',
      mode: 'User',
      osType: 'Linux',
      osSKU: 'Ubuntu',
      count: 1,
      enableAutoScaling: false,
      nodeTaints: ['sku=gpu:NoSchedule'],
      gpuProfile: { driver: 'Install' },
    });
    expect(graph.parentOf(agentPool)?.type).toBe('kaito-constructs:index:GpuNodePool');
    expect(agentPool.ignoreChanges).toEqual([]);
    expect(await valueOf(pool!.name)).toBe('gpu');
    expect(await valueOf(pool!.labelSelector)).toEqual({ matchLabels: { 'kubernetes.azure.com/agentpool': 'gpu' } });
    expect(pool!.matchLabels).toEqual({ 'kubernetes.azure.com/agentpool': 'gpu' });
    expect(pool!.maxNodes).toBe(1);
    expect([pool!.sku.gpuCount, pool!.sku.gpuMemoryPerGpuGiB, pool!.sku.gpuModel]).toEqual([1, 16, 'NVIDIA V100']);
    expect(graph.outputs.get(graph.get('gpu', 'kaito-constructs:index:GpuNodePool').urn)).toEqual({
      name: 'gpu',
      labelSelector: { matchLabels: { 'kubernetes.azure.com/agentpool': 'gpu' } },
    });
  });

  test('autoscaling sets the bounds, starts at minCount and leaves the count to the autoscaler', async () => {
    let pool: GpuNodePool | undefined;
    const { graph } = await runProgram(() => {
      pool = new GpuNodePool('a100', { ...base, vmSize: 'standard_nc24ads_a100_v4', minCount: 0, maxCount: 3 });
    });
    expect(pool!.maxNodes).toBe(3);
    const agentPool = graph.get('a100-agentpool-a100');
    expect(agentPool.inputs).toMatchObject({
      vmSize: 'Standard_NC24ads_A100_v4',
      count: 0,
      enableAutoScaling: true,
      minCount: 0,
      maxCount: 3,
    });
    expect(agentPool.ignoreChanges).toEqual(['count']);
  });

  test('every option reaches the AgentPool', async () => {
    const { graph } = await runProgram(
      () =>
        new GpuNodePool('mig', {
          ...base,
          vmSize: 'Standard_NC24ads_A100_v4',
          name: 'mig1',
          count: 2,
          minCount: 1,
          maxCount: 4,
          nodeLabels: { apps: 'phi-3', 'example.com/team': 'ml' },
          nodeTaints: ['dedicated=ml:NoExecute'],
          osSKU: 'AzureLinux',
          gpuDriver: 'None',
          gpuInstanceProfile: 'MIG1g',
          osDiskSizeGB: pulumi.output(256),
          availabilityZones: ['1', '2'],
          vnetSubnetID: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/n',
          tags: { team: pulumi.output('ml') },
        }),
    );
    expect(graph.get('mig-agentpool-mig1').inputs).toEqual({
      resourceGroupName: 'rg',
      resourceName: 'aks',
      agentPoolName: 'mig1',
      vmSize: 'Standard_NC24ads_A100_v4',
      mode: 'User',
      osType: 'Linux',
      osSKU: 'AzureLinux',
      count: 2,
      enableAutoScaling: true,
      minCount: 1,
      maxCount: 4,
      nodeLabels: { apps: 'phi-3', 'example.com/team': 'ml' },
      nodeTaints: ['sku=gpu:NoSchedule', 'dedicated=ml:NoExecute'],
      gpuProfile: { driver: 'None' },
      gpuInstanceProfile: 'MIG1g',
      osDiskSizeGB: 256,
      availabilityZones: ['1', '2'],
      vnetSubnetID: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/n',
      tags: { team: 'ml' },
    });
  });

  test('workspaces select the node labels and the label AKS puts on the pool', async () => {
    let pool: GpuNodePool | undefined;
    await runProgram(() => {
      pool = new GpuNodePool('gpu', { ...base, nodeLabels: { apps: 'phi-3' } });
    });
    const expected = { apps: 'phi-3', 'kubernetes.azure.com/agentpool': 'gpu' };
    expect(pool!.matchLabels).toEqual(expected);
    expect(await valueOf(pool!.labelSelector)).toEqual({ matchLabels: expected });
  });

  test('the component dependsOn reaches the AgentPool', async () => {
    const { graph } = await runProgram(() => {
      const first = new GpuNodePool('first', base);
      new GpuNodePool('second', base, { dependsOn: [first] });
    });
    expect(graph.dependencyNames(graph.get('second-agentpool-second'))).toEqual(['first-agentpool-first']);
  });

  const invalid: Array<[string, Partial<GpuNodePoolArgs>, string, string]> = [
    [
      'an unknown VM size, with the near names',
      { vmSize: 'Standard_NC6s_v4' },
      'vmSize',
      '"Standard_NC6s_v4" is not an Azure NVIDIA GPU VM size in the catalog. Did you mean "Standard_NC6s_v3", "Standard_NC12s_v3", "Standard_NC24s_v3"?',
    ],
    [
      'an AWS instance type',
      { vmSize: 'p5.48xlarge' },
      'vmSize',
      '"p5.48xlarge" is an instance type of cloud aws (NVIDIA H100), not an Azure NVIDIA GPU VM size',
    ],
    [
      'an AMD VM size',
      { vmSize: 'Standard_NG32ads_V620_v1' },
      'vmSize',
      'is an instance type of cloud azure (AMD Radeon PRO V620), not an Azure NVIDIA GPU VM size',
    ],
    [
      'a pool name AKS refuses',
      { name: 'gpu-pool' },
      'name',
      '"gpu-pool" must be 1-12 lower-case letters and digits, starting with a letter, as AKS requires',
    ],
    [
      'a pool name too long',
      { name: 'gpupoolnumber1' },
      'name',
      '"gpupoolnumber1" must be 1-12 lower-case letters and digits, starting with a letter, as AKS requires',
    ],
    ['minCount without maxCount', { minCount: 1 }, 'maxCount', 'set minCount and maxCount together'],
    ['minCount above maxCount', { minCount: 3, maxCount: 2 }, 'minCount', '3 is greater than maxCount 2'],
    [
      'a count outside the bounds',
      { count: 5, minCount: 1, maxCount: 3 },
      'count',
      '5 is outside minCount..maxCount (1..3)',
    ],
    [
      'a fractional count',
      { count: 1.5 },
      'count',
      '1.5 is not a whole number between 1 and 1000 (for a pool that scales to zero, set minCount 0 and maxCount)',
    ],
    [
      'a fixed count of zero',
      { count: 0 },
      'count',
      '0 is not a whole number between 1 and 1000 (for a pool that scales to zero, set minCount 0 and maxCount)',
    ],
    ['a maxCount of zero', { minCount: 0, maxCount: 0 }, 'maxCount', '0 is not a whole number between 1 and 1000'],
    [
      'a label Kaito reserves',
      { nodeLabels: { 'kaito.sh/workspace': 'x' } },
      'nodeLabels[kaito.sh/workspace]',
      'label key "kaito.sh/workspace" is reserved by Kaito',
    ],
    [
      'a label prefix AKS reserves',
      { nodeLabels: { 'kubernetes.azure.com/agentpool': 'x' } },
      'nodeLabels[kubernetes.azure.com/agentpool]',
      'label key "kubernetes.azure.com/agentpool" uses a prefix the cluster reserves (kubernetes.io, k8s.io, kubernetes.azure.com)',
    ],
    [
      'a bad label value',
      { nodeLabels: { apps: 'phi 3' } },
      'nodeLabels[apps]',
      "label value \"phi 3\" must be at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
    ],
    [
      'a malformed taint',
      { nodeTaints: ['gpu'] },
      'nodeTaints[0]',
      '"gpu" is not a taint key=value:Effect (Effect: NoSchedule, PreferNoSchedule or NoExecute)',
    ],
    [
      'an empty cluster name',
      { clusterName: '' },
      'clusterName',
      'required: the name of the AKS cluster (ManagedCluster) that owns the pool',
    ],
    [
      'a Windows image',
      { osSKU: 'Windows2022' as never },
      'osSKU',
      '"Windows2022" is not one of Ubuntu, Ubuntu2204, AzureLinux, AzureLinux3, CBLMariner',
    ],
    ['a driver mode AKS lacks', { gpuDriver: 'Skip' as never }, 'gpuDriver', '"Skip" is not one of Install, None'],
    [
      'MIG on a GPU without it',
      { gpuInstanceProfile: 'MIG1g' },
      'gpuInstanceProfile',
      'Standard_NC6s_v3 has NVIDIA V100 GPUs, which do not support MIG',
    ],
  ];

  test.each(invalid)('rejects %s before registering anything', async (_what, change, path, reason) => {
    const { graph, error } = await runProgram(() => new GpuNodePool('gpu', { ...base, ...change }));
    expect(graph.registrations).toEqual([]);
    expect(pulumi.InputPropertiesError.isInstance(error)).toBe(true);
    const e = error as pulumi.InputPropertiesError;
    expect(e.errors.map((x) => x.propertyPath)).toEqual([path]);
    expect(e.errors[0].reason).toContain(reason);
    expect(e.message).toContain(`GpuNodePool "gpu" has invalid args:\n  ${path}: `);
  });

  test('a SKU catalog in the args (it is an option), from a program without type checks, is refused', () => {
    expect(() => new GpuNodePool('gpu', { ...base, ...({ skus: {} } as object) })).toThrow(
      'GpuNodePool "gpu" has invalid args:\n  skus: is a component option: pass it in the options, the third argument ({ skus })',
    );
  });

  test('the default pool name comes from the component name, and says so when AKS would refuse it', () => {
    expect(() => new GpuNodePool('gpu-pool', base)).toThrow(
      'name: "gpu-pool" (the component name; set name) must be 1-12 lower-case letters and digits',
    );
  });
});

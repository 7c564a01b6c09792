/*
 * Writes test/cluster/karpenter/instance-types.json: the Azure GPU instance types of the catalog in the
 * instance-types file format of Karpenter's kwok cloud provider (INSTANCE_TYPES_FILE_PATH), so that the
 * test cluster's Karpenter launches nodes of the sizes our NodeClaims ask for. test/unit/instance-types.test.ts
 * fails when the file is out of date.
 *
 *   npm run gen:instance-types
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GPU_SKUS } from '../src/catalog/skus';
import { GPU_RESOURCE } from '../src/render/labels';

/**
 * vCPUs and memory (GiB) of each Azure GPU size, from Azure's VM size tables. The catalog holds GPUs only;
 * the test cluster's nodes need the rest of the machine too.
 */
export const AZURE_VM_SHAPES: Readonly<Record<string, readonly [vcpus: number, memoryGiB: number]>> = {
  Standard_NV36ads_A10_v5: [36, 440],
  Standard_NV72ads_A10_v5: [72, 880],
  Standard_NC24ads_A100_v4: [24, 220],
  Standard_NC48ads_A100_v4: [48, 440],
  Standard_NC96ads_A100_v4: [96, 880],
  Standard_ND96asr_A100_v4: [96, 900],
  Standard_ND96amsr_A100_v4: [96, 1900],
  Standard_NC40ads_H100_v5: [40, 320],
  Standard_NC80adis_H100_v5: [80, 640],
  Standard_ND96isr_H100_v5: [96, 1900],
  Standard_NCC40ads_H100_v5: [40, 320],
  Standard_ND96isr_H200_v5: [96, 1850],
  Standard_NG32ads_V620_v1: [32, 64],
  Standard_NG32adms_V620_v1: [32, 176],
  Standard_NC6s_v3: [6, 112],
  Standard_NC12s_v3: [12, 224],
  Standard_NC24s_v3: [24, 448],
  Standard_NC24rs_v3: [24, 448],
  Standard_NC4as_T4_v3: [4, 28],
  Standard_NC8as_T4_v3: [8, 56],
  Standard_NC16as_T4_v3: [16, 110],
  Standard_NC64as_T4_v3: [64, 440],
  Standard_NV6: [6, 56],
  Standard_NV12: [12, 112],
  Standard_NV24: [24, 224],
  Standard_NV12s_v3: [12, 112],
  Standard_NV24s_v3: [24, 224],
  Standard_NV48s_v3: [48, 448],
  Standard_NV32as_v4: [32, 112],
};

/** The zone every offering is in (the test cluster has one). */
export const TEST_ZONE = 'test-zone-a';

/** The file's content: one on-demand offering per instance type, priced by GPU count (not Azure's prices). */
export function instanceTypesJson(): string {
  const azure = GPU_SKUS.filter((s) => s.cloud === 'azure');
  const missing = azure.filter((s) => AZURE_VM_SHAPES[s.name] === undefined).map((s) => s.name);
  if (missing.length > 0)
    throw new Error(`no vCPU/memory figures for ${missing.join(', ')}: add them to AZURE_VM_SHAPES`);
  const types = azure.map((s) => {
    const [cpu, memory] = AZURE_VM_SHAPES[s.name]!;
    return {
      name: s.name,
      architecture: 'amd64',
      operatingSystems: ['linux'],
      resources: {
        cpu: String(cpu),
        memory: `${memory}Gi`,
        'ephemeral-storage': '1Ti',
        pods: '110',
        [GPU_RESOURCE]: String(s.gpuCount),
      },
      offerings: [
        {
          Price: s.gpuCount,
          Available: true,
          Requirements: [
            { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
            { key: 'topology.kubernetes.io/zone', operator: 'In', values: [TEST_ZONE] },
          ],
        },
      ],
    };
  });
  return `${JSON.stringify(types, null, 2)}\n`;
}

if (require.main === module) {
  writeFileSync(join(__dirname, '..', 'test', 'cluster', 'karpenter', 'instance-types.json'), instanceTypesJson());
}

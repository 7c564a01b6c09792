import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { instanceTypesJson } from '../../scripts/gen-instance-types';

test('test/cluster/karpenter/instance-types.json is generated from the catalog (npm run gen:instance-types)', () => {
  const file = join(__dirname, '..', 'cluster', 'karpenter', 'instance-types.json');
  expect(readFileSync(file, 'utf8')).toBe(instanceTypesJson());
});

test('an instance type carries the GPUs of its catalog SKU as nvidia.com/gpu, with its vCPUs and memory', () => {
  const types = JSON.parse(instanceTypesJson()) as Array<{ name: string; resources: Record<string, string> }>;
  expect(types.find((t) => t.name === 'Standard_NC6s_v3')?.resources).toEqual({
    cpu: '6',
    memory: '112Gi',
    'ephemeral-storage': '1Ti',
    pods: '110',
    'nvidia.com/gpu': '1',
  });
  expect(types.find((t) => t.name === 'Standard_ND96isr_H100_v5')?.resources['nvidia.com/gpu']).toBe('8');
  expect(types).toHaveLength(29);
});

import { childIds } from '../../../src/cdk8s/internal';
import type { KubeObject } from '../../../src/render/options';

const object = (kind: string, name: string): KubeObject => ({ apiVersion: 'v1', kind, metadata: { name } });

describe('childIds', () => {
  test("the kind, then the name with the owner's in front taken off", () => {
    const objects = [
      object('ConfigMap', 'phi-inference-config'),
      object('Service', 'phi'),
      object('Service', 'phi-headless'),
      object('StatefulSet', 'phi'),
    ];
    expect(childIds(objects, 'phi')).toEqual([
      'ConfigMap-inference-config',
      'Service',
      'Service-headless',
      'StatefulSet',
    ]);
  });

  test("a name that does not start with the owner's takes its place among its kind; ids never repeat", () => {
    const objects = [
      object('ConfigMap', 'weights'),
      object('Secret', 'token'),
      object('ConfigMap', 'phi-1'),
      object('ConfigMap', 'phigh'),
      object('ConfigMap', 'phi'),
    ];
    expect(childIds(objects, 'phi')).toEqual(['ConfigMap-1', 'Secret-1', 'ConfigMap-2', 'ConfigMap-3', 'ConfigMap']);
  });

  test('owners of the same shape get the same ids', () => {
    const shape = (owner: string) => [object('Service', owner), object('Job', owner), object('ConfigMap', 'shared')];
    expect(childIds(shape('a'), 'a')).toEqual(childIds(shape('b'), 'b'));
  });
});

import { LAST_APPLIED_ANNOTATION, remapPath, withoutServerFields } from '../../src/api';

describe('remapPath: one rule for every face', () => {
  const rules = [
    ['resource', 'instanceType'],
    ['resource.labelSelector', 'labelSelector'],
    ['inference', 'preset'],
    ['inference.adapters', 'adapters'],
  ] as const;

  test.each([
    ['resource.labelSelector.matchLabels[a/b]', 'labelSelector.matchLabels[a/b]'],
    ['resource.labelSelector', 'labelSelector'],
    ['resource', 'instanceType'],
    ['resource.count', 'instanceType.count'],
    ['inference.adapters[0].strength', 'adapters[0].strength'],
    ['inference', 'preset'],
    ['inferenceX', 'inferenceX'],
    ['metadata.name', 'metadata.name'],
  ])('%s -> %s (the longest prefix wins, whatever the rules order)', (path, expected) => {
    expect(remapPath(path, rules)).toBe(expected);
    expect(remapPath(path, [...rules].reverse())).toBe(expected);
  });

  test('an empty target drops the prefix', () => {
    expect(remapPath('tuning.method', [['tuning', '']])).toBe('method');
  });
});

test('withoutServerFields keeps what the author wrote and nothing the API server did', () => {
  expect(
    withoutServerFields({
      apiVersion: 'kaito.sh/v1beta1',
      kind: 'Workspace',
      metadata: {
        name: 'w',
        uid: 'u',
        resourceVersion: '1',
        managedFields: [],
        ownerReferences: [],
        annotations: { [LAST_APPLIED_ANNOTATION]: '{}' },
        labels: { a: 'b' },
      },
      resource: {},
      status: { state: 'Ready' },
    }),
  ).toEqual({
    apiVersion: 'kaito.sh/v1beta1',
    kind: 'Workspace',
    metadata: { name: 'w', labels: { a: 'b' } },
    resource: {},
  });
});

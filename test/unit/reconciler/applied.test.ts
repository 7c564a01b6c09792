import {
  APPLIED_HASH_ANNOTATION,
  desiredHash,
  lastAppliedHash,
  withAppliedHash,
} from '../../../src/reconciler/applied';
import type { KubeObject } from '../../../src/render/options';

const service: KubeObject = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'phi', namespace: 'ai', annotations: { team: 'ml' } },
  spec: { ports: [{ port: 80 }] },
};

type Entry = { manager: string; operation: string; time?: string; subresource?: string };
const meta = (hash: string | undefined, ...managedFields: Entry[]) => ({
  name: 'phi',
  ...(hash !== undefined ? { annotations: { [APPLIED_HASH_ANNOTATION]: hash, other: 'x' } } : {}),
  managedFields,
});
const ours = (time: string): Entry => ({ manager: 'kaito-reconciler', operation: 'Apply', time });

test('the digest is of the object as desired, and is annotated beside its own annotations', () => {
  const hash = desiredHash(service);
  expect(hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(desiredHash({ ...service, spec: { ports: [{ port: 81 }] } })).not.toBe(hash);
  expect(withAppliedHash(service, hash).metadata.annotations).toEqual({ team: 'ml', [APPLIED_HASH_ANNOTATION]: hash });
  expect(service.metadata.annotations).toEqual({ team: 'ml' });
});

test.each([
  ['only the reconciler applied it', meta('h', ours('2026-12-04T10:00:00Z')), 'h'],
  [
    'the controller-manager wrote only its status since',
    meta('h', ours('2026-12-04T10:00:00Z'), {
      manager: 'kube-controller-manager',
      operation: 'Update',
      subresource: 'status',
      time: '2026-12-04T10:05:00Z',
    }),
    'h',
  ],
  [
    'another manager wrote it before the reconciler last did',
    meta('h', { manager: 'kubectl', operation: 'Update', time: '2026-12-04T09:00:00Z' }, ours('2026-12-04T10:00:00Z')),
    'h',
  ],
  [
    'kubectl scale wrote it after',
    meta('h', ours('2026-12-04T10:00:00Z'), {
      manager: 'kubectl',
      operation: 'Update',
      subresource: 'scale',
      time: '2026-12-04T10:00:01Z',
    }),
    undefined,
  ],
  [
    'another client applied in the same second (seconds cannot order them)',
    meta('h', ours('2026-12-04T10:00:00Z'), {
      manager: 'someone-else',
      operation: 'Apply',
      time: '2026-12-04T10:00:00Z',
    }),
    undefined,
  ],
  [
    'another entry has no time',
    meta('h', ours('2026-12-04T10:00:00Z'), { manager: 'someone-else', operation: 'Update' }),
    undefined,
  ],
  [
    'the reconciler only updated it (not an apply)',
    meta('h', { manager: 'kaito-reconciler', operation: 'Update', time: '2026-12-04T10:00:00Z' }),
    undefined,
  ],
  ['no digest annotated', meta(undefined, ours('2026-12-04T10:00:00Z')), undefined],
  ['no managed fields', { annotations: { [APPLIED_HASH_ANNOTATION]: 'h' } }, undefined],
  ['no metadata', undefined, undefined],
])('the last apply digest when %s', (_name, metadata, expected) => {
  expect(lastAppliedHash(metadata)).toBe(expected);
});

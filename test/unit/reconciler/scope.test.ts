import type { RawObject } from '../../../src/reconciler/observe';
import {
  labelledWorkspaceKey,
  matchesLabels,
  nodeFingerprint,
  nodeScope,
  ownerWorkspaceKey,
  turnedReady,
} from '../../../src/reconciler/scope';

const owner = (apiVersion: string, kind: string, name: string) => ({ apiVersion, kind, name, uid: 'u' });

describe('which workspace an object belongs to', () => {
  test.each<[string, RawObject, string | undefined]>([
    [
      'the Workspace owner reference',
      { metadata: { namespace: 'ns', name: 'ws-0', ownerReferences: [owner('kaito.sh/v1beta1', 'Workspace', 'ws')] } },
      'ns/ws',
    ],
    [
      'the owner reference before the label',
      {
        metadata: {
          namespace: 'ns',
          labels: { 'kaito.sh/workspace': 'other' },
          ownerReferences: [owner('kaito.sh/v1alpha1', 'Workspace', 'ws')],
        },
      },
      'ns/ws',
    ],
    [
      'the label, for a pod owned by its StatefulSet',
      {
        metadata: {
          namespace: 'ns',
          labels: { 'kaito.sh/workspace': 'ws' },
          ownerReferences: [owner('apps/v1', 'StatefulSet', 'ws')],
        },
      },
      'ns/ws',
    ],
    [
      'not a Workspace of another group',
      { metadata: { namespace: 'ns', ownerReferences: [owner('example.com/v1', 'Workspace', 'ws')] } },
      undefined,
    ],
    ['nothing', { metadata: { namespace: 'ns', name: 'x' } }, undefined],
  ])('namespaced: %s', (_name, object, key) => {
    expect(ownerWorkspaceKey(object)).toBe(key);
  });

  test.each<[RawObject, string | undefined]>([
    [{ metadata: { labels: { 'kaito.sh/workspace': 'ws', 'kaito.sh/workspacenamespace': 'ns' } } }, 'ns/ws'],
    [{ metadata: { labels: { 'kaito.sh/workspace': 'ws' } } }, undefined],
    [{ metadata: {} }, undefined],
  ])('cluster-scoped (NodeClaims, nodes): %j', (object, key) => {
    expect(labelledWorkspaceKey(object)).toBe(key);
  });
});

describe('the nodes a workspace looks at', () => {
  const ws = (resource: object): RawObject => ({ metadata: { name: 'ws', namespace: 'ns' }, resource });
  const selector = { matchLabels: { pool: 'gpu', 'kaito.sh/workspace': 'ws' } };

  test.each<[string, RawObject, 'gpu-provisioner' | 'byo', ReturnType<typeof nodeScope>]>([
    [
      'provisioned',
      ws({ instanceType: 'Standard_NC6s_v3', labelSelector: selector }),
      'gpu-provisioner',
      { kind: 'provisioned' },
    ],
    [
      'BYO provisioner: the selector without reserved keys',
      ws({ instanceType: 'Standard_NC6s_v3', labelSelector: selector }),
      'byo',
      { kind: 'selector', matchLabels: { pool: 'gpu' } },
    ],
    [
      'no instance type',
      ws({ labelSelector: selector }),
      'gpu-provisioner',
      { kind: 'selector', matchLabels: { pool: 'gpu' } },
    ],
    ['no resource at all', { metadata: { name: 'ws' } }, 'gpu-provisioner', { kind: 'selector', matchLabels: {} }],
  ])('%s', (_name, workspace, provisioner, scope) => {
    expect(nodeScope(workspace, provisioner)).toEqual(scope);
  });

  test('a node matches when its labels include all of the selector', () => {
    const node: RawObject = { metadata: { labels: { pool: 'gpu', zone: '1' } } };
    expect(matchesLabels(node, { pool: 'gpu' })).toBe(true);
    expect(matchesLabels(node, {})).toBe(true);
    expect(matchesLabels(node, { pool: 'cpu' })).toBe(false);
    expect(matchesLabels({ metadata: {} }, { pool: 'gpu' })).toBe(false);
  });

  test('a node change matters when labels, GPUs or readiness change, not heartbeats', () => {
    const node = (ready: string, gpus: string, heartbeat: string, labels = { a: 'b' }): RawObject => ({
      metadata: { name: 'n', labels },
      status: {
        capacity: { 'nvidia.com/gpu': gpus, cpu: '6' },
        conditions: [{ type: 'Ready', status: ready, lastHeartbeatTime: heartbeat }],
      },
    });
    const base = nodeFingerprint(node('True', '1', 't1'));
    expect(nodeFingerprint(node('True', '1', 't2'))).toBe(base);
    expect(nodeFingerprint(node('False', '1', 't1'))).not.toBe(base);
    expect(nodeFingerprint(node('True', '0', 't1'))).not.toBe(base);
    expect(nodeFingerprint(node('True', '1', 't1', { a: 'c' }))).not.toBe(base);
    expect(nodeFingerprint(undefined)).toBe('');
  });

  test('a claim or node turned Ready: True now, and not True before (or new)', () => {
    const claim = (...conditions: [string, string][]): RawObject => ({
      metadata: { name: 'c' },
      status: { conditions: conditions.map(([type, status]) => ({ type, status })) },
    });
    expect(turnedReady(claim(['Ready', 'True']), claim(['Ready', 'False']))).toBe(true);
    expect(turnedReady(claim(['Ready', 'True']), claim(['Launched', 'True']))).toBe(true);
    expect(turnedReady(claim(['Ready', 'True']), undefined)).toBe(true);
    expect(turnedReady(claim(['Ready', 'True'], ['Drifted', 'True']), claim(['Ready', 'True']))).toBe(false);
    expect(turnedReady(claim(['Ready', 'Unknown']), claim())).toBe(false);
    expect(turnedReady(claim(['Initialized', 'True']), claim())).toBe(false);
    expect(turnedReady({ metadata: { name: 'c' } }, undefined)).toBe(false);
  });
});

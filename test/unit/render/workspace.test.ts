import { renderWorkspace } from '../../../src/render';
import { SEED_FILES, seed, workspace } from './helpers';

const kinds = (file: string, options = {}) => {
  const { ws, plan } = seed(file);
  return renderWorkspace(ws, plan, options).map((o) => `${o.kind}/${o.metadata.name}`);
};

describe('renderWorkspace', () => {
  test('inference seed: ConfigMap, Services, StatefulSet, NodeClaim, in that order', () => {
    expect(kinds('phi-3-mini-inference.yaml')).toEqual([
      'ConfigMap/workspace-phi-3-mini-inference-config',
      'Service/workspace-phi-3-mini',
      'Service/workspace-phi-3-mini-headless',
      'StatefulSet/workspace-phi-3-mini',
      'NodeClaim/ws387e37c2b',
    ]);
  });

  test('tuning seed: ConfigMap, egress NetworkPolicy, Job, NodeClaim', () => {
    expect(kinds('phi-3-mini-4k-qlora-tuning.yaml')).toEqual([
      'ConfigMap/workspace-phi-3-mini-training-config',
      'NetworkPolicy/workspace-phi-3-mini-egress',
      'Job/workspace-phi-3-mini',
      'NodeClaim/ws387e37c2b',
    ]);
  });

  test('machine mode and BYO', () => {
    expect(kinds('phi-3-mini-inference.yaml', { nodeProvisioner: 'machine' }).at(-1)).toBe('Machine/ws387e37c2b');
    expect(kinds('phi-3-mini-inference.yaml', { nodeProvisioner: 'byo' }).at(-1)).toBe(
      'StatefulSet/workspace-phi-3-mini',
    );
  });

  test.each(SEED_FILES)('%s renders deterministically (twice, deep-equal and byte-equal)', (file) => {
    const a = seed(file);
    const b = seed(file);
    const first = renderWorkspace(a.ws, a.plan, { ownerUid: 'u-1' });
    const second = renderWorkspace(b.ws, b.plan, { ownerUid: 'u-1' });
    expect(second).toEqual(first);
    expect(JSON.stringify(second)).toBe(JSON.stringify(first));
  });

  test('rendering does not change its input', () => {
    const { ws, plan } = seed('phi-3-mini-inference-with-adapters.yaml');
    const before = JSON.stringify([ws, plan]);
    renderWorkspace(ws, plan, { ownerUid: 'u' });
    expect(JSON.stringify([ws, plan])).toBe(before);
  });

  test('namespace: the workspace, else defaultNamespace, else default', () => {
    const { ws, plan } = seed('phi-3-mini-inference.yaml');
    const namespaced = (o: ReturnType<typeof renderWorkspace>) => o.filter((x) => x.kind !== 'NodeClaim');
    expect(new Set(namespaced(renderWorkspace(ws, plan)).map((o) => o.metadata.namespace))).toEqual(
      new Set(['default']),
    );
    expect(
      new Set(namespaced(renderWorkspace(ws, plan, { defaultNamespace: 'ai' })).map((o) => o.metadata.namespace)),
    ).toEqual(new Set(['ai']));
    const other = workspace({ inference: { preset: { name: 'phi-3-mini-4k-instruct' } } });
    const objects = renderWorkspace(other.ws, other.plan, { defaultNamespace: 'ai' });
    expect(new Set(namespaced(objects).map((o) => o.metadata.namespace))).toEqual(new Set(['ml']));
  });

  test('ownerUid: a controller reference to the Workspace on namespaced children only', () => {
    const { ws, plan } = seed('phi-3-mini-128k-qlora-tuning-adapter.yaml');
    const objects = renderWorkspace(ws, plan, { ownerUid: '1234-abcd' });
    for (const o of objects) {
      if (o.kind === 'NodeClaim') {
        expect(o.metadata.ownerReferences).toBeUndefined();
      } else {
        expect(o.metadata.ownerReferences).toEqual([
          {
            apiVersion: 'kaito.sh/v1beta1',
            kind: 'Workspace',
            name: 'workspace-phi-3-mini-adapter',
            uid: '1234-abcd',
            controller: true,
            blockOwnerDeletion: true,
          },
        ]);
      }
    }
    expect(renderWorkspace(ws, plan).every((o) => o.metadata.ownerReferences === undefined)).toBe(true);
  });
});

import { ApiObject, Chart, Testing } from 'cdk8s';
import { kplus } from '../../../src/cdk8s/plus';
import { KaitoOperator } from '../../../src/cdk8s';
import { renderOperator } from '../../../src/render';
import { chart, ids, plain, synth } from './helpers';

describe('KaitoOperator', () => {
  test.each([
    ['defaults', {}],
    [
      'every option',
      { namespace: 'kaito', image: 'reg.io/rec:1', replicas: 2, nodeProvisioner: 'karpenter', devicePlugin: true },
    ],
    ['in kube-system (no Namespace object)', { namespace: 'kube-system', nodeProvisioner: 'byo' }],
  ] as const)("synthesizes exactly the renderer's bundle, in its order: %s", (_name, options) => {
    const c = chart();
    new KaitoOperator(c, 'kaito', options);
    expect(synth(c)).toEqual(plain(renderOperator(options)));
  });

  test('the bundle in order: Namespace, CRD, RBAC, Deployment, Service', () => {
    const c = chart();
    new KaitoOperator(c, 'kaito');
    expect(ids(synth(c))).toEqual([
      'Namespace//kaito-system',
      'CustomResourceDefinition//workspaces.kaito.sh',
      'ServiceAccount/kaito-system/kaito-reconciler',
      'ClusterRole//kaito-reconciler',
      'ClusterRoleBinding//kaito-reconciler',
      'Role/kaito-system/kaito-reconciler-leader-election',
      'RoleBinding/kaito-system/kaito-reconciler-leader-election',
      'Deployment/kaito-system/kaito-reconciler',
      'Service/kaito-system/kaito-reconciler-metrics',
    ]);
  });

  test('a chart namespace does not leak onto cluster-scoped objects; the chart labels are added', () => {
    const c = new Chart(Testing.app(), 'platform', { namespace: 'elsewhere', labels: { owner: 'platform' } });
    new KaitoOperator(c, 'kaito');
    const expected = plain(renderOperator()).map((o) => ({
      ...o,
      metadata: { ...o.metadata, labels: { ...(o.metadata.labels ?? {}), owner: 'platform' } },
    }));
    expect(synth(c)).toEqual(expected);
  });

  test('the leader-election Role is a cdk8s-plus Role; the ServiceAccount and ClusterRole are cdk8s-plus handles', () => {
    const c = chart();
    const operator = new KaitoOperator(c, 'kaito');
    expect(operator.leaderElectionRole).toBeInstanceOf(kplus.Role);
    expect(ApiObject.of(operator.leaderElectionRole).name).toBe('kaito-reconciler-leader-election');
    expect(operator.crds.map((c) => c.name)).toEqual(['workspaces.kaito.sh']);
    expect(operator.apiObjects).toHaveLength(9);
    expect(operator.serviceAccount.toSubjectConfiguration()).toEqual({
      apiGroup: '',
      kind: 'ServiceAccount',
      name: 'kaito-reconciler',
      namespace: 'kaito-system',
    });
    // The handles bind further permissions without touching the bundle.
    const reader = new kplus.Role(c, 'reader', { metadata: { name: 'reader', namespace: 'apps' } });
    reader.allowRead(kplus.ApiResource.CONFIG_MAPS);
    reader.bind(operator.serviceAccount);
    expect(operator.clusterRole.name).toBe('kaito-reconciler');
    expect(synth(c).slice(0, 9)).toEqual(plain(renderOperator()));
  });

  test("invalid options fail with the renderer's message", () => {
    expect(() => new KaitoOperator(chart(), 'kaito', { namespace: 'Kaito' })).toThrow(
      'KaitoOperator "kaito" is invalid:\n  namespace: "Kaito" must be a DNS-1123 label: at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit',
    );
  });
});

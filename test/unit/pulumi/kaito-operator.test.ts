import * as pulumi from '@pulumi/pulumi';
import { renderOperator, DEFAULT_RECONCILER_IMAGE } from '../../../src/render';
import { KaitoOperator, KaitoWorkspace } from '../../../src/pulumi';
import { runProgram, valueOf, type Graph } from './harness';

const CRD = 'kaito-customresourcedefinition-workspaces.kaito.sh';
const CATALOG_CRD = 'kaito-customresourcedefinition-kaitocatalogs.kaito.sh';
const NAMESPACE = 'kaito-namespace-kaito-system';

/** The registrations of the operator's objects, in the order the component declared them. */
async function declared(graph: Graph, operator: KaitoOperator) {
  const urns = await Promise.all(operator.resources.map((r) => valueOf(r.urn)));
  return urns.map((urn) => graph.registrations.find((r) => r.urn === urn)!);
}

describe('KaitoOperator', () => {
  test('declares every object of the bundle as its typed resource, with the same body as kaito operator', async () => {
    let operator: KaitoOperator | undefined;
    const { graph } = await runProgram(() => {
      operator = new KaitoOperator('kaito');
    });
    const regs = await declared(graph, operator!);
    expect(regs.map((r) => `${r.type} ${r.name}`)).toEqual([
      `kubernetes:core/v1:Namespace ${NAMESPACE}`,
      `kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition ${CRD}`,
      `kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition ${CATALOG_CRD}`,
      'kubernetes:core/v1:ServiceAccount kaito-serviceaccount-kaito-reconciler',
      'kubernetes:rbac.authorization.k8s.io/v1:ClusterRole kaito-clusterrole-kaito-reconciler',
      'kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding kaito-clusterrolebinding-kaito-reconciler',
      'kubernetes:rbac.authorization.k8s.io/v1:Role kaito-role-kaito-reconciler-leader-election',
      'kubernetes:rbac.authorization.k8s.io/v1:RoleBinding kaito-rolebinding-kaito-reconciler-leader-election',
      'kubernetes:apps/v1:Deployment kaito-deployment-kaito-reconciler',
      'kubernetes:core/v1:Service kaito-service-kaito-reconciler-metrics',
      'kubernetes:kaito.sh/v1alpha1:KaitoCatalog kaito-kaitocatalog-default',
      'kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy kaito-validatingadmissionpolicy-kaito-workspace-rules',
      'kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding kaito-validatingadmissionpolicybinding-kaito-workspace-rules',
    ]);
    // Object by object, the inputs are the rendered bundle (the order above is renderOperator's order).
    expect(regs.map((r) => r.inputs)).toEqual(renderOperator());
    expect(graph.registrations).toHaveLength(regs.length + 1);
    for (const r of regs) expect(graph.parentOf(r)?.type).toBe('kaito-constructs:index:KaitoOperator');
  });

  test('the Namespace and the CRDs come first; everything else depends on them', async () => {
    const { graph } = await runProgram(() => new KaitoOperator('kaito'));
    const first = [NAMESPACE, CRD, CATALOG_CRD];
    for (const name of first) expect(graph.dependencyNames(graph.get(name))).toEqual([]);
    for (const r of graph.registrations) {
      if (!r.custom || first.includes(r.name)) continue;
      expect([r.name, graph.dependencyNames(r)]).toEqual([r.name, [CATALOG_CRD, CRD, NAMESPACE]]);
    }
  });

  test('exposes the CRDs, the Deployment and the namespace; workspaces depend on the CRDs', async () => {
    let operator: KaitoOperator | undefined;
    const { graph } = await runProgram(() => {
      operator = new KaitoOperator('kaito', { namespace: 'kube-system', devicePlugin: true });
      new KaitoWorkspace(
        'phi',
        {
          resource: { instanceType: 'Standard_NC6s_v3', labelSelector: { matchLabels: { apps: 'phi' } } },
          inference: { preset: { name: 'phi-3-mini-4k-instruct' } },
        },
        { dependsOn: operator.crds },
      );
    });
    expect(operator!.crds).toHaveLength(2);
    expect(await valueOf(operator!.namespace)).toBe('kube-system');
    expect(graph.registrations.some((r) => r.type === 'kubernetes:core/v1:Namespace')).toBe(false);
    expect(graph.get('kaito-daemonset-nvidia-device-plugin-daemonset').inputs).toEqual(
      renderOperator({ namespace: 'kube-system', devicePlugin: true }).at(-1),
    );
    expect(graph.dependencyNames(graph.get('kaito-deployment-kaito-reconciler'))).toEqual([CATALOG_CRD, CRD]);
    expect(graph.dependencyNames(graph.get('phi-workspace-phi'))).toEqual([CATALOG_CRD, CRD]);
  });

  test('the image may be an output (an image built in the same program)', async () => {
    const { graph } = await runProgram(
      () => new KaitoOperator('kaito', { image: pulumi.output('registry.example.com/reconciler@sha256:abc') }),
    );
    const deployment = graph.get('kaito-deployment-kaito-reconciler').inputs as {
      spec: { template: { spec: { containers: Array<{ image: string }> } } };
    };
    expect(deployment.spec.template.spec.containers[0].image).toBe('registry.example.com/reconciler@sha256:abc');
    const rendered = renderOperator().find((o) => o.kind === 'Deployment')!;
    const { image, ...rest } = deployment.spec.template.spec.containers[0];
    expect(image).not.toBe(DEFAULT_RECONCILER_IMAGE);
    expect(rest).toEqual({
      ...(rendered.spec as typeof deployment.spec).template.spec.containers[0],
      image: undefined,
    });
  });

  test.each([
    [{ replicas: -1 }, 'replicas', '-1 is not a whole number between 0 and 10'],
    [
      { namespace: 'Kaito_System' },
      'namespace',
      '"Kaito_System" must be a DNS-1123 label: at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit',
    ],
    [
      { nodeProvisioner: 'nap' as never },
      'nodeProvisioner',
      '"nap" is not one of gpu-provisioner, karpenter, machine, karpenter-nodepool, byo',
    ],
    [
      { replicas: pulumi.output(2) as never },
      'replicas',
      'must be a plain value, not an Output or a promise: it is validated when the component is constructed',
    ],
  ])('rejects %j before registering anything', async (args, path, reason) => {
    const { graph, error } = await runProgram(() => new KaitoOperator('kaito', args));
    expect(graph.registrations).toEqual([]);
    expect(pulumi.InputPropertiesError.isInstance(error)).toBe(true);
    const e = error as pulumi.InputPropertiesError;
    expect(e.errors.map((x) => x.propertyPath)).toEqual([path]);
    expect(e.errors[0].reason).toBe(reason);
  });
});

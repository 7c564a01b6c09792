import * as pulumi from '@pulumi/pulumi';
import * as k8s from '@pulumi/kubernetes';
import type { KubeObject } from '../render';

/*
 * Plain Kubernetes objects (what the renderers return) declared as typed @pulumi/kubernetes resources, one
 * resource per object, so that each shows up in the stack, in previews and in unit-test mocks with its own
 * type (a ConfigGroup would hide them).
 */

type Declare = (name: string, args: KubeObject, opts: pulumi.CustomResourceOptions) => pulumi.CustomResource;

/** The renderer's objects have exactly the shape of these args; the cast only drops `readonly`. */
const argsOf = <T>(object: KubeObject): T => object as unknown as T;

const KINDS: Readonly<Record<string, Declare>> = {
  'v1/Namespace': (n, a, o) => new k8s.core.v1.Namespace(n, argsOf<k8s.core.v1.NamespaceArgs>(a), o),
  'v1/ConfigMap': (n, a, o) => new k8s.core.v1.ConfigMap(n, argsOf<k8s.core.v1.ConfigMapArgs>(a), o),
  'v1/Secret': (n, a, o) => new k8s.core.v1.Secret(n, argsOf<k8s.core.v1.SecretArgs>(a), o),
  'v1/PersistentVolumeClaim': (n, a, o) =>
    new k8s.core.v1.PersistentVolumeClaim(n, argsOf<k8s.core.v1.PersistentVolumeClaimArgs>(a), o),
  'v1/Service': (n, a, o) => new k8s.core.v1.Service(n, argsOf<k8s.core.v1.ServiceArgs>(a), o),
  'v1/ServiceAccount': (n, a, o) => new k8s.core.v1.ServiceAccount(n, argsOf<k8s.core.v1.ServiceAccountArgs>(a), o),
  'apps/v1/StatefulSet': (n, a, o) => new k8s.apps.v1.StatefulSet(n, argsOf<k8s.apps.v1.StatefulSetArgs>(a), o),
  'apps/v1/Deployment': (n, a, o) => new k8s.apps.v1.Deployment(n, argsOf<k8s.apps.v1.DeploymentArgs>(a), o),
  'apps/v1/DaemonSet': (n, a, o) => new k8s.apps.v1.DaemonSet(n, argsOf<k8s.apps.v1.DaemonSetArgs>(a), o),
  'batch/v1/Job': (n, a, o) => new k8s.batch.v1.Job(n, argsOf<k8s.batch.v1.JobArgs>(a), o),
  'networking.k8s.io/v1/NetworkPolicy': (n, a, o) =>
    new k8s.networking.v1.NetworkPolicy(n, argsOf<k8s.networking.v1.NetworkPolicyArgs>(a), o),
  'rbac.authorization.k8s.io/v1/ClusterRole': (n, a, o) =>
    new k8s.rbac.v1.ClusterRole(n, argsOf<k8s.rbac.v1.ClusterRoleArgs>(a), o),
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': (n, a, o) =>
    new k8s.rbac.v1.ClusterRoleBinding(n, argsOf<k8s.rbac.v1.ClusterRoleBindingArgs>(a), o),
  'rbac.authorization.k8s.io/v1/Role': (n, a, o) => new k8s.rbac.v1.Role(n, argsOf<k8s.rbac.v1.RoleArgs>(a), o),
  'rbac.authorization.k8s.io/v1/RoleBinding': (n, a, o) =>
    new k8s.rbac.v1.RoleBinding(n, argsOf<k8s.rbac.v1.RoleBindingArgs>(a), o),
  'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy': (n, a, o) =>
    new k8s.admissionregistration.v1.ValidatingAdmissionPolicy(
      n,
      argsOf<k8s.admissionregistration.v1.ValidatingAdmissionPolicyArgs>(a),
      o,
    ),
  'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding': (n, a, o) =>
    new k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(
      n,
      argsOf<k8s.admissionregistration.v1.ValidatingAdmissionPolicyBindingArgs>(a),
      o,
    ),
  'apiextensions.k8s.io/v1/CustomResourceDefinition': (n, a, o) =>
    new k8s.apiextensions.v1.CustomResourceDefinition(
      n,
      argsOf<k8s.apiextensions.v1.CustomResourceDefinitionArgs>(a),
      o,
    ),
};

/** Group versions of Kubernetes' own APIs: their kinds must be declared with a typed class, never as a custom resource. */
const BUILT_IN_GROUP = /^(v1|[a-z]+\/v\d\w*|[a-z.]+\.k8s\.io\/v\d\w*)$/;

/**
 * Child name of an object inside a component: `<component>-<kind>-<object name>`, lower case kind. Stable as
 * long as the object keeps its kind and name, which is what identifies it in the cluster too.
 */
export function childName(component: string, object: Pick<KubeObject, 'kind' | 'metadata'>): string {
  return `${component}-${object.kind.toLowerCase()}-${object.metadata.name}`;
}

/**
 * Declares one object as its typed resource (`kubernetes:apps/v1:StatefulSet`, ...), or as a
 * `CustomResource` for kinds outside Kubernetes' own API groups (`kaito.sh`, `karpenter.sh`).
 */
export function declareObject(
  name: string,
  object: KubeObject,
  opts: pulumi.CustomResourceOptions,
): pulumi.CustomResource {
  const declare = KINDS[`${object.apiVersion}/${object.kind}`];
  if (declare !== undefined) return declare(name, object, opts);
  if (BUILT_IN_GROUP.test(object.apiVersion)) {
    throw new Error(`no typed Pulumi resource is mapped for ${object.apiVersion} ${object.kind}`);
  }
  return new k8s.apiextensions.CustomResource(name, object as k8s.apiextensions.CustomResourceArgs, opts);
}

/** The same object with extra annotations (Pulumi's await settings), leaving the original untouched. */
export function withAnnotations(object: KubeObject, annotations: Readonly<Record<string, string>>): KubeObject {
  if (Object.keys(annotations).length === 0) return object;
  return {
    ...object,
    metadata: { ...object.metadata, annotations: { ...(object.metadata.annotations ?? {}), ...annotations } },
  };
}

/** Pulumi's annotation that turns off its readiness await for one object. */
export const SKIP_AWAIT = 'pulumi.com/skipAwait';
/** Pulumi's annotation that makes it await a condition of a custom resource. */
export const WAIT_FOR = 'pulumi.com/waitFor';

/**
 * Everything a child must wait for: the component's own `dependsOn` (children do not inherit it) and the
 * component's extra dependencies.
 */
export function childDependsOn(
  inherited: pulumi.ResourceOptions['dependsOn'],
  extra: readonly pulumi.Resource[],
): pulumi.Input<pulumi.Resource>[] | undefined {
  // The runtime flattens nested arrays, outputs and promises of resources.
  const all = [...extra, ...(inherited === undefined ? [] : [inherited as pulumi.Input<pulumi.Resource>])];
  return all.length === 0 ? undefined : all;
}

/** `30` -> `{ create: '30m', update: '30m' }`: how long Pulumi awaits readiness. */
export function timeouts(minutes: number): pulumi.CustomTimeouts {
  return { create: `${minutes}m`, update: `${minutes}m` };
}

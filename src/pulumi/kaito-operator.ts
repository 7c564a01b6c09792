import * as pulumi from '@pulumi/pulumi';
import * as k8s from '@pulumi/kubernetes';
import type { Problem } from '../api';
import {
  DEFAULT_RECONCILER_IMAGE,
  checkOperatorOptions,
  renderOperator,
  type KubeObject,
  type OperatorOptions,
} from '../render';
import type { NodeClassRef } from '../render/node-class';
import { TYPE_PREFIX, plainValueProblems, throwOnErrors } from './errors';
import { childDependsOn, childName, declareObject } from './objects';
import type { OperatorNodeProvisioner } from './enums';

/** Args of a {@link KaitoOperator}. */
export interface KaitoOperatorArgs {
  /**
   * Namespace of the reconciler; created (with the Pod Security "restricted" profile) unless it is one of
   * Kubernetes' own.
   * @default 'kaito-system'
   */
  readonly namespace?: string;
  /**
   * Image of the reconciler; may be an output (an image built in the same program).
   * @default DEFAULT_RECONCILER_IMAGE
   */
  readonly image?: pulumi.Input<string>;
  /**
   * Reconciler replicas; one leads at a time.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * How the reconciler gets GPU nodes for workspaces that name an instance type. Workspaces on a
   * {@link GpuNodePool} bring their own nodes whatever this says.
   * @default 'gpu-provisioner'
   */
  readonly nodeProvisioner?: OperatorNodeProvisioner;
  /**
   * The node class the reconciler's NodeClaims (or NodePools) point at (its `--node-class`), e.g. AKS_NODE_CLASS for
   * Karpenter on AKS or EC2_NODE_CLASS on EKS.
   * @default KAITO_NODE_CLASS with gpu-provisioner, AKS_NODE_CLASS with karpenter and karpenter-nodepool
   */
  readonly nodeClass?: NodeClassRef;
  /**
   * Also deploy the NVIDIA device plugin DaemonSet (kube-system), for GPU nodes that do not come with one.
   * @default false
   */
  readonly devicePlugin?: boolean;
  /**
   * Image of the NVIDIA device plugin.
   * @default NVIDIA_DEVICE_PLUGIN_IMAGE
   */
  readonly devicePluginImage?: string;
  /**
   * Reconcile only this namespace's workspaces; the reconciler's rights to them are then a Role there.
   * @default all namespaces
   */
  readonly watchNamespace?: string;
  /**
   * Let workspaces hand their pods what Pod Security "baseline" refuses (privileged containers, host
   * namespaces, hostPath volumes, a service account of their choice): the reconciler's
   * `--allow-privileged-templates`. Whoever can create a Workspace can then run such pods with the
   * reconciler's rights, so only turn it on where Workspace authors may create such pods themselves.
   * @default false
   */
  readonly allowPrivilegedTemplates?: boolean;
  /**
   * Install the Workspace admission policy (a ValidatingAdmissionPolicy and binding, Kubernetes >= 1.30) with
   * the KaitoCatalog CRD and object it reads, so that the catalog rules refuse a bad workspace at apply time.
   * @default true
   */
  readonly admissionPolicy?: boolean;
}

const COMPONENT = 'KaitoOperator';

/** The bundle, or the problems of the args as an args error. */
function render(name: string, args: KaitoOperatorArgs): KubeObject[] {
  const problems: Problem[] = plainValueProblems({ ...args, image: undefined }, '');
  throwOnErrors(COMPONENT, name, problems);
  const options: OperatorOptions = {
    ...args,
    // An image that is an output is set on the Deployment once known.
    image: typeof args.image === 'string' || args.image === undefined ? args.image : DEFAULT_RECONCILER_IMAGE,
  };
  throwOnErrors(COMPONENT, name, checkOperatorOptions(options));
  return renderOperator(options);
}

/**
 * The operator: the Workspace CRD, the reconciler's namespace, ServiceAccount, least-privilege RBAC and
 * leader-election Role, its Deployment and metrics Service, optionally the NVIDIA device plugin; the same
 * objects `kaito operator` prints. The CRDs are declared first and everything else depends on them.
 *
 * Workspaces wait for the CRD with `{ dependsOn: operator.crds }`, or for the whole operator (its Deployment
 * ready) with `{ dependsOn: operator }`.
 */
export class KaitoOperator extends pulumi.ComponentResource {
  /** The CustomResourceDefinitions: depend on these to create workspaces. */
  readonly crds: k8s.apiextensions.v1.CustomResourceDefinition[];
  /** The reconciler Deployment. */
  readonly deployment: k8s.apps.v1.Deployment;
  /** Namespace of the reconciler. */
  readonly namespace: pulumi.Output<string>;
  /** What the schema does not describe (TypeScript only), by component. */
  private static readonly declared = new WeakMap<KaitoOperator, pulumi.CustomResource[]>();

  /** Every declared object, in apply order. */
  get resources(): pulumi.CustomResource[] {
    return KaitoOperator.declared.get(this)!;
  }

  constructor(name: string, args: KaitoOperatorArgs = {}, opts: pulumi.ComponentResourceOptions = {}) {
    const objects = render(name, args);
    super(`${TYPE_PREFIX}${COMPONENT}`, name, {}, opts);
    const declare = (object: KubeObject, deps: readonly pulumi.Resource[]) =>
      declareObject(childName(name, object), object, { parent: this, dependsOn: childDependsOn(opts.dependsOn, deps) });
    const namespaceObject = objects.find((o) => o.kind === 'Namespace');
    const ns = namespaceObject === undefined ? undefined : declare(namespaceObject, []);
    const crds = objects
      .filter((o) => o.kind === 'CustomResourceDefinition')
      .map((o) => declare(o, []) as k8s.apiextensions.v1.CustomResourceDefinition);
    const first = [...(ns === undefined ? [] : [ns]), ...crds];
    const rest = objects
      .filter((o) => o !== namespaceObject && o.kind !== 'CustomResourceDefinition')
      .map((o) => {
        const image = o.kind === 'Deployment' && args.image !== undefined && typeof args.image !== 'string';
        return declare(image ? withImage(o, args.image!) : o, first);
      });
    this.crds = crds;
    KaitoOperator.declared.set(this, [...first, ...rest]);
    this.deployment = rest.find((r): r is k8s.apps.v1.Deployment => r instanceof k8s.apps.v1.Deployment)!;
    this.namespace = this.deployment.metadata.apply((m) => m.namespace);
    this.registerOutputs({ namespace: this.namespace });
  }
}

/** The reconciler Deployment with its container image replaced by an output. */
function withImage(deployment: KubeObject, image: pulumi.Input<string>): KubeObject {
  const spec = deployment.spec as { template: { spec: { containers: Array<Record<string, unknown>> } } };
  const [container, ...others] = spec.template.spec.containers;
  return {
    ...deployment,
    spec: {
      ...spec,
      template: { ...spec.template, spec: { ...spec.template.spec, containers: [{ ...container, image }, ...others] } },
    },
  };
}

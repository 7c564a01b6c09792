import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { PolicyRule } from 'kubernetes-types/rbac/v1';
import {
  DEFAULT_OPERATOR_NAMESPACE,
  LEADER_ELECTION_ROLE_NAME,
  RECONCILER_NAME,
  checkOperatorOptions,
  renderOperator,
  type OperatorOptions,
} from '../render/operator';
import { ValidationError } from '../api/problems';
import { WORKSPACE_CRD_NAME } from '../render/crd';
import type { NodeClassRef } from '../render/node-class';
import type { KubeObject } from '../render/options';
import { emit, keepOrder, leaveNothingOnError, objectId } from './internal';
import { kplus } from './plus';

/** Props of {@link KaitoOperator}. */
export interface KaitoOperatorProps {
  /**
   * Namespace of the reconciler; created (Pod Security "restricted") unless it is a Kubernetes namespace.
   * @default 'kaito-system'
   */
  readonly namespace?: string;
  /**
   * Image of the reconciler.
   * @default DEFAULT_RECONCILER_IMAGE (ghcr.io/kaito-constructs/kaito-reconciler at this package's version)
   */
  readonly image?: string;
  /**
   * Reconciler replicas; one leads at a time, the others stand by.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * How the reconciler provisions GPU nodes: `gpu-provisioner` (Karpenter NodeClaims fulfilled by Azure
   * gpu-provisioner), `karpenter` (NodeClaims fulfilled by Karpenter), `karpenter-nodepool` (a Karpenter
   * NodePool of static replicas per workspace), `machine` (legacy Karpenter-core Machines) or `byo` (bring your
   * own nodes: nothing is provisioned).
   * @default 'gpu-provisioner'
   */
  readonly nodeProvisioner?: string;
  /**
   * The node class the reconciler's NodeClaims (or NodePools) point at (its `--node-class`), e.g. AKS_NODE_CLASS for
   * Karpenter on AKS or EC2_NODE_CLASS on EKS.
   * @default KAITO_NODE_CLASS with gpu-provisioner, AKS_NODE_CLASS with karpenter and karpenter-nodepool
   */
  readonly nodeClass?: NodeClassRef;
  /**
   * Also deploy the NVIDIA device plugin DaemonSet (in kube-system), for GPU nodes that come without one.
   * @default false
   */
  readonly devicePlugin?: boolean;
  /**
   * Image of the NVIDIA device plugin, with `devicePlugin`.
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

/**
 * A role whose rules cdk8s-plus writes exactly as given: one API group and one resource per rule, no
 * resource names (cdk8s-plus writes one rule per resource).
 */
function plusExpressible(rules: readonly PolicyRule[]): boolean {
  return rules.every(
    (r) =>
      r.apiGroups?.length === 1 && r.resources?.length === 1 && r.resourceNames === undefined && r.verbs.length > 0,
  );
}

/**
 * The operator bundle of `renderOperator`: the namespace, the Workspace CRD, the reconciler's ServiceAccount
 * and least-privilege RBAC, its Deployment and metrics Service, optionally the NVIDIA device plugin. The
 * objects equal the renderer's, in its order (the CRD before anything that uses it).
 *
 * Where cdk8s-plus-28 writes the renderer's object exactly, it is used: the leader-election Role is a
 * `kplus.Role`. The other objects are the renderer's own, because cdk8s-plus would change them:
 * - ServiceAccount: always writes `automountServiceAccountToken` (false by default, which would leave the
 *   reconciler without its API token);
 * - ClusterRole: writes one rule per resource, each with an empty `resourceNames` list, where the renderer
 *   groups resources of one API group under one rule;
 * - ClusterRoleBinding, RoleBinding: add `apiGroup: ""` to ServiceAccount subjects;
 * - Namespace: adds an empty `spec`;
 * - Deployment: adds its defaults (container resources and security context with `privileged: false`,
 *   rolling-update strategy, `minReadySeconds`, `progressDeadlineSeconds`, pod DNS and restart policy,
 *   `automountServiceAccountToken`, the `cdk8s.io/metadata.addr` selector label), has no container
 *   `capabilities`/`seccompProfile`, and no named `targetPort` on its Service;
 * - CRD, DaemonSet: cdk8s-plus has no construct for them.
 * The ServiceAccount and ClusterRole are still available as cdk8s-plus handles (`serviceAccount`,
 * `clusterRole`) to bind further roles or subjects.
 */
export class KaitoOperator extends Construct {
  /** The CustomResourceDefinitions (the Workspace CRD); workspaces depend on them. */
  readonly crds: ApiObject[];
  /** Namespace of the reconciler. */
  readonly namespace: string;
  /** The reconciler's ServiceAccount, as a cdk8s-plus subject. */
  readonly serviceAccount: kplus.IServiceAccount;
  /** The reconciler's ClusterRole, as a cdk8s-plus handle. */
  readonly clusterRole: kplus.IClusterRole;
  /** The leader-election Role. */
  readonly leaderElectionRole: kplus.Role;
  /** Every object of the bundle, in order. */
  readonly apiObjects: ApiObject[];

  constructor(scope: Construct, id: string, props: KaitoOperatorProps = {}) {
    super(scope, id);
    this.namespace = props.namespace ?? DEFAULT_OPERATOR_NAMESPACE;
    // The core checks the strings (`nodeProvisioner` is one of its provisioners) before rendering.
    const options = props as OperatorOptions;
    leaveNothingOnError(this, () => {
      const problems = checkOperatorOptions(options);
      if (problems.length > 0) throw new ValidationError(problems, `KaitoOperator ${JSON.stringify(id)}`);
    });
    const objects = renderOperator(options);
    const apiObjects: ApiObject[] = [];
    let crd: ApiObject | undefined;
    let leaderElectionRole: kplus.Role | undefined;
    for (const object of objects) {
      if (object.kind === 'Role' && object.metadata.name === LEADER_ELECTION_ROLE_NAME) {
        leaderElectionRole = this.role(object);
        apiObjects.push(ApiObject.of(leaderElectionRole));
        continue;
      }
      const api = emit(this, objectId(object), object);
      apiObjects.push(api);
      if (object.kind === 'CustomResourceDefinition' && object.metadata.name === WORKSPACE_CRD_NAME) crd = api;
    }
    if (crd === undefined || leaderElectionRole === undefined) {
      throw new Error('the operator bundle lacks the Workspace CRD or the leader-election Role');
    }
    this.crds = [crd];
    this.leaderElectionRole = leaderElectionRole;
    this.apiObjects = apiObjects;
    keepOrder(apiObjects);
    this.serviceAccount = kplus.ServiceAccount.fromServiceAccountName(this, 'ServiceAccountRef', RECONCILER_NAME, {
      namespaceName: this.namespace,
    });
    this.clusterRole = kplus.ClusterRole.fromClusterRoleName(this, 'ClusterRoleRef', RECONCILER_NAME);
  }

  /** The leader-election Role through cdk8s-plus (checked to come out as the renderer's object). */
  private role(object: KubeObject): kplus.Role {
    const rules = (object.rules ?? []) as PolicyRule[];
    if (!plusExpressible(rules)) throw new Error(`Role ${object.metadata.name}: rules cdk8s-plus cannot express`);
    const { name, namespace, labels } = object.metadata;
    const role = new kplus.Role(this, objectId(object), {
      metadata: { name, namespace, ...(labels === undefined ? {} : { labels: { ...labels } }) },
    });
    for (const rule of rules) {
      role.allow(
        [...rule.verbs],
        kplus.ApiResource.custom({ apiGroup: rule.apiGroups![0], resourceType: rule.resources![0] }),
      );
    }
    return role;
  }
}

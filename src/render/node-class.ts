/*
 * The node class a NodeClaim points at (`spec.nodeClassRef`). Karpenter and gpu-provisioner each act only on
 * claims of their own class, so the one reconciler serves several provisioners by naming the class.
 */

/** A NodeClaim's `spec.nodeClassRef`: which provisioner's node class launches the node. */
export interface NodeClassRef {
  /** API group of the node class, e.g. `karpenter.azure.com`. */
  readonly group: string;
  /** Kind of the node class, e.g. `AKSNodeClass`. */
  readonly kind: string;
  /** Name of the node class object, e.g. `default`. */
  readonly name: string;
}

/** Azure gpu-provisioner's class, as Kaito names it on Azure. */
export const KAITO_NODE_CLASS: NodeClassRef = { group: 'kaito.sh', kind: 'KaitoNodeClass', name: 'default' };
/** Karpenter on AKS (node auto-provisioning, karpenter-provider-azure). */
export const AKS_NODE_CLASS: NodeClassRef = { group: 'karpenter.azure.com', kind: 'AKSNodeClass', name: 'default' };
/** Karpenter on EKS. */
export const EC2_NODE_CLASS: NodeClassRef = { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' };
/** Karpenter's kwok provider (test clusters: nodes without machines). */
export const KWOK_NODE_CLASS: NodeClassRef = { group: 'karpenter.kwok.sh', kind: 'KWOKNodeClass', name: 'default' };

/**
 * The class a provisioner's claims get when none is named: gpu-provisioner's own, or Karpenter on AKS (for
 * its NodeClaims and for a workspace's NodePool: AKS node auto-provisioning ships the `default` AKSNodeClass).
 */
export function defaultNodeClass(provisioner: string): NodeClassRef {
  return provisioner === 'karpenter' || provisioner === 'karpenter-nodepool' ? AKS_NODE_CLASS : KAITO_NODE_CLASS;
}

/** `GROUP/KIND/NAME`, the form flags take. */
export function formatNodeClass(ref: NodeClassRef): string {
  return `${ref.group}/${ref.kind}/${ref.name}`;
}

const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const KIND = /^[A-Z][A-Za-z0-9]{0,62}$/;

/**
 * What is wrong with a node class reference (undefined when nothing is): the group and name must be
 * DNS-1123 subdomains, the kind an UpperCamelCase identifier.
 */
export function nodeClassProblem(ref: NodeClassRef): string | undefined {
  if (!DNS_SUBDOMAIN.test(ref.group)) {
    return `group "${ref.group}" is not a DNS-1123 subdomain (lowercase letters, digits, "-" and ".", e.g. karpenter.azure.com)`;
  }
  if (!KIND.test(ref.kind))
    return `kind "${ref.kind}" is not a Kind (a letter A-Z, then letters and digits, e.g. AKSNodeClass)`;
  if (!DNS_SUBDOMAIN.test(ref.name)) {
    return `name "${ref.name}" is not a DNS-1123 subdomain (lowercase letters, digits, "-" and ".", e.g. default)`;
  }
  return undefined;
}

/**
 * Parses `GROUP/KIND/NAME` (e.g. `karpenter.azure.com/AKSNodeClass/default`); throws an Error that says
 * which part is wrong.
 */
export function parseNodeClass(text: string): NodeClassRef {
  const parts = text.split('/');
  if (parts.length !== 3) {
    throw new Error(
      `"${text.slice(0, 300)}" is not GROUP/KIND/NAME (e.g. ${formatNodeClass(AKS_NODE_CLASS)} or ${formatNodeClass(KAITO_NODE_CLASS)})`,
    );
  }
  const [group, kind, name] = parts as [string, string, string];
  const ref = { group, kind, name };
  const problem = nodeClassProblem(ref);
  if (problem !== undefined) throw new Error(`${formatNodeClass(ref).slice(0, 300)}: ${problem}`);
  return ref;
}

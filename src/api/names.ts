import { MSG } from './messages';
import { error, ValidationError, type Problem } from './problems';
import { DNS1123_LABEL } from './schema';
import { quote } from './structural';

const LABEL = new RegExp(DNS1123_LABEL);

/** Whether `value` is a DNS-1123 label: at most 63 lower-case letters, digits and `-`, alphanumeric at both ends. */
export function isDnsLabel(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 63 && LABEL.test(value);
}

/**
 * The problem with `value` as a DNS-1123 label (an object or namespace name), or undefined when it is one.
 * Names reach node labels, DNS names and the pods' scripts, so anything else is refused, whatever its type.
 */
export function dnsLabelProblem(value: unknown, path: string): Problem | undefined {
  if (isDnsLabel(value)) return undefined;
  const shown = typeof value === 'string' ? JSON.stringify(value) : `a ${Array.isArray(value) ? 'list' : typeof value}`;
  return error(path, `${shown} ${MSG.nameDns1123Label}`);
}

/** Throws a {@link ValidationError} naming `path` unless `value` is a DNS-1123 label. */
export function assertDnsLabel(value: unknown, path: string, subject: string): void {
  const problem = dnsLabelProblem(value, path);
  if (problem !== undefined) throw new ValidationError([problem], subject);
}

const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Label prefixes the cluster keeps for itself: the kubelet, AKS and Karpenter refuse them on node pools. */
const CLUSTER_PREFIXES = [/(^|\.)kubernetes\.io\//, /(^|\.)k8s\.io\//, /(^|\.)kubernetes\.azure\.com\//];

/**
 * What is wrong with `key` as the key of a label a node pool puts on its nodes, or undefined: Kubernetes'
 * qualified-name rule, then the keys Kaito and the cluster reserve.
 */
export function nodeLabelKeyProblem(key: string, reservedByKaito: readonly string[]): string | undefined {
  const shown = quote(key);
  const slash = key.lastIndexOf('/');
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    return `label key ${shown}: the prefix must be a DNS subdomain`;
  }
  if (name.length > 63 || !LABEL_NAME.test(name)) {
    return `label key ${shown}: the name must be 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit`;
  }
  if (reservedByKaito.includes(key)) return `label key ${shown} is reserved by Kaito`;
  if (CLUSTER_PREFIXES.some((r) => r.test(key))) {
    return `label key ${shown} uses a prefix the cluster reserves (kubernetes.io, k8s.io, kubernetes.azure.com)`;
  }
  return undefined;
}

/** What is wrong with `value` as a label value, or undefined. */
export function labelValueProblem(value: unknown): string | undefined {
  if (typeof value === 'string' && (value === '' || (value.length <= 63 && LABEL_NAME.test(value)))) return undefined;
  const shown = typeof value === 'string' ? quote(value) : `a ${typeof value}`;
  return `label value ${shown} must be at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit`;
}

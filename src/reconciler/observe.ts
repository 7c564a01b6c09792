import type { NodeStatus, PodStatus } from 'kubernetes-types/core/v1';
import type { ObservedGpuNode } from '../plan/plan';

/*
 * Views of the objects the reconciler watches, read from their plain JSON. Only the fields decisions use;
 * anything missing reads as "not ready".
 */

/** A plain Kubernetes object as the API server returns it. */
export interface RawObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: {
    readonly name?: string;
    readonly namespace?: string;
    readonly uid?: string;
    readonly generation?: number;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
    readonly deletionTimestamp?: string;
    readonly finalizers?: readonly string[];
    readonly [key: string]: unknown;
  };
  readonly spec?: unknown;
  readonly status?: unknown;
  readonly [key: string]: unknown;
}

interface RawCondition {
  readonly type?: string;
  readonly status?: string;
  readonly reason?: string;
  readonly message?: string;
}

function conditionsOf(object: RawObject): readonly RawCondition[] {
  const status = object.status as { conditions?: RawCondition[] } | undefined;
  return Array.isArray(status?.conditions) ? status.conditions : [];
}

/** The condition of `type` in an object's status, if any. */
export function conditionOf(object: RawObject, type: string): RawCondition | undefined {
  return conditionsOf(object).find((c) => c.type === type);
}

/** A NodeClaim (or legacy Machine) and how far it got. */
export interface NodeClaimView {
  readonly name: string;
  readonly ready: boolean;
  readonly deleting: boolean;
  /** Name of the node it became, once registered. */
  readonly nodeName?: string;
  /** A provisioning failure the user must see (quota, capacity), from the first failed lifecycle condition. */
  readonly failure?: { readonly reason: string; readonly message: string };
}

/** Karpenter's lifecycle conditions, in order; the first False one explains a stuck claim. */
const LIFECYCLE = ['Launched', 'Registered', 'Initialized'];

/** What a NodeClaim or Machine says about its node. */
export function nodeClaimView(object: RawObject): NodeClaimView {
  const status = (object.status ?? {}) as { nodeName?: string };
  const ready =
    conditionOf(object, 'Ready')?.status === 'True' || conditionOf(object, 'MachineReady')?.status === 'True';
  let failure: NodeClaimView['failure'];
  for (const type of LIFECYCLE) {
    const c = conditionOf(object, type);
    if (c?.status === 'False' && c.reason !== 'AwaitingReconciliation') {
      failure = { reason: c.reason || `${type}Failed`, message: c.message || `${type} is False` };
      break;
    }
  }
  return {
    name: object.metadata?.name ?? '',
    ready,
    deleting: object.metadata?.deletionTimestamp !== undefined,
    ...(status.nodeName ? { nodeName: status.nodeName } : {}),
    ...(failure ? { failure } : {}),
  };
}

/** A node and what it offers. */
export interface NodeView {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly ready: boolean;
  /** `nvidia.com/gpu` capacity (0 until the device plugin reports it). */
  readonly gpus: number;
  /** GPUs as GPU Feature Discovery labels describe them, when it runs on the node. */
  readonly gpu?: ObservedGpuNode;
}

/** What a node offers: readiness, labels, GPUs. */
export function nodeView(object: RawObject): NodeView {
  const labels = object.metadata?.labels ?? {};
  const status = (object.status ?? {}) as NodeStatus;
  const gpus = Number(status.capacity?.['nvidia.com/gpu'] ?? 0) || 0;
  const count = Number(labels['nvidia.com/gpu.count']);
  const memoryMiB = Number(labels['nvidia.com/gpu.memory']);
  const major = labels['nvidia.com/cuda.compute.major'];
  const minor = labels['nvidia.com/cuda.compute.minor'];
  const gpu: ObservedGpuNode | undefined =
    count > 0 && memoryMiB > 0
      ? {
          gpuCount: count,
          // Kaito rounds GFD's MiB per GPU to whole GiB.
          gpuMemoryPerGpuGiB: Math.round(memoryMiB / 1024),
          ...(labels['nvidia.com/gpu.product'] ? { gpuModel: labels['nvidia.com/gpu.product'] } : {}),
          ...(major !== undefined && minor !== undefined ? { computeCapability: `${major}.${minor}` } : {}),
        }
      : undefined;
  return {
    name: object.metadata?.name ?? '',
    labels,
    ready: conditionOf(object, 'Ready')?.status === 'True',
    gpus,
    ...(gpu ? { gpu } : {}),
  };
}

/** Why a workload's pods are not running, as the condition reason Kaito uses, with the kubelet's message. */
export interface PodProblem {
  readonly reason: string;
  readonly message: string;
}

const IMAGE_PULL = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull']);

/** The first problem of a pod a user must see, or undefined when it is fine or just starting. */
export function podProblem(object: RawObject): PodProblem | undefined {
  const name = object.metadata?.name ?? 'pod';
  const status = (object.status ?? {}) as PodStatus;
  if (status.reason === 'Evicted') return { reason: 'PodEvicted', message: `${name}: ${status.message ?? 'evicted'}` };
  const scheduled = conditionOf(object, 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
    return { reason: 'Unschedulable', message: `${name}: ${scheduled.message ?? 'unschedulable'}` };
  }
  const containers = [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])];
  for (const c of containers) {
    const waiting = c.state?.waiting;
    const where = `${name}/${c.name ?? 'container'}`;
    if (waiting?.reason !== undefined && IMAGE_PULL.has(waiting.reason)) {
      return { reason: 'ImagePullError', message: `${where}: ${waiting.reason}: ${waiting.message ?? ''}`.trim() };
    }
    if (c.state?.terminated?.reason === 'OOMKilled' || c.lastState?.terminated?.reason === 'OOMKilled') {
      return { reason: 'ContainerOOMKilled', message: `${where}: OOMKilled (the container ran out of memory)` };
    }
    if (waiting?.reason === 'CrashLoopBackOff') {
      return {
        reason: 'ContainerCrashLoopBackOff',
        message: `${where}: CrashLoopBackOff after ${c.restartCount ?? 0} restarts: ${waiting.message ?? ''}`.trim(),
      };
    }
    if (waiting?.reason === 'CreateContainerConfigError' || waiting?.reason === 'CreateContainerError') {
      return { reason: 'ContainerStartError', message: `${where}: ${waiting.reason}: ${waiting.message ?? ''}`.trim() };
    }
  }
  return undefined;
}

import type { Workspace } from '../api/types';
import type { WorkspacePlan } from '../plan';
import { renderConfigMaps } from './configmaps';
import { renderInference } from './inference';
import { renderEgressPolicies } from './network';
import { renderMachines, renderNodeClaims, renderNodePool } from './nodes';
import type { KubeObject, RenderOptions } from './options';
import { renderServices } from './services';
import { renderTuningJob } from './tuning';

/**
 * Every object the reconciler creates for a workspace, in a stable order: generated ConfigMaps, Services,
 * the egress NetworkPolicy of a tuning pod, the workload (inference StatefulSet or tuning Job), then the
 * NodeClaims (or legacy Machines, or the NodePool) of its nodes.
 *
 * Pure and deterministic: the same workspace, plan and options give the same objects, byte for byte (no
 * timestamps, no randomness; node names derive from namespace, name and node index). Namespaced objects
 * go to the workspace's namespace, else `options.defaultNamespace`, else `default`; with `options.ownerUid`
 * they carry a controller owner reference to the Workspace. Node objects are cluster-scoped and unowned.
 */
export function renderWorkspace(ws: Workspace, plan: WorkspacePlan, options: RenderOptions = {}): KubeObject[] {
  const workload =
    ws.tuning !== undefined ? [renderTuningJob(ws, plan, options)] : [renderInference(ws, plan, options)];
  return [
    ...renderConfigMaps(ws, plan, options),
    ...renderServices(ws, plan, options),
    ...renderEgressPolicies(ws, plan, options),
    ...workload,
    ...renderNodeClaims(ws, plan, options),
    ...renderMachines(ws, plan, options),
    ...renderNodePool(ws, plan, options),
  ];
}

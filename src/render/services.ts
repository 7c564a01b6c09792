import type { Service } from 'kubernetes-types/core/v1';
import { ANNOTATION_ENABLE_LB, LABEL_WORKSPACE, type Workspace } from '../api/types';
import type { WorkspacePlan } from '../plan';
import {
  INFERENCE_PORT,
  KV_EVENTS_PORT,
  SERVICE_PORT,
  asKubeObject,
  childMetadata,
  renderContext,
  workspaceLabels,
  type RenderContext,
} from './labels';
import type { KubeObject, RenderOptions } from './options';

/** The label the StatefulSet controller puts on each pod with the pod's name. */
const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';

/** Whether the workspace asks for a LoadBalancer Service (`kaito.sh/enablelb: "True"`, as Kaito spells it). */
export function loadBalancerEnabled(ws: Workspace): boolean {
  return ws.metadata.annotations?.[ANNOTATION_ENABLE_LB]?.toLowerCase() === 'true';
}

/**
 * The main Service `<ws>`: port 80 (`http`) to the runtime's port 5000 on the leader pod `<ws>-0` only
 * (in a multi-node workspace only the leader serves HTTP), and for vLLM on a ClusterIP Service port 5557
 * (`kv-events`), vLLM's KV-cache event stream. ClusterIP, or LoadBalancer with
 * `kaito.sh/enablelb: "True"`. Addresses are published before the pods are ready, as Kaito does.
 * What the port answers, per runtime, is documented in ./inference.ts.
 */
function mainService(ctx: RenderContext): Service {
  const loadBalancer = loadBalancerEnabled(ctx.ws);
  // The KV-events stream is unauthenticated: published in the cluster only, never on a LoadBalancer.
  const kvEvents = !loadBalancer && ctx.plan.runtime === 'vllm';
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: childMetadata(ctx, ctx.name),
    spec: {
      type: loadBalancer ? 'LoadBalancer' : 'ClusterIP',
      selector: { [LABEL_WORKSPACE]: ctx.name, [POD_NAME_LABEL]: `${ctx.name}-0` },
      ports: [
        { name: 'http', protocol: 'TCP', port: SERVICE_PORT, targetPort: INFERENCE_PORT },
        ...(kvEvents ? [{ name: 'kv-events', protocol: 'TCP', port: KV_EVENTS_PORT, targetPort: KV_EVENTS_PORT }] : []),
      ],
      publishNotReadyAddresses: true,
    },
  };
}

/**
 * The headless Service `<ws>-headless` that gives each pod a stable DNS name
 * (`<ws>-0.<ws>-headless.<ns>.svc.cluster.local` is the Ray leader of a multi-node workspace).
 */
function headlessService(ctx: RenderContext): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: childMetadata(ctx, `${ctx.name}-headless`),
    spec: {
      clusterIP: 'None',
      selector: workspaceLabels(ctx),
      publishNotReadyAddresses: true,
    },
  };
}

/** The Services of an inference workspace (main, then headless); none for tuning. */
export function renderServices(ws: Workspace, plan: WorkspacePlan, options: RenderOptions = {}): KubeObject[] {
  if (ws.inference === undefined) return [];
  const ctx = renderContext(ws, plan, options);
  return [asKubeObject(mainService(ctx)), asKubeObject(headlessService(ctx))];
}

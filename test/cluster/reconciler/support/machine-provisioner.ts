import type { KubeApi } from '../../../../src/reconciler/http';
import { Informer } from '../../../../src/reconciler/informer';
import { silentLogger } from '../../../../src/reconciler/log';
import type { RawObject } from '../../../../src/reconciler/observe';
import { bringNode } from '../../control-plane/support';

/*
 * The provisioner of legacy Machines (karpenter.sh/v1alpha5), played by test code: no Karpenter that exists
 * today serves Machines. A Machine becomes a node that KWOK runs (the kubelet's part is real from there),
 * and the Machine is marked launched, registered, initialized and ready; a deleted Machine takes its node.
 */

const TERMINATION = 'karpenter.sh/termination';
const MERGE = 'application/merge-patch+json';
const at = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/** Plays the Machine provisioner for the workspaces of one namespace. */
export class PlayedMachineProvisioner {
  /** Errors while serving a Machine (tests expect none). */
  readonly errors: unknown[] = [];
  private readonly machines: Informer;
  private readonly started = new Set<string>();

  constructor(
    private readonly api: KubeApi,
    namespace: string,
  ) {
    this.machines = new Informer({
      api,
      name: 'machines',
      path: '/apis/karpenter.sh/v1alpha5/machines',
      labelSelector: `kaito.sh/workspacenamespace=${namespace}`,
      log: silentLogger,
      backoff: { initialMs: 100, maxMs: 1000 },
    });
    this.machines.onChange((type, machine) => {
      if (type !== 'delete') this.serve(machine).catch((e: unknown) => this.errors.push(e));
    });
  }

  async start(): Promise<void> {
    this.machines.start();
    await this.machines.waitForSync();
  }

  stop(): Promise<void> {
    return this.machines.stop();
  }

  private async serve(machine: RawObject): Promise<void> {
    const name = machine.metadata?.name ?? '';
    const path = `/apis/karpenter.sh/v1alpha5/machines/${name}`;
    const nodeName = `aks-${name}-vmss000000`;
    if (machine.metadata?.deletionTimestamp !== undefined) {
      if (!(machine.metadata.finalizers ?? []).includes(TERMINATION)) return;
      await this.api.request('DELETE', `/api/v1/nodes/${nodeName}`).catch(ignore(404));
      const finalizers = (machine.metadata.finalizers ?? []).filter((f) => f !== TERMINATION);
      const body = { metadata: { finalizers, resourceVersion: machine.metadata.resourceVersion } };
      await this.api.request('PATCH', path, { contentType: MERGE, body }).catch(ignore(404, 409));
      return;
    }
    if (this.started.has(name)) return;
    this.started.add(name);
    await this.api.request('PATCH', path, { contentType: MERGE, body: { metadata: { finalizers: [TERMINATION] } } });
    const requirements = (machine.spec as { requirements?: Array<{ key: string; values?: string[] }> } | undefined)
      ?.requirements;
    const instanceType = requirements?.find((r) => r.key === 'node.kubernetes.io/instance-type')?.values?.[0] ?? '';
    await bringNode(nodeName, {
      ...(machine.metadata?.labels ?? {}),
      'karpenter.sh/nodepool': 'kaito',
      'node.kubernetes.io/instance-type': instanceType,
    });
    const condition = (type: string) => ({ type, status: 'True', reason: type, message: '', lastTransitionTime: at() });
    const types = ['MachineLaunched', 'MachineRegistered', 'MachineInitialized', 'Ready'];
    await this.api.request('PATCH', `${path}/status`, {
      contentType: MERGE,
      body: { status: { nodeName, providerID: `kwok://${nodeName}`, conditions: types.map(condition) } },
    });
  }
}

function ignore(...statuses: number[]) {
  return (e: unknown) => {
    if (!statuses.includes((e as { status?: number }).status ?? 0)) throw e;
  };
}

import type { ProvisionerName } from '../../../src/reconciler/decide';
import type { RunningReconciler } from '../../../src/reconciler/manager';
import type { KubeObject } from '../support';
import {
  admin,
  bringNode,
  deleteNamespaceAndWait,
  installWorkspaceCrd,
  podsOf,
  startReconciler,
} from '../control-plane/support';
import {
  CapturedLog,
  adminApi,
  conditions,
  createNamespace,
  createWorkspace,
  installMachineCrd,
  nodeClaimNames,
  seed,
  waitForCondition,
  workspacePath,
} from './support/cluster';
import { PlayedMachineProvisioner } from './support/machine-provisioner';

/**
 * How nodes come to exist, on the whole control plane: bring-your-own nodes (nothing is provisioned; the
 * nodes the label selector matches count, and a node that becomes Ready wakes the workspace; the pods are
 * scheduled onto them), and legacy Machines (their provisioner played by the test).
 */

const running: Array<{ namespace: string; reconciler: RunningReconciler; log: CapturedLog }> = [];
const broughtNodes: string[] = [];

async function setUp(prefix: string, provisioner: ProvisionerName) {
  const namespace = await createNamespace(prefix);
  const log = new CapturedLog();
  const reconciler = await startReconciler(namespace, { provisioner, log: log.logger });
  running.push({ namespace, reconciler, log });
  return { namespace, reconciler };
}

/** A node as a cluster admin brings it, removed after the suite. */
async function byoNode(name: string, labels: Record<string, string>): Promise<void> {
  broughtNodes.push(name);
  await bringNode(name, labels);
}

beforeAll(() => installWorkspaceCrd());

afterAll(async () => {
  for (const { namespace, reconciler } of running) {
    await deleteNamespaceAndWait(namespace, reconciler);
    await reconciler.stop();
  }
  for (const node of broughtNodes) await admin.delete(`/api/v1/nodes/${node}`);
});

const workerNodes = async (namespace: string, name: string) =>
  (await admin.get<{ status: { workerNodes?: string[] } }>(workspacePath(namespace, name))).body.status.workerNodes;

test('--node-provisioner byo: no NodeClaims; a matching node that becomes Ready makes the workspace Ready, its pod runs there', async () => {
  const { namespace } = await setUp('rec-byo', 'byo');
  const pool = `${namespace}-pool`;
  const ws = seed('phi-3-mini-inference.yaml', 'byo');
  await createWorkspace(namespace, {
    ...ws,
    resource: { instanceType: 'Standard_NC6s_v3', labelSelector: { matchLabels: { pool } } },
  });
  const waiting = await waitForCondition(namespace, 'byo', 'ResourceReady', 'False');
  expect([waiting.reason, waiting.message]).toEqual([
    'workspaceResourceStatusNotReady',
    '0/1 ready nodes matching the label selector with enough GPUs',
  ]);

  await byoNode(`${namespace}-node`, { pool, 'node.kubernetes.io/instance-type': 'Standard_NC6s_v3' });
  await waitForCondition(namespace, 'byo', 'WorkspaceReady', 'True', undefined, 60_000);
  expect(await workerNodes(namespace, 'byo')).toEqual([`${namespace}-node`]);
  expect(await nodeClaimNames(namespace, 'byo')).toEqual([]);
  expect((await conditions(namespace, 'byo')).NodeClaimReady).toBeUndefined();
  expect((await podsOf(namespace, 'byo')).map((p) => [p.nodeName, p.phase, Object.values(p.gpus)])).toEqual([
    [`${namespace}-node`, 'Running', ['1']],
  ]);
});

test('no instance type: the nodes the selector matches, planned from their GPU Feature Discovery labels', async () => {
  const { namespace } = await setUp('rec-gfd', 'gpu-provisioner');
  const pool = `${namespace}-pool`;
  await byoNode(`${namespace}-v100`, {
    pool,
    'nvidia.com/gpu.count': '1',
    'nvidia.com/gpu.memory': '16384',
    'nvidia.com/gpu.product': 'Tesla-V100-PCIE-16GB',
    'nvidia.com/cuda.compute.major': '7',
    'nvidia.com/cuda.compute.minor': '0',
  });
  const ws: KubeObject = {
    apiVersion: 'kaito.sh/v1beta1',
    kind: 'Workspace',
    metadata: { name: 'gfd' },
    resource: { labelSelector: { matchLabels: { pool } } },
    inference: { preset: { name: 'phi-3-mini-4k-instruct' } },
  };
  await createWorkspace(namespace, ws);
  await waitForCondition(namespace, 'gfd', 'WorkspaceReady', 'True', undefined, 60_000);
  expect(await workerNodes(namespace, 'gfd')).toEqual([`${namespace}-v100`]);
  expect(await nodeClaimNames(namespace, 'gfd')).toEqual([]);
  expect((await podsOf(namespace, 'gfd')).map((p) => [p.nodeName, p.phase])).toEqual([
    [`${namespace}-v100`, 'Running'],
  ]);
});

test('--node-provisioner machine (Machines played by the test: no Karpenter serves v1alpha5): a legacy Machine per node, Ready when the Machine is', async () => {
  await installMachineCrd();
  const { namespace } = await setUp('rec-machine', 'machine');
  const provisioner = new PlayedMachineProvisioner(await adminApi(), namespace);
  await provisioner.start();
  try {
    await createWorkspace(namespace, seed('phi-3-mini-inference.yaml', 'legacy'));
    await waitForCondition(namespace, 'legacy', 'WorkspaceReady', 'True', undefined, 60_000);
    const machines = await nodeClaimNames(namespace, 'legacy', 'machines');
    expect(machines).toHaveLength(1);
    expect(await nodeClaimNames(namespace, 'legacy')).toEqual([]);
    const machine = await admin.get<{ spec: { machineTemplateRef: { name: string } } }>(
      `/apis/karpenter.sh/v1alpha5/machines/${machines[0]}`,
    );
    expect(machine.body.spec.machineTemplateRef.name).toBe(machines[0]);
    expect((await podsOf(namespace, 'legacy')).map((p) => [p.nodeName, p.phase])).toEqual([
      [`aks-${machines[0]}-vmss000000`, 'Running'],
    ]);
    // Deleting the workspace deletes the Machine; the played provisioner takes its node with it.
    await admin.delete(workspacePath(namespace, 'legacy'));
    await admin.waitFor(async () => (await nodeClaimNames(namespace, 'legacy', 'machines')).length === 0, 60_000);
    expect(provisioner.errors).toEqual([]);
  } finally {
    await provisioner.stop();
  }
  for (const { log } of running) expect(log.errors()).toEqual([]);
});

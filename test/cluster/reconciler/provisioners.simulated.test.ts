import type { ProvisionerName } from '../../../src/reconciler/decide';
import type { RunningReconciler } from '../../../src/reconciler/manager';
import type { KubeObject } from '../support';
import {
  CapturedLog,
  admin,
  adminApi,
  conditions,
  createNamespace,
  createWorkspace,
  installCrds,
  nodeClaimNames,
  seed,
  startInProcess,
  waitForCondition,
  workspacePath,
} from './support/cluster';
import { Simulator } from './support/simulator';

/**
 * How nodes come to exist: bring-your-own nodes (nothing is provisioned; the nodes the label selector
 * matches count, and a node that becomes Ready wakes the workspace), and legacy Machines.
 */

const running: Array<{ reconciler: RunningReconciler; simulator: Simulator; log: CapturedLog }> = [];

async function setUp(prefix: string, provisioner: ProvisionerName, claims?: 'machines') {
  const namespace = await createNamespace(prefix);
  const simulator = new Simulator({ api: await adminApi(), namespace, ...(claims ? { claims } : {}) });
  await simulator.start();
  const log = new CapturedLog();
  const reconciler = await startInProcess(namespace, { provisioner, log: log.logger });
  running.push({ reconciler, simulator, log });
  return { namespace, simulator, reconciler };
}

beforeAll(() => installCrds());

afterAll(async () => {
  for (const { reconciler, simulator } of running) {
    await reconciler.stop();
    await simulator.stop();
  }
});

/** A node as a cluster admin brings it: labelled, then made Ready with GPUs by its kubelet. */
async function byoNode(simulator: Simulator, name: string, labels: Record<string, string>): Promise<void> {
  await admin.create('/api/v1/nodes', { metadata: { name, labels: { 'kubernetes.io/os': 'linux', ...labels } } });
  await simulator.nodeReady(name);
}

const workerNodes = async (namespace: string, name: string) =>
  (await admin.get<{ status: { workerNodes?: string[] } }>(workspacePath(namespace, name))).body.status.workerNodes;

test('--node-provisioner byo: no NodeClaims; a matching node that becomes Ready makes the workspace Ready', async () => {
  const { namespace, simulator } = await setUp('rec-byo', 'byo');
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

  await byoNode(simulator, `${namespace}-node`, { pool, 'node.kubernetes.io/instance-type': 'Standard_NC6s_v3' });
  await waitForCondition(namespace, 'byo', 'WorkspaceReady', 'True');
  expect(await workerNodes(namespace, 'byo')).toEqual([`${namespace}-node`]);
  expect(await nodeClaimNames(namespace, 'byo')).toEqual([]);
  expect((await conditions(namespace, 'byo')).NodeClaimReady).toBeUndefined();
});

test('no instance type: the nodes the selector matches, planned from their GPU Feature Discovery labels', async () => {
  const { namespace, simulator } = await setUp('rec-gfd', 'gpu-provisioner');
  const pool = `${namespace}-pool`;
  await byoNode(simulator, `${namespace}-v100`, {
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
  await waitForCondition(namespace, 'gfd', 'WorkspaceReady', 'True');
  expect(await workerNodes(namespace, 'gfd')).toEqual([`${namespace}-v100`]);
  expect(await nodeClaimNames(namespace, 'gfd')).toEqual([]);
});

test('--node-provisioner machine: a legacy Machine per node, Ready when the Machine is', async () => {
  const { namespace } = await setUp('rec-machine', 'machine', 'machines');
  await createWorkspace(namespace, seed('phi-3-mini-inference.yaml', 'legacy'));
  await waitForCondition(namespace, 'legacy', 'WorkspaceReady', 'True');
  const machines = await nodeClaimNames(namespace, 'legacy', 'machines');
  expect(machines).toHaveLength(1);
  expect(await nodeClaimNames(namespace, 'legacy')).toEqual([]);
  const machine = await admin.get<{ spec: { machineTemplateRef: { name: string } } }>(
    `/apis/karpenter.sh/v1alpha5/machines/${machines[0]}`,
  );
  expect(machine.body.spec.machineTemplateRef.name).toBe(machines[0]);
  for (const { simulator, log } of running) {
    expect(simulator.errors).toEqual([]);
    expect(log.errors()).toEqual([]);
  }
});

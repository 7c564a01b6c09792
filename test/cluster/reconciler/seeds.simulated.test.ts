import { nodeClaimName } from '../../../src/render';
import type { Workspace } from '../../../src/api';
import type { RunningReconciler } from '../../../src/reconciler/manager';
import { admin } from './support/cluster';
import {
  SEEDS,
  adminApi,
  createNamespace,
  createWorkspace,
  installCrds,
  nodeClaimNames,
  seed,
  startInProcess,
  tableRow,
  waitForCondition,
  waitForEvent,
  workspacePath,
} from './support/cluster';
import { Simulator } from './support/simulator';

/** Every seed example, applied as users write it (kaito.sh/v1alpha1), reaches WorkspaceReady. */

let namespace: string;
let reconciler: RunningReconciler;
let simulator: Simulator;

beforeAll(async () => {
  await installCrds();
  namespace = await createNamespace('rec-seeds');
  simulator = new Simulator({ api: await adminApi(), namespace });
  await simulator.start();
  reconciler = await startInProcess(namespace);
});

afterAll(async () => {
  await reconciler?.stop();
  await simulator?.stop();
});

const nameOf = (file: string) => file.replace(/\.yaml$/, '');
const claimOf = (name: string) => nodeClaimName({ metadata: { name, namespace } } as Workspace, 0);

describe('seed examples on a real API server', () => {
  test.each(SEEDS)('%s reaches WorkspaceReady with one NodeClaim', async (file) => {
    const name = nameOf(file);
    await createWorkspace(namespace, seed(file, name));
    await waitForCondition(namespace, name, 'WorkspaceReady', 'True', undefined, 60_000);

    const row = await tableRow(namespace, name);
    const tuning = file.includes('tuning');
    expect([row.Name, row.Instance, row.ResourceReady, row.InferenceReady, row.WorkspaceReady]).toEqual([
      name,
      'Standard_NC6s_v3',
      'True',
      tuning ? null : 'True',
      'True',
    ]);
    expect(await nodeClaimNames(namespace, name)).toEqual([claimOf(name)]);

    const ws = await admin.get<{ metadata: { finalizers?: string[] }; status: { state: string } }>(
      workspacePath(namespace, name),
    );
    expect(ws.body.metadata.finalizers).toEqual(['workspace.finalizer.kaito.sh']);
    expect(ws.body.status.state).toBe(tuning ? 'Succeeded' : 'Ready');

    const workload = tuning
      ? await admin.get(`/apis/batch/v1/namespaces/${namespace}/jobs/${name}`)
      : await admin.get(`/apis/apps/v1/namespaces/${namespace}/statefulsets/${name}`);
    expect(workload.body.metadata?.labels?.['kaito.sh/workspace']).toBe(name);

    const created = { type: 'Normal', reason: 'NodeClaimCreated', message: `created NodeClaim ${claimOf(name)}` };
    await waitForEvent(namespace, name, created);
    const events = await waitForEvent(namespace, name, { reason: tuning ? 'workspaceSucceeded' : 'WorkspaceReady' });
    expect(events.filter((e) => e.type === 'Warning')).toEqual([]);
  });

  test('once converged, events that change nothing make no writes', async () => {
    const writes = await reconciler.metrics.writes();
    const reconciles = await reconciler.metrics.reconcileCount();
    // An annotation on each workspace and a label on a node: watched, reconciled, nothing to do.
    for (const file of SEEDS) {
      await admin.mergePatch(workspacePath(namespace, nameOf(file)), {
        metadata: { annotations: { 'example.com/touched': 'yes' } },
      });
    }
    await admin.waitFor(async () => (await reconciler.metrics.reconcileCount()) >= reconciles + SEEDS.length, 10_000);
    expect(await reconciler.metrics.writes()).toBe(writes);
    expect(simulator.errors).toEqual([]);
  });
});

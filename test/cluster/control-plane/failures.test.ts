import type { RunningReconciler } from '../../../src/reconciler/manager';
import { apiPath } from '../support';
import { conditions, createNamespace, createWorkspace, seed, waitForCondition } from '../reconciler/support/cluster';
import { admin, gone, installWorkspaceCrd, startReconciler } from './support';

/*
 * Workloads that fail on the real control plane: KWOK's fault stages (test/cluster/kwok/stages.yaml) make
 * the pods of workspaces named fault-crash-…, fault-pull-…, fault-oom-… and fault-fail-… crash-loop, fail to
 * pull, get OOM-killed or fail; the real StatefulSet and Job controllers carry that into their status, and
 * the reconciler reports it on the workspace with the pod and container names.
 */

let namespace: string;
let reconciler: RunningReconciler;

beforeAll(async () => {
  await installWorkspaceCrd();
  namespace = await createNamespace('cp-fail');
  reconciler = await startReconciler(namespace);
});

afterAll(async () => {
  try {
    await admin.delete(`/api/v1/namespaces/${namespace}`);
    await admin.waitFor(() => gone(`/api/v1/namespaces/${namespace}`), 120_000);
  } finally {
    await reconciler?.stop();
  }
});

/** The first container of the workspace's StatefulSet pod `<name>-0`. */
async function firstContainer(name: string): Promise<{ name: string; image: string }> {
  const pod = await admin.waitFor(
    () =>
      admin
        .get<{ spec: { containers: Array<{ name: string; image: string }> } }>(
          apiPath('v1', 'pods', { namespace, name: `${name}-0` }),
        )
        .then(
          (r) => r.body,
          () => undefined,
        ),
    60_000,
  );
  return pod.spec.containers[0]!;
}

test.each([
  [
    'fault-crash-phi',
    'ContainerCrashLoopBackOff',
    (pod: string, c: string) =>
      `${pod}/${c}: CrashLoopBackOff after 5 restarts: back-off 2m40s restarting failed container=${c} pod=${pod}`,
  ],
  [
    'fault-oom-phi',
    'ContainerOOMKilled',
    (pod: string, c: string) => `${pod}/${c}: OOMKilled (the container ran out of memory)`,
  ],
])('%s: InferenceReady and WorkspaceReady False with %s', async (name, reason, message) => {
  await createWorkspace(namespace, seed('phi-3-mini-inference.yaml', name));
  const container = await firstContainer(name);
  const failed = await waitForCondition(namespace, name, 'InferenceReady', 'False', reason, 90_000);
  expect(failed.message).toBe(message(`${name}-0`, container.name));
  const all = await conditions(namespace, name);
  expect([all.ResourceReady?.status, all.WorkspaceReady?.status, all.WorkspaceReady?.reason]).toEqual([
    'True',
    'False',
    reason,
  ]);
});

test('fault-pull-phi: an image that cannot be pulled is ImagePullError with the image', async () => {
  const name = 'fault-pull-phi';
  await createWorkspace(namespace, seed('phi-3-mini-inference.yaml', name));
  const container = await firstContainer(name);
  const failed = await waitForCondition(namespace, name, 'InferenceReady', 'False', 'ImagePullError', 90_000);
  expect(failed.message).toBe(
    `${name}-0/${container.name}: ImagePullBackOff: Back-off pulling image "${container.image}": not found`,
  );
});

test('fault-fail-tuning: the tuning pod fails, the Job fails (backoffLimit 0), the workspace is Failed', async () => {
  const name = 'fault-fail-tuning';
  await createWorkspace(namespace, seed('phi-3-mini-4k-qlora-tuning.yaml', name));
  const failed = await waitForCondition(namespace, name, 'WorkspaceSucceeded', 'False', 'workspaceFailed', 90_000);
  const job = await admin.get<{
    status: { failed?: number; conditions?: Array<{ type: string; status: string; message?: string }> };
  }>(apiPath('batch/v1', 'jobs', { namespace, name }));
  expect(job.body.status.failed).toBe(1);
  const jobFailed = job.body.status.conditions?.find((c) => c.type === 'Failed');
  expect(jobFailed?.status).toBe('True');
  expect(failed.message).toBe(jobFailed?.message);
  const ws = await admin.get<{ status: { state: string } }>(
    apiPath('kaito.sh/v1beta1', 'workspaces', { namespace, name }),
  );
  expect(ws.body.status.state).toBe('Failed');
});

import { PRIVILEGED_OPT_IN } from '../../../src/api';
import type { RunningReconciler } from '../../../src/reconciler/manager';
import { KubeApiError } from '../support';
import { deleteNamespaceAndWait, installWorkspaceCrd, startReconciler } from '../control-plane/support';
import { admin, createNamespace, createWorkspace, nodeClaimNames, waitForCondition } from './support/cluster';

/*
 * A workspace whose pod template Pod Security "baseline" refuses: the reconciler (creating pods with its own
 * rights) reports it and creates nothing, unless it was started with the installer's opt-in.
 */

let namespace: string;

beforeAll(async () => {
  await installWorkspaceCrd();
  namespace = await createNamespace('rec-podsec');
});

afterAll(async () => {
  // The allowed workspace's node is released by a reconciler that may act on it.
  const cleaner = await startReconciler(namespace, { allowPrivilegedTemplates: true });
  try {
    await deleteNamespaceAndWait(namespace, cleaner);
  } finally {
    await cleaner.stop();
  }
});

const privileged = (name: string) => ({
  apiVersion: 'kaito.sh/v1beta1',
  kind: 'Workspace',
  metadata: { name },
  resource: { instanceType: 'Standard_NC6s_v3', labelSelector: { matchLabels: { apps: name } } },
  inference: {
    template: {
      spec: {
        hostPID: true,
        serviceAccountName: 'kaito-reconciler',
        containers: [{ name: 'c', image: 'example.com/c:1', securityContext: { privileged: true } }],
        volumes: [{ name: 'root', hostPath: { path: '/' } }],
      },
    },
  },
});

const missing = (path: string) =>
  admin.get(path).then(
    () => false,
    (e: unknown) => e instanceof KubeApiError && e.status === 404,
  );

describe('a privileged template in the cluster', () => {
  let reconciler: RunningReconciler | undefined;
  afterEach(async () => {
    await reconciler?.stop();
    reconciler = undefined;
  });

  test('by default: stored, reported InvalidWorkspace with every field, no NodeClaim and no StatefulSet', async () => {
    reconciler = await startReconciler(namespace);
    await createWorkspace(namespace, privileged('priv'));
    const condition = await waitForCondition(namespace, 'priv', 'ResourceReady', 'False', 'InvalidWorkspace');
    expect(condition.message).toBe(
      [
        `inference.template.spec.hostPID: the host's PID namespace: ${PRIVILEGED_OPT_IN}`,
        `inference.template.spec.serviceAccountName: service account "kaito-reconciler": ${PRIVILEGED_OPT_IN}`,
        `inference.template.spec.volumes[0].hostPath: a hostPath volume: ${PRIVILEGED_OPT_IN}`,
        `inference.template.spec.containers[0].securityContext.privileged: a privileged container: ${PRIVILEGED_OPT_IN}`,
      ].join('; '),
    );
    expect(await nodeClaimNames(namespace, 'priv')).toEqual([]);
    expect(await missing(`/apis/apps/v1/namespaces/${namespace}/statefulsets/priv`)).toBe(true);
  });

  test('with --allow-privileged-templates: the reconciler provisions its nodes', async () => {
    reconciler = await startReconciler(namespace, { allowPrivilegedTemplates: true });
    await createWorkspace(namespace, privileged('allowed'));
    await admin.waitFor(async () => (await nodeClaimNames(namespace, 'allowed')).length === 1, 30_000);
  });
});

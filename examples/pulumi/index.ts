/*
 * The program `pulumi up` runs (Pulumi.yaml at the repository root): on an existing AKS cluster, a GPU node
 * pool, the operator, and the seed manifests' Phi-3 workspaces (test/fixtures/seed/) running on that pool.
 *
 *   pulumi config set resourceGroupName <group>
 *   pulumi config set clusterName <cluster>
 *   pulumi config set --secret kubeconfig "$(cat kubeconfig)"   # optional: else the cluster's user credentials
 *   pulumi up
 */
import * as pulumi from '@pulumi/pulumi';
import * as k8s from '@pulumi/kubernetes';
import * as containerservice from '@pulumi/azure-native/containerservice';
import { GpuNodePool, InferenceService, KaitoOperator, TuningJob } from '../../src/pulumi';

const config = new pulumi.Config();
const resourceGroupName = config.require('resourceGroupName');
const clusterName = config.require('clusterName');

// The cluster's credentials: the `kubeconfig` setting, else the cluster user's kubeconfig from Azure.
const kubeconfig =
  config.getSecret('kubeconfig') ??
  pulumi.secret(
    containerservice
      .listManagedClusterUserCredentialsOutput({ resourceGroupName, resourceName: clusterName })
      .apply((c) => Buffer.from(c.kubeconfigs?.[0]?.value ?? '', 'base64').toString('utf8')),
  );
const cluster = new k8s.Provider('aks', { kubeconfig });

// The seed manifests' instance type: Standard_NC6s_v3, one 16 GiB V100 per node; one node per workspace.
const pool = new GpuNodePool('gpu', {
  resourceGroupName,
  clusterName,
  vmSize: 'Standard_NC6s_v3',
  count: config.getNumber('gpuNodes') ?? 2,
});

// The reconciler; workspaces on the pool bring their own nodes, so it provisions none.
const operator = new KaitoOperator('kaito', { nodeProvisioner: 'byo' }, { provider: cluster });

// test/fixtures/seed/phi-3-mini-inference.yaml, on the pool.
const phi3 = new InferenceService(
  'phi-3-mini',
  { metadata: { name: 'workspace-phi-3-mini' }, preset: 'phi-3-mini-4k-instruct' },
  { provider: cluster, nodePool: pool, operator },
);

// test/fixtures/seed/phi-3-mini-128k-qlora-tuning.yaml, on the pool; the adapter is pushed to
// `tuningOutputImage` with the push secret `tuningPushSecret` (the seed's placeholders by default).
const tuning = new TuningJob(
  'tuning-phi-3',
  {
    metadata: { name: 'workspace-tuning-phi-3' },
    preset: 'phi-3-mini-128k-instruct',
    method: 'qlora',
    input: {
      urls: [
        'https://huggingface.co/datasets/philschmid/dolly-15k-oai-style/resolve/main/data/train-00000-of-00001-54e3756291ca09c6.parquet?download=true',
      ],
    },
    output: {
      image: config.get('tuningOutputImage') ?? 'ACR_REPO_HERE.azurecr.io/IMAGE_NAME_HERE:0.0.1',
      imagePushSecret: config.get('tuningPushSecret') ?? 'ACR_REGISTRY_SECRET_HERE',
    },
  },
  { provider: cluster, nodePool: pool, operator },
);

export const agentPoolName = pool.name;
export const inferenceUrl = phi3.url;
export const tuningWorkspace = tuning.name;

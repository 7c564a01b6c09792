/*
 * The example app `npm run synth` (cdk8s synth) runs: the operator, two GPU node pools and the workloads of
 * the seed manifests (test/fixtures/seed/), into dist/*.k8s.yaml.
 *
 * - Phi-3 inference and the Phi-3 QLoRA tuning job use the intent-level constructs in direct mode: no
 *   operator needed, the objects it would create are in the output.
 * - Phi-3 with an adapter adopts the seed manifest as it is, as a Workspace for the operator.
 */
import { join } from 'node:path';
import { App, Chart } from 'cdk8s';
import { GpuNodePool, InferenceService, KaitoOperator, KaitoWorkspace, TuningJob } from '../../src/cdk8s';

const SEED = join(__dirname, '..', '..', 'test', 'fixtures', 'seed');

/** Declares the example's charts in `app`. */
export function declare(app: App): void {
  const platform = new Chart(app, 'kaito-operator');
  const operator = new KaitoOperator(platform, 'operator');

  const nodes = new Chart(app, 'gpu-nodes');
  // An AKS node pool of V100 nodes (through Azure Service Operator) for serving Phi-3.
  const servingPool = new GpuNodePool(nodes, 'phi3', {
    provider: 'aso',
    clusterName: 'kaito-aks',
    vmSize: 'Standard_NC6s_v3',
    count: 1,
    nodeLabels: { apps: 'phi-3' },
  });
  // Karpenter launches one node of the same type when the tuning job is pending.
  const tuningPool = new GpuNodePool(nodes, 'tuning-phi-3', {
    provider: 'karpenter',
    vmSize: 'Standard_NC6s_v3',
    count: 1,
    nodeLabels: { app: 'tuning-phi-3' },
  });

  const workloads = new Chart(app, 'phi-3');
  workloads.addDependency(nodes);

  // test/fixtures/seed/phi-3-mini-inference.yaml, served without the operator.
  new InferenceService(workloads, 'phi-3-mini', {
    metadata: { name: 'workspace-phi-3-mini' },
    preset: 'phi-3-mini-4k-instruct',
    instanceType: 'Standard_NC6s_v3',
    labelSelector: { matchLabels: { ...servingPool.nodeLabels } },
    mode: 'direct',
  });

  // test/fixtures/seed/phi-3-mini-inference-with-adapters.yaml, adopted as is (kaito.sh/v1alpha1 -> v1beta1).
  KaitoWorkspace.fromYaml(workloads, 'phi-3-mini-adapter', join(SEED, 'phi-3-mini-inference-with-adapters.yaml'), {
    operator,
  });

  // test/fixtures/seed/phi-3-mini-128k-qlora-tuning.yaml, run without the operator.
  new TuningJob(workloads, 'tuning-phi-3', {
    metadata: { name: 'workspace-tuning-phi-3' },
    preset: 'phi-3-mini-128k-instruct',
    method: 'qlora',
    instanceType: 'Standard_NC6s_v3',
    labelSelector: { matchLabels: { ...tuningPool.nodeLabels } },
    input: {
      urls: [
        'https://huggingface.co/datasets/philschmid/dolly-15k-oai-style/resolve/main/data/train-00000-of-00001-54e3756291ca09c6.parquet?download=true',
      ],
    },
    output: { image: 'ACR_REPO_HERE.azurecr.io/IMAGE_NAME_HERE:0.0.1', imagePushSecret: 'ACR_REGISTRY_SECRET_HERE' },
    mode: 'direct',
  });
}

if (require.main === module) {
  const app = new App();
  declare(app);
  app.synth();
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Intent, PoolProps } from './faces';

/*
 * The parity table: intents (valid and invalid, every intent-level rule) that the cdk8s construct, the Pulumi
 * component and the CLI must answer alike. `valid` lists the objects (kind/namespace/name) each face declares;
 * `errors` the exact [path, message] of each error.
 */

export interface ParityCase {
  readonly name: string;
  readonly intent: Intent;
  readonly valid?: readonly string[];
  readonly errors?: ReadonlyArray<readonly [string, string]>;
}

const phi = { metadata: { name: 'phi' }, preset: 'phi-3-mini-4k-instruct' } as const;
const onNc6 = { ...phi, instanceType: 'Standard_NC6s_v3' } as const;
const v100Pool: PoolProps = { name: 'gpu', vmSize: 'Standard_NC6s_v3', count: 1, nodeLabels: { team: 'ml' } };
const a100Pool: PoolProps = { name: 'a100', vmSize: 'Standard_NC24ads_A100_v4', count: 1 };
const tune = {
  metadata: { name: 'tune' },
  preset: 'phi-3-mini-128k-instruct',
  method: 'qlora',
  input: { urls: ['https://example.com/data/train.parquet'] },
  output: { image: 'myacr.azurecr.io/adapters/phi-3:1', imagePushSecret: 'acr-push' },
} as const;
const pool = { vmSize: 'Standard_NC6s_v3', name: 'gpu' } as const;

const inference = (props: Record<string, unknown>, onPool?: PoolProps): Intent => ({
  kind: 'InferenceService',
  props,
  ...(onPool === undefined ? {} : { pool: onPool }),
});
const tuning = (props: Record<string, unknown>, onPool?: PoolProps): Intent => ({
  kind: 'TuningJob',
  props,
  ...(onPool === undefined ? {} : { pool: onPool }),
});
const nodePool = (props: Record<string, unknown>): Intent => ({ kind: 'GpuNodePool', props });
const operator = (props: Record<string, unknown>): Intent => ({ kind: 'KaitoOperator', props });

const SEED = join(__dirname, '..', '..', 'fixtures', 'seed');
const seedText = readFileSync(join(SEED, 'phi-3-mini-inference.yaml'), 'utf8');
const exported = `${JSON.stringify(
  {
    apiVersion: 'kaito.sh/v1beta1',
    kind: 'Workspace',
    metadata: {
      name: 'exported',
      namespace: 'ml',
      uid: '0b6c3f8e-4c1e-4c2f-9a55-0d3e1d1f2a3b',
      resourceVersion: '4711',
      generation: 3,
      creationTimestamp: '2026-01-01T00:00:00Z',
      managedFields: [{ manager: 'kubectl', operation: 'Apply' }],
      finalizers: ['workspace.finalizer.kaito.sh'],
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
    },
    resource: { instanceType: 'Standard_NC6s_v3', labelSelector: { matchLabels: { apps: 'phi-3' } } },
    inference: { preset: { name: 'phi-3-mini-4k-instruct' } },
    status: { conditions: [] },
  },
  null,
  2,
)}\n`;

const OPERATOR_OBJECTS = [
  'Namespace//kaito-system',
  'CustomResourceDefinition//workspaces.kaito.sh',
  'CustomResourceDefinition//kaitocatalogs.kaito.sh',
  'ServiceAccount/kaito-system/kaito-reconciler',
  'ClusterRole//kaito-reconciler',
  'ClusterRoleBinding//kaito-reconciler',
  'Role/kaito-system/kaito-reconciler-leader-election',
  'RoleBinding/kaito-system/kaito-reconciler-leader-election',
  'Deployment/kaito-system/kaito-reconciler',
  'Service/kaito-system/kaito-reconciler-metrics',
  'KaitoCatalog//default',
  'ValidatingAdmissionPolicy//kaito-workspace-rules',
  'ValidatingAdmissionPolicyBinding//kaito-workspace-rules',
];
const DIRECT_PHI = [
  'ConfigMap/default/phi-inference-config',
  'Service/default/phi',
  'Service/default/phi-headless',
  'StatefulSet/default/phi',
];

export const CASES: readonly ParityCase[] = [
  // InferenceService: valid
  { name: 'inference on an instance type', intent: inference(onNc6), valid: ['Workspace/default/phi'] },
  {
    name: 'inference with runtime, load balancer, labels, annotations and a namespace',
    intent: inference({
      ...onNc6,
      metadata: { name: 'phi', namespace: 'ml', labels: { team: 'ml' }, annotations: { note: 'x' } },
      runtime: 'transformers',
      loadBalancer: true,
    }),
    valid: ['Workspace/ml/phi'],
  },
  {
    name: 'inference in direct mode on labelled nodes of an instance type',
    intent: inference({ ...onNc6, mode: 'direct', labelSelector: { matchLabels: { apps: 'phi-3' } } }),
    valid: DIRECT_PHI,
  },
  {
    name: 'inference in direct mode on bring-your-own nodes',
    intent: inference({ ...phi, mode: 'direct', labelSelector: { matchLabels: { apps: 'phi-3' } } }),
    valid: DIRECT_PHI,
  },
  { name: 'inference on a node pool', intent: inference(phi, v100Pool), valid: ['Workspace/default/phi'] },
  {
    name: 'inference on a node pool, direct mode',
    intent: inference({ ...phi, mode: 'direct' }, v100Pool),
    valid: DIRECT_PHI,
  },
  {
    name: 'inference with an adapter at strength 1.0 and a config map',
    intent: inference({
      ...onNc6,
      config: 'my-config',
      adapters: [{ source: { name: 'sql', image: 'myacr.azurecr.io/sql:1' }, strength: '1.0' }],
    }),
    valid: ['Workspace/default/phi'],
  },
  {
    name: 'inference with an explicit count that fits',
    intent: inference({ ...onNc6, count: 1 }),
    valid: ['Workspace/default/phi'],
  },
  {
    name: 'a gated model with its access secret',
    intent: inference({
      metadata: { name: 'llama' },
      preset: 'llama-3.1-8b-instruct',
      instanceType: 'Standard_NC24ads_A100_v4',
      modelAccessSecret: 'hf-token',
    }),
    valid: ['Workspace/default/llama'],
  },
  // InferenceService: invalid
  {
    name: 'an unknown preset',
    intent: inference({ ...onNc6, preset: 'phi-3-mini-4k-instrukt' }),
    errors: [
      [
        'preset',
        'unknown preset "phi-3-mini-4k-instrukt". Did you mean "phi-3-mini-4k-instruct", "phi-3-mini-128k-instruct", "phi-3-medium-4k-instruct"? Use a registered preset (kaito presets lists them), a Hugging Face ID (org/model), or register the model with registerPreset()',
      ],
    ],
  },
  {
    name: 'nowhere to run',
    intent: inference(phi),
    errors: [
      [
        'instanceType',
        'say where to run: instanceType (nodes the operator provisions), nodePool (a GpuNodePool) or labelSelector (your own GPU nodes)',
      ],
    ],
  },
  {
    name: 'an instance type and a node pool',
    intent: inference({ ...onNc6 }, v100Pool),
    errors: [['instanceType', 'set either instanceType or nodePool, not both']],
  },
  {
    name: 'a label selector and a node pool',
    intent: inference({ ...phi, labelSelector: { matchLabels: { a: 'b' } } }, v100Pool),
    errors: [['labelSelector', "the node pool's labels select its nodes: set either labelSelector or nodePool"]],
  },
  {
    name: 'direct mode on an instance type alone',
    intent: inference({ ...onNc6, mode: 'direct' }),
    errors: [
      [
        'labelSelector',
        'direct mode provisions no nodes: give nodePool, or labelSelector of your GPU nodes (for instance { matchLabels: { "node.kubernetes.io/instance-type": "Standard_NC6s_v3" } })',
      ],
    ],
  },
  {
    name: 'llama-3.3-70b on a 1-node pool',
    intent: inference(
      { metadata: { name: 'big' }, preset: 'llama-3.3-70b-instruct', modelAccessSecret: 'hf' },
      a100Pool,
    ),
    errors: [
      [
        'nodePool',
        'llama-3.3-70b-instruct needs 3 nodes of Standard_NC24ads_A100_v4 (176.52 GiB of GPU memory); node pool "a100" has at most 1',
      ],
    ],
  },
  {
    name: 'an explicit count over the pool size',
    intent: inference({ ...phi, count: 2 }, v100Pool),
    errors: [['count', '2 nodes, but node pool "gpu" has at most 1']],
  },
  {
    name: 'a count over 1000',
    intent: inference({ ...onNc6, count: 100000 }),
    errors: [['count', 'must be less than or equal to 1000, got 100000']],
  },
  {
    name: 'a count too small for the model',
    intent: inference({ ...onNc6, preset: 'phi-4', count: 1 }),
    errors: [
      [
        'count',
        'phi-4 needs 43.5 GiB of GPU memory; count 1 gives 16 GiB (1 x 16 GiB); it needs 3 nodes. Instance types that fit on one node: Standard_NV72ads_A10_v5, Standard_NC24ads_A100_v4, Standard_NC40ads_H100_v5',
      ],
    ],
  },
  {
    name: 'a model too big for the instance type',
    intent: inference({ ...onNc6, preset: 'phi-3-medium-128k-instruct', runtime: 'transformers' }),
    errors: [
      [
        'instanceType',
        'phi-3-medium-128k-instruct needs 28.82 GiB of GPU memory on one node with the transformers runtime, which cannot span nodes; Standard_NC6s_v3 has 16 GiB. Instance types that fit: Standard_NV72ads_A10_v5, Standard_NC24ads_A100_v4, Standard_NC40ads_H100_v5',
      ],
    ],
  },
  {
    name: 'a name that is no DNS label',
    intent: inference({ ...onNc6, metadata: { name: 'Phi_3' } }),
    errors: [
      [
        'metadata.name',
        '"Phi_3" must be a DNS-1123 label: at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit',
      ],
    ],
  },
  {
    name: 'a namespace that is no DNS label',
    intent: inference({ ...onNc6, metadata: { name: 'phi', namespace: 'Bad NS' } }),
    errors: [
      [
        'metadata.namespace',
        '"Bad NS" must be a DNS-1123 label: at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit',
      ],
    ],
  },
  {
    name: 'an unknown mode',
    intent: inference({ ...onNc6, mode: 'sideways' }),
    errors: [['mode', '"sideways" is not one of operator, direct']],
  },
  {
    name: 'an unknown runtime',
    intent: inference({ ...onNc6, runtime: 'tgi' }),
    errors: [['runtime', 'unsupported value "tgi": supported values: "vllm", "transformers"']],
  },
  {
    name: 'an adapter strength on vLLM',
    intent: inference({ ...onNc6, adapters: [{ source: { name: 'a', image: 'r.io/a:1' }, strength: '0.5' }] }),
    errors: [
      [
        'adapters[0].strength',
        'adapter strength other than "1.0" needs the transformers runtime (annotation kaito.sh/runtime: transformers); vLLM does not support adapter strength: it applies every adapter at full strength, so only "1.0" is accepted with it',
      ],
    ],
  },
  {
    name: 'an adapter without a source',
    intent: inference({ ...onNc6, adapters: [{ source: { name: 'a' } }] }),
    errors: [['adapters[0].source', 'an adapter needs source.name and one of source.image or source.volumeSource']],
  },
  {
    name: 'a gated model without its secret',
    intent: inference({ ...phi, preset: 'llama-3.1-8b-instruct', instanceType: 'Standard_NC24ads_A100_v4' }),
    errors: [
      ['modelAccessSecret', 'model "llama-3.1-8b-instruct" is gated on Hugging Face: name a Secret with key HF_TOKEN'],
    ],
  },
  {
    name: 'an unknown instance type',
    intent: inference({ ...onNc6, instanceType: 'Standard_NC6s_v4' }),
    errors: [
      [
        'instanceType',
        'unknown instance type "Standard_NC6s_v4". Did you mean "Standard_NC6s_v3", "Standard_NC12s_v3", "Standard_NC24s_v3"? kaito skus lists every known one; register it with registerSku(), or add the annotation kaito.sh/bypass-resource-checks to skip the GPU checks',
      ],
    ],
  },
  {
    name: 'a label that is not a string',
    intent: inference({ ...onNc6, metadata: { name: 'phi', labels: { team: 1 } } }),
    errors: [['metadata.labels.team', 'must be of type string, got integer 1 (quote it: "1")']],
  },
  {
    name: 'a selector of reserved keys only',
    intent: inference({ ...onNc6, labelSelector: { matchLabels: { 'kaito.sh/workspace': 'x' } } }),
    errors: [['labelSelector.matchLabels', 'must contain at least one label whose key is not reserved by Kaito']],
  },
  // TuningJob
  {
    name: 'tuning on an instance type',
    intent: tuning({ ...tune, instanceType: 'Standard_NC6s_v3' }),
    valid: ['Workspace/default/tune'],
  },
  {
    name: 'tuning on a node pool, direct mode',
    intent: tuning({ ...tune, mode: 'direct' }, v100Pool),
    valid: ['ConfigMap/default/tune-training-config', 'NetworkPolicy/default/tune-egress', 'Job/default/tune'],
  },
  {
    name: 'tuning data from the metadata service',
    intent: tuning({ ...tune, instanceType: 'Standard_NC6s_v3', input: { urls: ['http://169.254.169.254/latest'] } }),
    errors: [
      [
        'input.urls[0]',
        '"http://169.254.169.254/latest" must not point at localhost, a cluster-internal name (a single label, .svc, .local, .internal), a wildcard-DNS name holding an address, or a loopback, link-local, private or cloud metadata address',
      ],
    ],
  },
  {
    name: 'an output image without a push secret',
    intent: tuning({ ...tune, instanceType: 'Standard_NC6s_v3', output: { image: 'myacr.azurecr.io/out:1' } }),
    errors: [['output.imagePushSecret', 'imagePushSecret is required when image is set']],
  },
  {
    name: 'two inputs',
    intent: tuning({
      ...tune,
      instanceType: 'Standard_NC6s_v3',
      input: { urls: ['https://example.com/a.parquet'], image: 'myacr.azurecr.io/data:1' },
    }),
    errors: [['input', 'exactly one of urls, image or volumeSource must be set']],
  },
  {
    name: 'an untunable preset',
    intent: tuning({ ...tune, instanceType: 'Standard_NC6s_v3', preset: 'falcon-40b-instruct' }),
    errors: [
      [
        'preset',
        'model "falcon-40b-instruct" cannot be fine-tuned; tunable models: phi-4, phi-4-mini-instruct, phi-3-mini-4k-instruct, phi-3-mini-128k-instruct, phi-3-medium-4k-instruct, phi-3-medium-128k-instruct, phi-3.5-mini-instruct, qwen2.5-coder-7b-instruct, qwen2.5-coder-32b-instruct, mistral-7b, falcon-7b, falcon-40b, phi-2',
      ],
    ],
  },
  {
    name: 'an unknown method',
    intent: tuning({ ...tune, instanceType: 'Standard_NC6s_v3', method: 'full' }),
    errors: [['method', 'unsupported value "full": supported values: "lora", "qlora"']],
  },
  // GpuNodePool (AKS agent pools: what every face can declare)
  {
    name: 'a fixed pool with labels and taints',
    intent: nodePool({ ...pool, count: 2, nodeLabels: { team: 'ml' }, nodeTaints: ['dedicated=ml:NoExecute'] }),
    valid: ['ManagedClustersAgentPool/default/gpu'],
  },
  {
    name: 'an autoscaled pool from zero',
    intent: nodePool({
      ...pool,
      vmSize: 'Standard_NC24ads_A100_v4',
      minCount: 0,
      maxCount: 3,
      gpuInstanceProfile: 'MIG1g',
    }),
    valid: ['ManagedClustersAgentPool/default/gpu'],
  },
  {
    name: 'a pool of count 0',
    intent: nodePool({ ...pool, count: 0 }),
    errors: [
      [
        'count',
        '0 is not a whole number between 1 and 1000 (for a pool that scales to zero, set minCount 0 and maxCount)',
      ],
    ],
  },
  {
    name: 'minCount above maxCount',
    intent: nodePool({ ...pool, minCount: 3, maxCount: 2 }),
    errors: [['minCount', '3 is greater than maxCount 2']],
  },
  {
    name: 'minCount without maxCount',
    intent: nodePool({ ...pool, minCount: 1 }),
    errors: [['maxCount', 'set minCount and maxCount together']],
  },
  {
    name: 'a node label key the cluster reserves',
    intent: nodePool({ ...pool, nodeLabels: { 'kubernetes.azure.com/mode': 'user' } }),
    errors: [
      [
        'nodeLabels[kubernetes.azure.com/mode]',
        'label key "kubernetes.azure.com/mode" uses a prefix the cluster reserves (kubernetes.io, k8s.io, kubernetes.azure.com)',
      ],
    ],
  },
  {
    name: 'an invalid node label key',
    intent: nodePool({ ...pool, nodeLabels: { 'bad key': 'x' } }),
    errors: [
      [
        'nodeLabels[bad key]',
        "label key \"bad key\": the name must be 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
      ],
    ],
  },
  {
    name: 'a node label key Kaito reserves',
    intent: nodePool({ ...pool, nodeLabels: { 'kaito.sh/workspace': 'x' } }),
    errors: [['nodeLabels[kaito.sh/workspace]', 'label key "kaito.sh/workspace" is reserved by Kaito']],
  },
  {
    name: 'a malformed taint',
    intent: nodePool({ ...pool, nodeTaints: ['gpu'] }),
    errors: [
      ['nodeTaints[0]', '"gpu" is not a taint key=value:Effect (Effect: NoSchedule, PreferNoSchedule or NoExecute)'],
    ],
  },
  {
    name: 'a pool name AKS refuses',
    intent: nodePool({ ...pool, name: 'gpu-pool' }),
    errors: [
      ['name', '"gpu-pool" must be 1-12 lower-case letters and digits, starting with a letter, as AKS requires'],
    ],
  },
  {
    name: 'a VM size without GPUs',
    intent: nodePool({ ...pool, vmSize: 'Standard_D4s_v3' }),
    errors: [
      [
        'vmSize',
        '"Standard_D4s_v3" is not an Azure NVIDIA GPU VM size in the catalog. Did you mean "Standard_NC24s_v3", "Standard_NC6s_v3", "Standard_NV24s_v3"? The catalog knows 26 such sizes (kaito skus, or defaultSkus.list()); register another with registerSku()',
      ],
    ],
  },
  {
    name: 'MIG on a V100',
    intent: nodePool({ ...pool, gpuInstanceProfile: 'MIG1g' }),
    errors: [['gpuInstanceProfile', 'Standard_NC6s_v3 has NVIDIA V100 GPUs, which do not support MIG']],
  },
  {
    name: 'a Windows image',
    intent: nodePool({ ...pool, osSKU: 'Windows2022' }),
    errors: [['osSKU', '"Windows2022" is not one of Ubuntu, Ubuntu2204, AzureLinux, AzureLinux3, CBLMariner']],
  },
  {
    name: 'an empty cluster name',
    intent: nodePool({ ...pool, clusterName: '' }),
    errors: [['clusterName', 'required: the name of the AKS cluster (ManagedCluster) that owns the pool']],
  },
  // KaitoOperator
  { name: 'the default operator', intent: operator({}), valid: OPERATOR_OBJECTS },
  {
    name: 'an operator with options',
    intent: operator({ namespace: 'ai-ops', replicas: 2, nodeProvisioner: 'karpenter', devicePlugin: true }),
    valid: [
      ...OPERATOR_OBJECTS.map((id) => id.replace('kaito-system', 'ai-ops')),
      'DaemonSet/kube-system/nvidia-device-plugin-daemonset',
    ],
  },
  {
    name: 'an operator of one NodePool per workspace, on the kwok node class',
    intent: operator({
      nodeProvisioner: 'karpenter-nodepool',
      nodeClass: { group: 'karpenter.kwok.sh', kind: 'KWOKNodeClass', name: 'default' },
    }),
    valid: OPERATOR_OBJECTS,
  },
  {
    name: 'too many replicas',
    intent: operator({ replicas: 11 }),
    errors: [['replicas', '11 is not a whole number between 0 and 10']],
  },
  {
    name: 'an operator namespace that is no DNS label',
    intent: operator({ namespace: 'Kaito' }),
    errors: [
      [
        'namespace',
        '"Kaito" must be a DNS-1123 label: at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit',
      ],
    ],
  },
  {
    name: 'a watched namespace that is no DNS label',
    intent: operator({ watchNamespace: 'Team A' }),
    errors: [
      [
        'watchNamespace',
        '"Team A" must be a DNS-1123 label: at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit',
      ],
    ],
  },
  {
    name: 'an unknown node provisioner',
    intent: operator({ nodeProvisioner: 'nap' }),
    errors: [['nodeProvisioner', '"nap" is not one of gpu-provisioner, karpenter, machine, karpenter-nodepool, byo']],
  },
  {
    name: 'a node class that is no reference',
    intent: operator({ nodeClass: { group: 'karpenter.azure.com', kind: 'aksnodeclass', name: 'default' } }),
    errors: [
      ['nodeClass', 'kind "aksnodeclass" is not a Kind (a letter A-Z, then letters and digits, e.g. AKSNodeClass)'],
    ],
  },
  // Adopting a manifest
  {
    name: 'adopting a v1alpha1 seed manifest',
    intent: { kind: 'fromYaml', props: { text: seedText } },
    valid: ['Workspace/default/workspace-phi-3-mini'],
  },
  {
    name: 'adopting a manifest exported from a cluster',
    intent: { kind: 'fromYaml', props: { text: exported } },
    valid: ['Workspace/ml/exported'],
  },
  {
    name: 'adopting an invalid manifest',
    intent: { kind: 'fromYaml', props: { text: seedText.replace('phi-3-mini-4k-instruct', 'phi-9') } },
    errors: [
      [
        'inference.preset.name',
        'unknown preset "phi-9". Did you mean "phi-2", "phi-4"? Use a registered preset (kaito presets lists them), a Hugging Face ID (org/model), or register the model with registerPreset()',
      ],
    ],
  },
];

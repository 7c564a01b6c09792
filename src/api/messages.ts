/*
 * Messages shared by the TypeScript validator and the CRD's CEL rules, so that `kaito validate`,
 * the constructs and the API server say the same thing about the same mistake.
 */
export const MSG = {
  inferenceXorTuning: 'exactly one of inference or tuning must be set',
  presetXorTemplate: 'exactly one of preset or template must be set',
  nameDns1123Label:
    'must be a DNS-1123 label: at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit',
  inferenceNameLength:
    'an inference workspace name must be at most 52 characters: it names the StatefulSet, whose pods get the label controller-revision-hash "<name>-<hash of up to 10 characters>" (at most 63), and the "<name>-headless" Service',
  inferenceNameLetter:
    'an inference workspace name must start with a letter: it names the Services, and Service names are DNS-1035 labels',
  adapterName:
    'must be a DNS-1123 label of at most 56 characters (lower-case letters, digits and "-"); it also names the puller-<name> init container',
  adaptersUnique: 'adapter names must be unique',
  adapterSourceRequired: 'an adapter needs source.name and one of source.image or source.volumeSource',
  adapterUrls: 'adapters cannot be downloaded from urls; use source.image or source.volumeSource',
  strengthRange: 'strength must be a number between 0 and 1, written as a string such as "0.5"',
  strengthVllm:
    'adapter strength other than "1.0" needs the transformers runtime (annotation kaito.sh/runtime: transformers); vLLM does not support adapter strength: it applies every adapter at full strength, so only "1.0" is accepted with it',
  strengthVllmFull:
    'Kaito rejects any adapter strength with vLLM; "1.0" is accepted here because it is what vLLM applies anyway, so manifests that set it keep working',
  inputExactlyOne: 'exactly one of urls, image or volumeSource must be set',
  outputExactlyOne: 'exactly one of image or volumeSource must be set',
  imagePushSecret: 'imagePushSecret is required when image is set',
  urlScheme: 'must be an http or https URL',
  urlSyntax:
    'must be a plain ASCII URL: a host of letters, digits, "-" and "." or a bracketed IPv6 address, an optional port, and only URL characters (no spaces, backslashes, non-ASCII or percent-encoded hosts)',
  urlHost:
    'must not point at localhost, a cluster-internal name (a single label, .svc, .local, .internal), a wildcard-DNS name holding an address, or a loopback, link-local, private or cloud metadata address',
  reservedSelector: 'must contain at least one label whose key is not reserved by Kaito',
  immutable: 'field is immutable',
  privateImage: 'is required when accessMode is private',
  partitionByo: 'needs bring-your-own nodes: remove resource.instanceType',
  migProfile: 'mode mig needs profile, a MIG profile such as "1g.10gb" or "2g.24gb", and no count',
  acceleratorCount: 'mode accelerator needs count (the whole GPUs to allocate) and no profile',
  imageReference: 'is not a valid image reference',
  tuningPreset: 'tuning needs a preset',
  tuningCount: 'tuning runs on a single node; count must be 1',
  tuningPartition: 'partition is not supported for tuning',
} as const;

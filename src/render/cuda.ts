import type { Container, Volume, VolumeMount } from 'kubernetes-types/core/v1';
import type { RenderContext } from './labels';

/** Where the CUDA toolkit of the models that JIT-compile with nvcc lives in the pod (Kaito's path). */
export const CUDA_HOME = '/opt/kaito/cuda/129';
const CUDA_VOLUME = 'cuda-toolkit';
/** Room for the JIT subset of CUDA 12.9 (nvcc, runtime headers and libraries, NVRTC, CCCL; about 1.2 GiB). */
const CUDA_VOLUME_LIMIT = '4Gi';

export const needsCudaToolkit = (ctx: RenderContext): boolean =>
  ctx.plan.runtime === 'vllm' && ctx.preset?.requiresCudaToolkit === true;

/**
 * The CUDA toolkit of the models that JIT-compile kernels with nvcc (DeepGEMM, FlashInfer's CUTLASS MoE): the
 * base image's provisioning script installs it into a volume the server mounts read-only as CUDA_HOME. Kaito
 * shares one install per node through a hostPath; here it is an emptyDir per pod, so the pod stays within Pod
 * Security "baseline" and never writes to the node. The script runs apt and dpkg, so the provisioner keeps the
 * few baseline capabilities they need; the directory is a positional argument, never script text.
 */
export function cudaToolkit(ctx: RenderContext): { init: Container; volume: Volume; mount: VolumeMount } | undefined {
  if (!needsCudaToolkit(ctx)) return undefined;
  return {
    init: {
      name: 'cuda-toolkit-provisioner',
      image: ctx.baseImage,
      command: ['/bin/sh', '-c', 'flock "$1" /workspace/cuda-provision.sh "$1"', 'sh', CUDA_HOME],
      volumeMounts: [{ name: CUDA_VOLUME, mountPath: CUDA_HOME }],
      securityContext: {
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'], add: ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'SETGID', 'SETUID'] },
        seccompProfile: { type: 'RuntimeDefault' },
      },
    },
    volume: { name: CUDA_VOLUME, emptyDir: { sizeLimit: CUDA_VOLUME_LIMIT } },
    mount: { name: CUDA_VOLUME, mountPath: CUDA_HOME, readOnly: true },
  };
}

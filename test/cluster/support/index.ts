export * from './kubeconfig';
export * from './kube-client';
export * from './objects';

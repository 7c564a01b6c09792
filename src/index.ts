/*
 * kaito-constructs core: the Workspace API, the model and GPU catalogs, the planner and the renderers.
 * Pure: no cdk8s, Pulumi, Kubernetes client, network or file system.
 */
export * from './api';
export * from './catalog';
export * from './plan';
export * from './render';

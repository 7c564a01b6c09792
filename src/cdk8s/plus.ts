/*
 * The one place that names the cdk8s-plus line this face is built on: moving to a newer line
 * (cdk8s-plus-3x) changes this import and the peer dependency, nothing else.
 */
import * as kplus from 'cdk8s-plus-28';

export { kplus };

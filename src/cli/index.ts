export { runCli, HELP } from './run';
export type { CliIo } from './io';

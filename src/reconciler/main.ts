#!/usr/bin/env node
import { parseFlags, UsageError, USAGE, type ReconcilerFlags } from './flags';
import { jsonLogger } from './log';
import { startReconciler, type RunningReconciler } from './manager';

/*
 * The `kaito-reconciler` command. Exit codes: 0 after SIGTERM or SIGINT (work finished, lease released),
 * 1 when it cannot start or loses the leader lease, 2 for a usage error.
 */

async function main(argv: readonly string[]): Promise<number> {
  let flags: ReconcilerFlags;
  try {
    flags = parseFlags(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`kaito-reconciler: ${e.message}\n\n${USAGE}`);
    return 2;
  }
  if (flags.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const log = jsonLogger({ level: flags.logLevel });
  let reconciler: RunningReconciler;
  try {
    reconciler = await startReconciler({
      provisioner: flags.nodeProvisioner,
      concurrency: flags.concurrency,
      metricsBindAddress: flags.metricsBindAddress,
      healthProbeBindAddress: flags.healthProbeBindAddress,
      watchIdleTimeoutMs: flags.watchIdleTimeoutMs,
      log,
      ...(flags.kubeconfig !== undefined ? { kubeconfig: flags.kubeconfig } : {}),
      ...(flags.namespace !== undefined ? { namespace: flags.namespace } : {}),
      ...(flags.registry !== undefined ? { registry: flags.registry } : {}),
      ...(flags.nodeClass !== undefined ? { nodeClass: flags.nodeClass } : {}),
      ...(flags.allowPrivilegedTemplates ? { allowPrivilegedTemplates: true } : {}),
      ...(flags.leaderElect && flags.leaderElectionNamespace
        ? {
            leaderElection: {
              namespace: flags.leaderElectionNamespace,
              name: flags.leaderElectionId,
              leaseDurationMs: flags.leaseDurationMs,
              renewDeadlineMs: flags.renewDeadlineMs,
              retryPeriodMs: flags.retryPeriodMs,
            },
          }
        : {}),
    });
  } catch (e) {
    log.error('could not start', { error: e });
    return 1;
  }
  log.info('serving', {
    ...(reconciler.healthPort !== undefined ? { healthPort: reconciler.healthPort } : {}),
    ...(reconciler.metricsPort !== undefined ? { metricsPort: reconciler.metricsPort } : {}),
  });
  return new Promise<number>((resolve) => {
    const shutdown = (signal: string) => {
      log.info('signal received', { signal });
      reconciler.stop().then(
        () => resolve(0),
        (e: unknown) => {
          log.error('stop failed', { error: e });
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
    void reconciler.done.then(async (how) => {
      if (how !== 'lost') return;
      log.error('leader lease lost: exiting so that a fresh process can compete for it');
      await reconciler.stop().catch(() => undefined);
      resolve(1);
    });
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Open sockets of the client are closed by stop(); exit does not wait for stragglers.
    setImmediate(() => process.exit(code));
  },
  (e: unknown) => {
    process.stderr.write(`kaito-reconciler: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);

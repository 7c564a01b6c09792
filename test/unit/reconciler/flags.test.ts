import { parseDuration, parseFlags, UsageError } from '../../../src/reconciler/flags';
import { listen, parseBindAddress } from '../../../src/reconciler/server';

describe('kaito-reconciler flags', () => {
  test('defaults: the operator bundle passes only what differs', () => {
    expect(parseFlags([], {})).toEqual({
      help: false,
      leaderElect: false,
      leaderElectionId: 'kaito-reconciler',
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      metricsBindAddress: '127.0.0.1:8080',
      healthProbeBindAddress: ':8081',
      nodeProvisioner: 'gpu-provisioner',
      nodeClass: { group: 'kaito.sh', kind: 'KaitoNodeClass', name: 'default' },
      concurrency: 10,
      watchIdleTimeoutMs: 150_000,
      logLevel: 'info',
      allowPrivilegedTemplates: false,
    });
  });

  test.each([
    [['--node-provisioner=gpu-provisioner'], { group: 'kaito.sh', kind: 'KaitoNodeClass', name: 'default' }],
    [['--node-provisioner=karpenter'], { group: 'karpenter.azure.com', kind: 'AKSNodeClass', name: 'default' }],
    [
      ['--node-provisioner=karpenter', '--node-class=karpenter.k8s.aws/EC2NodeClass/gpu'],
      { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'gpu' },
    ],
    [
      ['--node-class', 'karpenter.kwok.sh/KWOKNodeClass/default'],
      { group: 'karpenter.kwok.sh', kind: 'KWOKNodeClass', name: 'default' },
    ],
  ])('%j: node class %j', (argv, nodeClass) => {
    expect(parseFlags(argv, {}).nodeClass).toEqual(nodeClass);
  });

  test.each([
    [
      'karpenter.azure.com/AKSNodeClass',
      '--node-class: "karpenter.azure.com/AKSNodeClass" is not GROUP/KIND/NAME (e.g. karpenter.azure.com/AKSNodeClass/default or kaito.sh/KaitoNodeClass/default)',
    ],
    [
      'Karpenter.Azure.com/AKSNodeClass/default',
      '--node-class: Karpenter.Azure.com/AKSNodeClass/default: group "Karpenter.Azure.com" is not a DNS-1123 subdomain (lowercase letters, digits, "-" and ".", e.g. karpenter.azure.com)',
    ],
    [
      'karpenter.azure.com/aksNodeClass/default',
      '--node-class: karpenter.azure.com/aksNodeClass/default: kind "aksNodeClass" is not a Kind (a letter A-Z, then letters and digits, e.g. AKSNodeClass)',
    ],
    [
      'karpenter.azure.com/AKSNodeClass/Default_1',
      '--node-class: karpenter.azure.com/AKSNodeClass/Default_1: name "Default_1" is not a DNS-1123 subdomain (lowercase letters, digits, "-" and ".", e.g. default)',
    ],
  ])('--node-class %s is refused: %s', (value, message) => {
    expect(() => parseFlags([`--node-class=${value}`], {})).toThrow(new UsageError(message));
  });

  test('the bundle Deployment args, with POD_NAMESPACE as the lease namespace', () => {
    const flags = parseFlags(
      ['--leader-elect', '--metrics-bind-address=:8080', '--health-probe-bind-address=:8081', '--node-provisioner=byo'],
      { POD_NAMESPACE: 'kaito-system' },
    );
    expect([flags.leaderElect, flags.leaderElectionNamespace, flags.nodeProvisioner]).toEqual([
      true,
      'kaito-system',
      'byo',
    ]);
  });

  test.each([
    [['--kubeconfig', '/k', '--namespace=ns'], { kubeconfig: '/k', namespace: 'ns' }],
    [
      ['--concurrency', '12', '--registry=example.azurecr.io/kaito'],
      { concurrency: 12, registry: 'example.azurecr.io/kaito' },
    ],
    [['--leader-elect=false'], { leaderElect: false }],
    [
      ['--leader-elect', '--leader-election-namespace=ops', '--leader-elect-lease-duration=40s'],
      { leaderElect: true, leaderElectionNamespace: 'ops', leaseDurationMs: 40_000 },
    ],
    [
      ['--leader-elect-retry-period=500ms', '--watch-idle-timeout=2m'],
      { retryPeriodMs: 500, watchIdleTimeoutMs: 120_000 },
    ],
    [['-h'], { help: true }],
    [['--help'], { help: true }],
    [['--log-level', 'debug', '--metrics-bind-address=0'], { logLevel: 'debug', metricsBindAddress: '0' }],
  ])('%j', (argv, expected) => {
    expect(parseFlags(argv, {})).toMatchObject(expected);
  });

  test.each([
    [['--bogus'], 'unknown flag --bogus'],
    [['positional'], 'unexpected argument "positional"'],
    [['--namespace'], '--namespace needs a value'],
    [
      ['--node-provisioner=azure'],
      '--node-provisioner must be one of gpu-provisioner, karpenter, machine, karpenter-nodepool, byo, not "azure"',
    ],
    [['--concurrency=0'], '--concurrency must be a whole number of at least 1, not "0"'],
    [['--concurrency=two'], '--concurrency must be a whole number of at least 1, not "two"'],
    [['--leader-elect'], '--leader-elect needs --leader-election-namespace or $POD_NAMESPACE'],
    [['--leader-elect=yes'], '--leader-elect takes true or false, not "yes"'],
    [['--leader-elect-lease-duration=15'], '"15" is not a duration like 15s, 500ms or 2m'],
    [['--leader-elect-renew-deadline=20s'], 'leader election needs lease duration > renew deadline > retry period > 0'],
    [
      ['--metrics-bind-address=8080'],
      '--metrics-bind-address: "8080" is not an address like :8080, 127.0.0.1:8080 or 0',
    ],
    [['--log-level=warn'], '--log-level must be one of debug, info, error, not "warn"'],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parseFlags(argv, {})).toThrow(new UsageError(message));
  });

  test.each([
    ['15s', 15_000],
    ['500ms', 500],
    ['2m', 120_000],
    ['1m30s', 90_000],
    ['1h', 3_600_000],
    ['1.5s', 1500],
  ])('duration %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  test.each([
    [':8080', { port: 8080 }],
    ['127.0.0.1:0', { host: '127.0.0.1', port: 0 }],
    ['[::1]:9090', { host: '::1', port: 9090 }],
    ['0.0.0.0:8081', { host: '0.0.0.0', port: 8081 }],
    ['0', undefined],
  ])('bind address %s', (text, expected) => {
    expect(parseBindAddress(text)).toEqual(expected);
  });

  test.each(['8080', 'localhost', ':99999', ':'])('bind address %s is refused', (text) => {
    expect(() => parseBindAddress(text)).toThrow('is not an address');
  });
});

test('/metrics listens on loopback only unless told otherwise (it has no authentication)', async () => {
  const address = parseBindAddress(parseFlags([]).metricsBindAddress);
  expect(address).toEqual({ host: '127.0.0.1', port: 8080 });
  const server = await listen({ ...address!, port: 0 }, async () => ({ status: 200, type: 'text/plain', body: '' }));
  try {
    expect((server.server.address() as { address: string }).address).toBe('127.0.0.1');
  } finally {
    await server.close();
  }
});

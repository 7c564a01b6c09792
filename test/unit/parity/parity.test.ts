import { CASES } from './cases';
import { agentPoolOf, viaCdk8s, viaCli, viaPulumi, type Answer } from './faces';

/*
 * One behaviour across faces: each intent of the table goes through the cdk8s construct, the Pulumi
 * component (under mocks) and the CLI. They must give the same accept or reject, the same field paths and
 * messages (the table's), and for valid intents the same objects (the table names them).
 */

const ids = (objects: readonly unknown[]): string[] =>
  (objects as Array<{ kind: string; metadata: { name: string; namespace?: string } }>).map(
    (o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`,
  );

// Warnings (the tuning seeds' placeholder image) are logged by Pulumi; not what this table looks at.
beforeAll(() => jest.spyOn(console, 'warn').mockImplementation(() => undefined));
afterAll(() => jest.restoreAllMocks());

test('the table has at least 40 cases, valid and invalid, of every construct', () => {
  expect(CASES.length).toBeGreaterThanOrEqual(40);
  for (const kind of ['InferenceService', 'TuningJob', 'GpuNodePool', 'KaitoOperator', 'fromYaml']) {
    const of = CASES.filter((c) => c.intent.kind === kind);
    expect([kind, of.some((c) => c.valid), of.some((c) => c.errors)]).toEqual([kind, true, true]);
  }
  expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
});

describe.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
  let answers: { cdk8s: Answer; pulumi: Answer; cli: Answer };

  beforeAll(async () => {
    answers = { cdk8s: viaCdk8s(c.intent), pulumi: await viaPulumi(c.intent), cli: viaCli(c.intent) };
  });

  if (c.errors !== undefined) {
    test('every face rejects it with the same paths and messages', () => {
      const expected = { ok: false, errors: c.errors };
      expect(answers).toEqual({ cdk8s: expected, pulumi: expected, cli: expected });
    });
  } else {
    test('every face accepts it and declares the same objects', () => {
      const { cdk8s, pulumi, cli } = answers;
      expect([cdk8s.ok, pulumi.ok, cli.ok]).toEqual([true, true, true]);
      if (!cdk8s.ok || !pulumi.ok || !cli.ok) return;
      expect(ids(cdk8s.objects)).toEqual(c.valid);
      expect(cli.objects).toEqual(cdk8s.objects);
      if (c.intent.kind === 'GpuNodePool') {
        // Pulumi declares an azure-native AgentPool: the same AKS fields as the ASO object's spec.
        expect(pulumi.objects).toEqual([agentPoolOf(cdk8s.objects)]);
        expect(agentPoolOf(cli.objects)).toEqual(agentPoolOf(cdk8s.objects));
      } else {
        expect(pulumi.objects).toEqual(cdk8s.objects);
      }
    });
  }
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../../src/cli/run';
import { KaitoWorkspace } from '../../../src/pulumi';
import { runProgram } from './harness';

/* fromYaml of a file that carries ConfigMaps, Secrets or PVCs beside its Workspace: all of it is declared. */

const fixture = (name: string) => join(__dirname, '..', '..', 'fixtures', 'multi-doc', name);

function kaitoRender(file: string): Array<Record<string, unknown> & { kind: string; metadata: { name: string } }> {
  let out = '';
  const code = runCli(['render', file, '-o', 'json'], {
    readFile: (p) => readFileSync(p, 'utf8'),
    readStdin: () => '',
    stdout: (t) => (out += t),
    stderr: () => undefined,
  });
  expect(code).toBe(0);
  return (JSON.parse(out) as { items: ReturnType<typeof kaitoRender> }).items;
}

/** Pulumi's marker of a secret value in registered inputs (@pulumi/kubernetes marks Secret data secret). */
const SECRET_SIG = '4dabf18193072939515e22adb298388d';

/** The inputs with each secret value replaced by the value, and whether any was secret. */
function unsecret(value: unknown, found: { secret: boolean }): unknown {
  if (Array.isArray(value)) return value.map((v) => unsecret(v, found));
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  if (record[SECRET_SIG] !== undefined) {
    found.secret = true;
    return unsecret(record.value, found);
  }
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, unsecret(v, found)]));
}

describe('KaitoWorkspace.fromYaml on multi-document files', () => {
  test.each(['custom-config.yaml', 'gated-with-secret.yaml', 'tuning-pvc.yaml'])(
    '%s declares the companions as kaito render prints them, and the Workspace after them',
    async (file) => {
      const { graph } = await runProgram(() => KaitoWorkspace.fromYaml('w', readFileSync(fixture(file), 'utf8')));
      const printed = kaitoRender(fixture(file)).filter((o) => o.kind !== 'Workspace');
      const declared = printed.map((o) => graph.get(`w-${o.kind.toLowerCase()}-${o.metadata.name}`));
      const found = { secret: false };
      expect(declared.map((r) => unsecret(r.inputs, found))).toEqual(printed);
      // A Secret's data stays secret in the stack.
      expect(found.secret).toBe(printed.some((o) => o.kind === 'Secret'));
      expect(declared.map((r) => r.type)).toEqual(printed.map((o) => `kubernetes:core/v1:${o.kind}`));
      const [workspace] = graph.ofType('kubernetes:kaito.sh/v1beta1:Workspace');
      expect(graph.dependencyNames(workspace)).toEqual(declared.map((r) => r.name).sort());
    },
  );
});

import { join } from 'node:path';
import { KaitoWorkspace } from '../../../src/cdk8s';
import { chart, kaitoRender, synth } from './helpers';

/* fromYaml of a file that carries ConfigMaps, Secrets or PVCs beside its Workspace: all of it is kept. */

const fixture = (name: string) => join(__dirname, '..', '..', 'fixtures', 'multi-doc', name);

describe('KaitoWorkspace.fromYaml on multi-document files', () => {
  test.each(['custom-config.yaml', 'gated-with-secret.yaml', 'tuning-pvc.yaml'])(
    '%s synthesizes exactly what kaito render prints, companions first',
    (file) => {
      const c = chart('team-b');
      const ws = KaitoWorkspace.fromYaml(c, 'w', fixture(file));
      const manifests = synth(c);
      const rendered = kaitoRender(['--namespace', 'team-b', fixture(file)]);
      const byKey = (o: { kind: string; metadata: { name: string } }) => `${o.kind}/${o.metadata.name}`;
      expect([...manifests].sort((a, b) => byKey(a).localeCompare(byKey(b)))).toEqual(
        [...rendered].sort((a, b) => byKey(a).localeCompare(byKey(b))),
      );
      expect(manifests.at(-1)?.kind).toBe('Workspace');
      expect(ws.companions.map((o) => `${o.kind}/${o.name}`)).toEqual(
        rendered.filter((o) => o.kind !== 'Workspace').map(byKey),
      );
    },
  );

  test('a companion keeps its own namespace', () => {
    const c = chart('team-b');
    KaitoWorkspace.fromYaml(c, 'w', fixture('gated-with-secret.yaml'));
    expect(synth(c).map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      'Secret/team-a/hf-token',
      'Workspace/team-a/workspace-llama',
    ]);
  });
});

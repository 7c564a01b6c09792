import { parseWorkspace, parseWorkspaces, validateWorkspace, ValidationError } from '../../src/api';

const v1alpha1 = `# a comment before the document
apiVersion: kaito.sh/v1alpha1
kind: Workspace
metadata:
  name: ws-a # trailing comment
resource:
  labelSelector:
    matchLabels:
      apps: a
inference:
  preset:
    name: PHI-3-MINI-4K-INSTRUCT
`;

describe('parseWorkspace', () => {
  test('v1alpha1 becomes the v1beta1 model with the v1alpha1 instanceType default made explicit', () => {
    expect(parseWorkspace(v1alpha1)).toEqual({
      apiVersion: 'kaito.sh/v1beta1',
      kind: 'Workspace',
      metadata: { name: 'ws-a' },
      resource: { labelSelector: { matchLabels: { apps: 'a' } }, instanceType: 'Standard_NC24ads_A100_v4' },
      inference: { preset: { name: 'PHI-3-MINI-4K-INSTRUCT' } },
    });
  });

  test('v1beta1 without instanceType stays bring-your-own', () => {
    const ws = parseWorkspace(v1alpha1.replace('v1alpha1', 'v1beta1'));
    expect(ws.resource.instanceType).toBeUndefined();
  });

  test('JSON text and plain objects are accepted', () => {
    const object = {
      apiVersion: 'kaito.sh/v1beta1',
      kind: 'Workspace',
      metadata: { name: 'j' },
      resource: { instanceType: 'Standard_NC6s_v3', labelSelector: { matchLabels: { a: 'b' } } },
      inference: { preset: { name: 'microsoft/Phi-3-mini-4k-instruct' } },
    };
    expect(parseWorkspace(JSON.stringify(object))).toEqual(object);
    expect(parseWorkspace(object)).toEqual(object);
  });

  test('multi-document YAML gives every workspace, skipping empty documents', () => {
    const text = `---\n${v1alpha1}---\n---\n${v1alpha1.replace('ws-a', 'ws-b')}`;
    expect(parseWorkspaces(text).map((w) => w.metadata.name)).toEqual(['ws-a', 'ws-b']);
    expect(() => parseWorkspace(text)).toThrow('expected exactly one Workspace, found 2');
  });

  test('unknown fields are kept, with a warning', () => {
    const text = v1alpha1.replace('inference:\n', 'inference:\n  futureField: 3\n');
    expect(parseWorkspace(text).inference).toEqual({ futureField: 3, preset: { name: 'PHI-3-MINI-4K-INSTRUCT' } });
    expect(validateWorkspace(text)).toEqual([
      { path: 'inference.futureField', message: 'unknown field; the API server drops it', severity: 'warning' },
    ]);
  });

  test('every problem is reported at once', () => {
    const text = v1alpha1.replace('name: ws-a', 'name: WS_A').replace('PHI-3-MINI-4K-INSTRUCT', 'nope');
    let caught: unknown;
    try {
      parseWorkspace(text);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    expect((caught as ValidationError).problems.map((p) => p.path)).toEqual(['metadata.name', 'inference.preset.name']);
    expect((caught as ValidationError).message).toBe(
      'Workspace is invalid:\n' +
        '  metadata.name: "WS_A" must be a DNS-1123 label: at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit\n' +
        '  inference.preset.name: unknown preset "nope". Use a registered preset (kaito presets lists them), a Hugging Face ID (org/model), or register the model with registerPreset()',
    );
  });

  test('preset lookup suggests close names', () => {
    const problems = validateWorkspace(v1alpha1.replace('PHI-3-MINI-4K-INSTRUCT', 'phi-3-mini-4k-instruc'));
    expect(problems[0].message).toBe(
      'unknown preset "phi-3-mini-4k-instruc". Did you mean "phi-3-mini-4k-instruct", "phi-3-mini-128k-instruct", "phi-3-medium-4k-instruct"? Use a registered preset (kaito presets lists them), a Hugging Face ID (org/model), or register the model with registerPreset()',
    );
  });
});

describe('the names an inference workspace becomes', () => {
  const tuning = (name: string) => `apiVersion: kaito.sh/v1beta1
kind: Workspace
metadata:
  name: ${name}
resource:
  instanceType: Standard_NC24ads_A100_v4
  labelSelector:
    matchLabels:
      apps: a
tuning:
  preset:
    name: phi-3-mini-128k-instruct
  method: qlora
  input:
    urls: ["https://example.com/data.parquet"]
  output:
    volumeSource:
      emptyDir: {}
`;
  const inference = (name: string) => v1alpha1.replace('name: ws-a # trailing comment', `name: ${name}`);
  const messages = (text: string) => {
    try {
      parseWorkspace(text);
      return [];
    } catch (e) {
      return (e as ValidationError).problems.map((p) => `${p.path}: ${p.message}`);
    }
  };

  test('at most 52 characters and a leading letter for inference; a tuning workspace keeps the DNS-1123 rule', () => {
    expect(messages(inference('a'.repeat(52)))).toEqual([]);
    expect(messages(inference('a'.repeat(53)))).toEqual([
      'metadata.name: an inference workspace name must be at most 52 characters: it names the StatefulSet, whose pods get the label controller-revision-hash "<name>-<hash of up to 10 characters>" (at most 63), and the "<name>-headless" Service',
    ]);
    expect(messages(inference('7b-chat'))).toEqual([
      'metadata.name: an inference workspace name must start with a letter: it names the Services, and Service names are DNS-1035 labels',
    ]);
    expect(messages(tuning('a'.repeat(63)))).toEqual([]);
    expect(messages(tuning('7b-tune'))).toEqual([]);
  });
});

import { Synthesizer, mergeOrder } from '../../../scripts/chart/synthesize';

test('mergeOrder keeps the order of every list, first appearance breaking ties', () => {
  expect(mergeOrder([['a', 'c'], ['a', 'b', 'c'], ['c', 'd'], ['a', 'e']])).toEqual(['a', 'b', 'c', 'd', 'e']);
  expect(mergeOrder([['a', 'x'], ['a', 'y', 'x']])).toEqual(['a', 'y', 'x']);
});

test('mergeOrder: lists that disagree have no order', () => {
  expect(mergeOrder([['a', 'b'], ['b', 'a']])).toBeUndefined();
});

describe('Synthesizer', () => {
  const synth = new Synthesizer(
    [
      { values: ['x', 'y', 'z'], expr: '.Values.p' },
      { values: [false, true], expr: '.Values.on' },
    ],
    [{ sentinel: 'SENT', expr: '.Values.name' }],
  );

  test('combinations: every value of every choice, the defaults first', () => {
    expect(synth.combinations).toEqual([
      ['x', false],
      ['x', true],
      ['y', false],
      ['y', true],
      ['z', false],
      ['z', true],
    ]);
  });

  test('conditions use only the choices that tell the groups apart', () => {
    const all = [0, 1, 2, 3, 4, 5];
    expect(synth.condition([1, 3, 5], all)).toBe('.Values.on');
    expect(synth.condition([0, 2, 4], all)).toBe('not .Values.on');
    expect(synth.condition([2, 3], all)).toBe('eq .Values.p "y"');
    expect(synth.condition([0, 1, 4, 5], all)).toBe('has .Values.p (list "x" "z")');
    expect(synth.condition([5], all)).toBe('and (eq .Values.p "z") .Values.on');
    expect(synth.condition([0, 5], all)).toBe('or (and (eq .Values.p "x") (not .Values.on)) (and (eq .Values.p "z") .Values.on)');
  });

  test('a document: shared keys once, a key some variants have under if, sentinels as toJson', () => {
    const renders = synth.combinations.map(([p, on]) => ({
      kind: 'Thing',
      metadata: { name: 'SENT', labels: { p: p as string } },
      ...(on === true ? { args: ['--a', `--name=SENT`] } : { args: ['--a'] }),
    }));
    const all = [0, 1, 2, 3, 4, 5];
    const node = synth.merge(all, (v) => renders[v]!);
    expect(synth.emitDocument(node, all)).toBe(
      [
        'kind: Thing',
        'metadata:',
        '  name: {{ .Values.name | toJson }}',
        '  labels:',
        '    p:',
        '{{- if eq .Values.p "x" }}',
        '      x',
        '{{- else if eq .Values.p "y" }}',
        '      y',
        '{{- else }}',
        '      z',
        '{{- end }}',
        'args:',
        '  - --a',
        '{{- if .Values.on }}',
        '  - {{ print "--name=" .Values.name | toJson }}',
        '{{- end }}',
        '',
      ].join('\n'),
    );
  });
});

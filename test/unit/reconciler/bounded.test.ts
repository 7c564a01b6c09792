import { renderWorkspaceCrd } from '../../../src/render';
import {
  CONDITION_MESSAGE_MAX_BYTES,
  CONDITION_REASON_MAX_BYTES,
  truncateText,
  utf8Bytes,
} from '../../../src/reconciler/bounded';
import { mergeConditions } from '../../../src/reconciler/conditions';

describe('truncateText', () => {
  test('a text that fits is returned as it is', () => {
    expect(truncateText('short', 10)).toBe('short');
    expect(truncateText('x'.repeat(64), 64)).toBe('x'.repeat(64));
  });

  test('a longer text keeps its beginning and says how much was cut, in exactly the limit', () => {
    const cut = truncateText('a'.repeat(100), 64);
    expect(cut).toBe(`${'a'.repeat(31)}… [truncated: 100 bytes in all]`);
    expect(utf8Bytes(cut)).toBe(64);
  });

  test('counts UTF-8 bytes and never splits a character', () => {
    // '€' is 3 bytes, '😀' is 4 bytes (two UTF-16 units).
    const euros = truncateText('€'.repeat(100), 64);
    expect(euros).toBe(`${'€'.repeat(10)}… [truncated: 300 bytes in all]`);
    expect(utf8Bytes(euros)).toBe(63);
    const faces = truncateText('😀'.repeat(100), 64);
    expect(faces).toBe(`${'😀'.repeat(7)}… [truncated: 400 bytes in all]`);
    expect(utf8Bytes(faces)).toBe(61);
  });

  test('a 40 KB text fits the CRD limit of a condition message', () => {
    const cut = truncateText('y'.repeat(40_000), CONDITION_MESSAGE_MAX_BYTES);
    expect(utf8Bytes(cut)).toBe(CONDITION_MESSAGE_MAX_BYTES);
    expect(cut.endsWith('… [truncated: 40000 bytes in all]')).toBe(true);
  });
});

test('the limits are the CRD schema of status.conditions', () => {
  const crd = renderWorkspaceCrd() as unknown as {
    spec: { versions: Array<{ schema: { openAPIV3Schema: Record<string, unknown> } }> };
  };
  for (const version of crd.spec.versions) {
    const schema = version.schema.openAPIV3Schema as {
      properties: {
        status: { properties: { conditions: { items: { properties: Record<string, { maxLength?: number }> } } } };
      };
    };
    const props = schema.properties.status.properties.conditions.items.properties;
    expect([props.message?.maxLength, props.reason?.maxLength]).toEqual([
      CONDITION_MESSAGE_MAX_BYTES,
      CONDITION_REASON_MAX_BYTES,
    ]);
  }
});

test('mergeConditions bounds condition messages and reasons, and the messages of their events', () => {
  const huge = 'z'.repeat(40_000);
  const { conditions, events } = mergeConditions(
    [],
    [{ type: 'ResourceReady', status: 'False', reason: `R${'r'.repeat(2000)}`, message: huge }],
    1,
    '2026-11-22T10:00:00Z',
  );
  expect(utf8Bytes(conditions[0]!.message)).toBe(32_768);
  expect(utf8Bytes(conditions[0]!.reason)).toBe(1024);
  expect(utf8Bytes(events[0]!.message)).toBe(1024);
  expect(events[0]!.message.startsWith('ResourceReady is False: zzz')).toBe(true);
  expect(utf8Bytes(events[0]!.reason)).toBe(128);
});

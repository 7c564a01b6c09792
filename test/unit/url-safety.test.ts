import { MSG, unsafeUrlReason, validateWorkspace } from '../../src/api';
import { URL_CASES } from '../fixtures/url-cases';

test.each(URL_CASES)('%j -> %s', (url, verdict) => {
  expect(unsafeUrlReason(url)).toBe(verdict);
});

test('the validator names the URL, its index and the rule it fails', () => {
  const problems = validateWorkspace({
    apiVersion: 'kaito.sh/v1beta1',
    kind: 'Workspace',
    metadata: { name: 'tune' },
    resource: { instanceType: 'Standard_NC6s_v3', labelSelector: { matchLabels: { apps: 'x' } } },
    tuning: {
      preset: { name: 'phi-3-mini-4k-instruct' },
      method: 'qlora',
      input: {
        urls: ['https://example.com/d', 'ftp://x/d', 'http://１２７.０.０.１/', 'http://kubernetes.default.svc/'],
      },
      output: { image: 'reg.io/out:1', imagePushSecret: 'push' },
    },
  }).filter((p) => p.path.startsWith('tuning.input'));
  expect(problems.map((p) => [p.path, p.message])).toEqual([
    ['tuning.input.urls[1]', `"ftp://x/d" ${MSG.urlScheme}`],
    ['tuning.input.urls[2]', `"http://１２７.０.０.１/" ${MSG.urlSyntax}`],
    ['tuning.input.urls[3]', `"http://kubernetes.default.svc/" ${MSG.urlHost}`],
  ]);
});

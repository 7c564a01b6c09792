import { unsafeUrlReason } from '../../src/api';
import { URL_CASES } from '../fixtures/url-cases';

test.each(URL_CASES)('%s -> %s', (url, verdict) => {
  expect(unsafeUrlReason(url)).toBe(verdict);
});

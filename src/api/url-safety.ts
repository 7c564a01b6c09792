/*
 * Tuning input URLs are fetched from inside the cluster, so they must not reach the cluster's own network
 * or the cloud metadata service. The check is a set of regular expressions over the URL text, written once
 * in the syntax JavaScript and RE2 share: the CRD's CEL rule (see ./schema) uses the same patterns, so the
 * API server and `kaito validate` agree. Hosts written as bare numbers or hex (`http://2130706433/`), which
 * resolvers turn into addresses, are refused unless they are a canonical dotted quad.
 */

const V4_BLOCKED =
  '((127|10|0)(\\.[0-9]{1,3}){3}|(172\\.(1[6-9]|2[0-9]|3[01])|192\\.168|169\\.254|100\\.(6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7]))(\\.[0-9]{1,3}){2})';
const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const START = '^https?://([^/?#]*@)?';
const END = '\\.?(:[0-9]*)?([/?#].*)?$';
const NAMES = '(localhost|metadata|metadata\\.google\\.internal|metadata\\.azure\\.internal|[^/?#:@]*\\.localhost)';
// Loopback and unspecified, unique-local fc00::/7, link-local fe80::/10, and every IPv4-mapped address.
const V6_BLOCKED = '\\[([0:]*1?|f[cd][0-9a-f]{2}:[0-9a-f:.]*|fe[89ab][0-9a-f]:[0-9a-f:.]*|[0:]*ffff:[0-9a-f:.]*)\\]';

/** Matches (lower-cased) URLs whose host is a blocked name or address. */
export const BLOCKED_URL_PATTERN = `${START}(${NAMES}|${V4_BLOCKED}|${V6_BLOCKED})${END}`;
/** Matches URLs whose host ends in a numeric or hex label (a possible address). */
export const NUMERIC_HOST_PATTERN = `${START}([^/?#:@\\[]*\\.)?(0x[0-9a-f]*|[0-9]+)${END}`;
/** Matches URLs whose host is a canonical dotted-quad IPv4 address. */
export const DOTTED_QUAD_PATTERN = `${START}(${OCTET}\\.){3}${OCTET}${END}`;

const BLOCKED = new RegExp(BLOCKED_URL_PATTERN);
const NUMERIC = new RegExp(NUMERIC_HOST_PATTERN);
const DOTTED_QUAD = new RegExp(DOTTED_QUAD_PATTERN);

/** Why `raw` may not be downloaded, or undefined when it may. */
export function unsafeUrlReason(raw: string): 'scheme' | 'host' | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'scheme';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'scheme';
  const lower = raw.toLowerCase();
  if (url.hostname === '' || BLOCKED.test(lower)) return 'host';
  if (NUMERIC.test(lower) && !DOTTED_QUAD.test(lower)) return 'host';
  return undefined;
}

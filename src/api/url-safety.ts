/*
 * Tuning input URLs are fetched from inside the cluster, so they must not reach the cluster's own network,
 * the node or the cloud metadata services. The rule is a set of regular expressions over the URL text,
 * written once in the syntax JavaScript and RE2 share, so the CRD's CEL rules (see ./schema) and
 * `kaito validate` give the same verdict on every URL.
 *
 * CEL cannot normalize a host the way curl and WHATWG URL do (IDNA, NFKC: fullwidth digits, ideographic dots,
 * percent-encoding), so instead of normalizing, the rule accepts only URLs that need no normalization: plain
 * ASCII in a strict grammar whose host is letters, digits, "-" and "." or a bracketed IPv6 address. Within
 * that grammar the host is refused when it is
 * - a single label (`localhost`, `metadata`, `kubernetes`: resolved through the cluster's search domains),
 *   or under a name that only resolves inside a network (`.localhost`, `.localdomain`, `.local`, `.internal`,
 *   `.svc`, `.arpa`), or a wildcard-DNS service that answers with the address in the name (nip.io, sslip.io..);
 * - an IPv4 address, or a name embedding one (`10-0-0-1.example`), in a private, shared, loopback,
 *   link-local, metadata (169.254.169.254, 168.63.129.16, 192.0.0.192), benchmark, multicast or reserved range;
 * - a number or hex label that resolvers read as an address (`2130706433`, `0x7f.1`, `010.0.0.1`), unless a
 *   canonical dotted quad;
 * - an IPv6 address outside global unicast 2000::/3, or a 6to4 or Teredo address (which embed IPv4).
 * The download follows no redirects, and the tuning pod's egress NetworkPolicy covers what names resolve to.
 */

const START = '^https?://([^/?#@]*@)?';
const END = '\\.?(:[0-9]*)?([/?#].*)?$';
const URL_CHARS = "a-z0-9._~!$&'()*+,;=:@%/?#\\[\\]-";

/** Matches (lower-cased) URLs that start with http:// or https://. */
export const HTTP_URL_PATTERN = '^https?://';
/** Matches (lower-cased) URLs in the strict ASCII grammar every accepted URL must follow. */
export const STRICT_URL_PATTERN =
  "^https?://([a-z0-9._~!$&'()*+,;=:%-]*@)?([a-z0-9-]+(\\.[a-z0-9-]+)*\\.?|\\[[0-9a-f:.]+\\])(:[0-9]{1,5})?" +
  `([/?#][${URL_CHARS}]*)?$`;

const LOCAL_SUFFIXES = 'localhost|localdomain|local|internal|svc|arpa';
const WILDCARD_DNS = 'nip\\.io|sslip\\.io|xip\\.io|traefik\\.me|localtest\\.me|lvh\\.me|vcap\\.me|local\\.gd';
/** Matches URLs whose host is a single label, a local-only name or a wildcard-DNS name. */
export const BLOCKED_NAME_PATTERN = `${START}([a-z0-9-]+|([a-z0-9.-]*\\.)?(${LOCAL_SUFFIXES}|${WILDCARD_DNS}))${END}`;

/** Blocked IPv4 ranges, octets separated by `sep`. */
function v4Blocked(sep: string): string {
  const any = '[0-9]{1,3}';
  const rest = (n: number) => `(${sep}${any}){${n}}`;
  return (
    `((0|10|127|22[4-9]|2[3-5][0-9])${rest(3)}` + // this network, private, loopback, multicast, reserved, broadcast
    `|(100${sep}(6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7])|169${sep}254|172${sep}(1[6-9]|2[0-9]|3[01])` +
    `|192${sep}168|198${sep}(18|19))${rest(2)}` + // shared, link-local, private, benchmark
    `|192${sep}0${sep}0${rest(1)}` + // IETF protocol assignments (192.0.0.192: Oracle Cloud metadata)
    `|168${sep}63${sep}129${sep}16)` // Azure WireServer
  );
}
/** Matches URLs whose host is a blocked IPv4 address, or a name with one embedded as labels or dashes. */
export const BLOCKED_V4_PATTERN = `${START}([a-z0-9.-]*[.-])?${v4Blocked('[.-]')}([.-][a-z0-9.-]*)?${END}`;
/** Matches URLs whose host ends in a numeric or hex label (a possible address). */
export const NUMERIC_HOST_PATTERN = `${START}([^/?#:@\\[]*\\.)?(0x[0-9a-f]*|[0-9]+)${END}`;
const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
/** Matches URLs whose host is a canonical dotted-quad IPv4 address. */
export const DOTTED_QUAD_PATTERN = `${START}(${OCTET}\\.){3}${OCTET}${END}`;
/** Matches URLs whose host is an IPv6 literal. */
export const IPV6_HOST_PATTERN = `${START}\\[`;
/** Matches URLs whose host is a global unicast IPv6 address (2000::/3) written without embedded IPv4. */
export const IPV6_GLOBAL_PATTERN = `${START}\\[[23][0-9a-f]{3}:[0-9a-f:]*\\]${END}`;
/** Matches URLs whose host is a 6to4 (2002::/16) or Teredo (2001::/32) address, which embed IPv4. */
export const IPV6_TUNNEL_PATTERN = `${START}\\[(2002|2001:(0{1,4})?):`;

const re = (pattern: string): RegExp => new RegExp(pattern);
const HTTP = re(HTTP_URL_PATTERN);
const STRICT = re(STRICT_URL_PATTERN);
const NAME = re(BLOCKED_NAME_PATTERN);
const V4 = re(BLOCKED_V4_PATTERN);
const NUMERIC = re(NUMERIC_HOST_PATTERN);
const DOTTED_QUAD = re(DOTTED_QUAD_PATTERN);
const V6 = re(IPV6_HOST_PATTERN);
const V6_GLOBAL = re(IPV6_GLOBAL_PATTERN);
const V6_TUNNEL = re(IPV6_TUNNEL_PATTERN);

/** Lower-cases ASCII letters only, as CEL's lowerAscii() does (so no other character can become one). */
const lowerAscii = (s: string): string => s.replace(/[A-Z]+/g, (m) => m.toLowerCase());

/** Whether the host of a (lower-cased, strict-grammar) URL is refused; the CEL rule says the same. */
function blockedHost(lower: string): boolean {
  return (
    NAME.test(lower) ||
    V4.test(lower) ||
    (NUMERIC.test(lower) && !DOTTED_QUAD.test(lower)) ||
    (V6.test(lower) && (!V6_GLOBAL.test(lower) || V6_TUNNEL.test(lower)))
  );
}

/** Why `raw` may not be downloaded, or undefined when it may. */
export function unsafeUrlReason(raw: string): 'scheme' | 'syntax' | 'host' | undefined {
  const lower = lowerAscii(raw);
  if (!HTTP.test(lower)) return 'scheme';
  if (!STRICT.test(lower)) return 'syntax';
  if (blockedHost(lower)) return 'host';
  // Second opinion on the host as WHATWG URL (what a client resolves) normalizes it.
  let host: string | undefined;
  try {
    host = new URL(raw).host;
  } catch {
    host = undefined;
  }
  if (host !== undefined && blockedHost(`http://${host}/`)) return 'host';
  return undefined;
}

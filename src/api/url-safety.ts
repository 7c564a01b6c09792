/*
 * Tuning input URLs are fetched from inside the cluster, so they must not reach the cluster's own
 * network or the cloud metadata service. Mirrors the CEL rule of the CRD (see ./schema).
 * WHATWG URL parsing already normalizes IPv4 forms such as `http://2130706433/` to dotted quads.
 */

const BLOCKED_HOSTNAMES = new Set(['localhost', 'metadata', 'metadata.google.internal', 'metadata.azure.internal']);

function ipv4ToNumber(ip: string): number {
  return ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

const BLOCKED_V4: ReadonlyArray<readonly [string, number]> = [
  ['127.0.0.0', 8],
  ['10.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['169.254.0.0', 16],
  ['100.64.0.0', 10],
  ['0.0.0.0', 8],
];

function blockedV4(ip: string): boolean {
  const n = ipv4ToNumber(ip);
  return BLOCKED_V4.some(([base, bits]) => {
    const size = 2 ** (32 - bits);
    const start = ipv4ToNumber(base);
    return n >= start && n < start + size;
  });
}

function blockedV6(ip: string): boolean {
  const lower = ip.toLowerCase();
  if (lower === '::1' || lower === '::') return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (mapped) return blockedV4(mapped[1]);
  const first = parseInt(lower.split(':')[0] || '0', 16);
  return (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80;
}

/** Why `raw` may not be downloaded, or undefined when it may. */
export function unsafeUrlReason(raw: string): 'scheme' | 'host' | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'scheme';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'scheme';
  const hostname = url.hostname.toLowerCase();
  if (hostname.startsWith('[')) return blockedV6(hostname.slice(1, -1)) ? 'host' : undefined;
  const host = hostname.replace(/\.$/, '');
  if (host === '' || BLOCKED_HOSTNAMES.has(host) || host.endsWith('.localhost')) return 'host';
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host) && blockedV4(host)) return 'host';
  return undefined;
}

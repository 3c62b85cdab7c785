import { BlockList, isIPv4, isIPv6 } from 'node:net';
import geoip from 'fast-geoip';

/** Where an IP address is: "Berlin, DE", "DE", "private" or "unknown". Never throws. */
export type Locate = (ip: string | null | undefined) => Promise<string>;

/** Loopback, private, link-local, carrier-grade NAT and unspecified ranges: no place to name. */
const privateRanges = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const) {
  privateRanges.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
] as const) {
  privateRanges.addSubnet(net, prefix, 'ipv6');
}

/** "::ffff:1.2.3.4" (an IPv4 client on a dual-stack socket) → "1.2.3.4". */
function unmap(ip: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return m ? m[1]! : ip;
}

/**
 * Offline GeoIP from the fast-geoip package: its data files are read from disk per lookup (the
 * package's in-memory cache stays off), so nothing leaves the machine and the database is never
 * held in memory. Only the last few thousand answers are kept, keyed by address.
 */
export function createGeoLocator(opts: { cacheSize?: number } = {}): { locate: Locate } {
  const max = opts.cacheSize ?? 5_000;
  const answers = new Map<string, string>();

  async function lookup(ip: string): Promise<string> {
    if (isIPv4(ip)) {
      if (privateRanges.check(ip, 'ipv4')) return 'private';
    } else if (isIPv6(ip)) {
      // The package holds IPv4 ranges only.
      return privateRanges.check(ip, 'ipv6') ? 'private' : 'unknown';
    } else {
      return 'unknown';
    }
    try {
      const info = await geoip.lookup(ip);
      if (!info?.country) return 'unknown';
      return info.city ? `${info.city}, ${info.country}` : info.country;
    } catch {
      return 'unknown';
    }
  }

  return {
    async locate(raw) {
      if (!raw) return 'unknown';
      const ip = unmap(raw.trim());
      const known = answers.get(ip);
      if (known !== undefined) return known;
      const answer = await lookup(ip);
      answers.set(ip, answer);
      if (answers.size > max) answers.delete(answers.keys().next().value!);
      return answer;
    },
  };
}

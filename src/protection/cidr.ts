import { isIPv4, isIPv6 } from 'node:net';

/** An address range: family, network bits as a bigint, prefix length, and its canonical text. */
export interface Cidr {
  family: 4 | 6;
  network: bigint;
  prefix: number;
  /** Canonical form: a bare address for a single host, else `network/prefix`. */
  text: string;
}

const bitsOf = (family: 4 | 6) => (family === 4 ? 32 : 128);

function v4ToBigint(ip: string): bigint {
  const [a, b, c, d] = ip.split('.').map(Number) as [number, number, number, number];
  return BigInt(((a << 24) >>> 0) + (b << 16) + (c << 8) + d);
}

function v6ToBigint(ip: string): bigint {
  let text = ip;
  // A trailing dotted quad (::ffff:1.2.3.4, 64:ff9b::1.2.3.4) is two 16-bit groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const v = v4ToBigint(dotted[1]!);
    text = `${text.slice(0, dotted.index)}${(v >> 16n).toString(16)}:${(v & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function formatV4(v: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 0xffn)).join('.');
}

/** RFC 5952 text: lower case, no leading zeros, the longest run of zero groups (≥ 2) as `::`. */
function formatV6(v: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((v >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

const V4_MAPPED = 0xffffn << 32n;

/**
 * Canonical text of an IP address, or null when it is not one. IPv4-mapped IPv6 addresses
 * (::ffff:a.b.c.d, what a dual-stack socket reports) become plain IPv4, so one client has one key.
 */
export function canonicalIp(raw: string | undefined | null): string | null {
  if (!raw) return null;
  const ip = raw.trim();
  // Node's isIPv4 refuses leading zeros, so a valid IPv4 text is already canonical.
  if (isIPv4(ip)) return ip;
  const known = v6Memo.get(ip);
  if (known !== undefined) return known;
  let out: string | null = null;
  if (isIPv6(ip) && !ip.includes('%')) {
    const v = v6ToBigint(ip);
    out = v >> 32n === V4_MAPPED >> 32n ? formatV4(v & 0xffffffffn) : formatV6(v);
  }
  // Every request asks this (hot path); clients repeat, so remember a bounded number of answers.
  if (v6Memo.size >= 10_000) v6Memo.clear();
  v6Memo.set(ip, out);
  return out;
}
const v6Memo = new Map<string, string | null>();

/**
 * Parses an address or CIDR ("10.0.0.0/8", "2001:db8::/32", "192.0.2.7"). Host bits below the
 * prefix are refused rather than silently cleared, so "10.1.2.3/8" cannot be mistaken for one host.
 */
export function parseCidr(raw: string): Cidr | { error: string } {
  const [addr = '', len, extra] = raw.trim().split('/');
  if (extra !== undefined) return { error: 'expected an address or address/prefix' };
  const ip = canonicalIp(addr);
  if (!ip || addr.includes('%')) return { error: 'not an IPv4 or IPv6 address' };
  const family: 4 | 6 = isIPv4(ip) ? 4 : 6;
  const bits = bitsOf(family);
  if (len !== undefined && !/^\d{1,3}$/.test(len)) return { error: 'the prefix length must be a number' };
  const prefix = len === undefined ? bits : Number(len);
  if (prefix > bits) return { error: `the prefix length must be at most ${bits}` };
  const value = family === 4 ? v4ToBigint(ip) : v6ToBigint(ip);
  const mask = prefix === 0 ? 0n : ((1n << BigInt(prefix)) - 1n) << BigInt(bits - prefix);
  const network = value & mask;
  if (network !== value) {
    const fmt = family === 4 ? formatV4(network) : formatV6(network);
    return { error: `host bits are set below /${prefix} (did you mean ${fmt}/${prefix}?)` };
  }
  return { family, network, prefix, text: prefix === bits ? ip : `${ip}/${prefix}` };
}

/** A parsed client address, ready for matching against many ranges. */
export interface ParsedIp {
  text: string;
  family: 4 | 6;
  value: bigint;
}

export function parseIp(ip: string): ParsedIp | null {
  const text = canonicalIp(ip);
  if (!text) return null;
  const family: 4 | 6 = isIPv4(text) ? 4 : 6;
  return { text, family, value: family === 4 ? v4ToBigint(text) : v6ToBigint(text) };
}

/** Whether the address lies in the range (an IPv4 address never matches an IPv6 range, and back). */
export function contains(range: Cidr, ip: ParsedIp): boolean {
  if (range.family !== ip.family) return false;
  const shift = BigInt(bitsOf(range.family) - range.prefix);
  return ip.value >> shift === range.network >> shift;
}

import { describe, expect, it } from 'vitest';
import { canonicalIp, contains, parseCidr, parseIp, type Cidr } from './cidr.js';

const range = (text: string): Cidr => {
  const c = parseCidr(text);
  if ('error' in c) throw new Error(c.error);
  return c;
};
const ip = (text: string) => parseIp(text)!;

describe('cidr', () => {
  it('canonicalizes addresses (RFC 5952 for IPv6, IPv4-mapped to IPv4)', () => {
    expect(canonicalIp('2001:0DB8:0000:0000:0000:0000:0000:0001')).toBe('2001:db8::1');
    expect(canonicalIp('2001:db8:0:1:0:0:0:1')).toBe('2001:db8:0:1::1');
    expect(canonicalIp('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(canonicalIp('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(canonicalIp('::1')).toBe('::1');
    expect(canonicalIp('::')).toBe('::');
    expect(canonicalIp('1::')).toBe('1::');
    expect(canonicalIp('64:ff9b::192.0.2.1')).toBe('64:ff9b::c000:201');
    expect(canonicalIp('1:2:3:4:5:6:7:8')).toBe('1:2:3:4:5:6:7:8');
    for (const bad of ['', 'x', '1.2.3', '256.1.1.1', 'fe80::1%eth0', '1:2:3:4:5:6:7:8:9', ' ']) expect(canonicalIp(bad), bad).toBeNull();
  });

  it('parses ranges and refuses host bits, bad prefixes and junk', () => {
    expect(range('10.0.0.0/8').text).toBe('10.0.0.0/8');
    expect(range('192.0.2.7/32').text).toBe('192.0.2.7');
    expect(range('0.0.0.0/0').text).toBe('0.0.0.0/0');
    expect(range('2001:DB8::/32').text).toBe('2001:db8::/32');
    expect(range('::/0').text).toBe('::/0');
    expect(parseCidr('10.1.2.3/8')).toMatchObject({ error: expect.stringContaining('10.0.0.0/8') });
    for (const bad of ['10.0.0.0/33', '10.0.0.0/-1', '10.0.0.0/', '10.0.0.0/8/8', '2001:db8::/129', 'a.b.c.d/8', '/8']) {
      expect(parseCidr(bad), bad).toHaveProperty('error');
    }
  });

  it('matches addresses against ranges of their own family only', () => {
    expect(contains(range('10.0.0.0/8'), ip('10.255.1.2'))).toBe(true);
    expect(contains(range('10.0.0.0/8'), ip('11.0.0.1'))).toBe(false);
    expect(contains(range('127.0.0.4/30'), ip('127.0.0.7'))).toBe(true);
    expect(contains(range('127.0.0.4/30'), ip('127.0.0.8'))).toBe(false);
    expect(contains(range('0.0.0.0/0'), ip('203.0.113.9'))).toBe(true);
    expect(contains(range('0.0.0.0/0'), ip('2001:db8::1'))).toBe(false);
    expect(contains(range('2001:db8::/32'), ip('2001:db8:ffff::1'))).toBe(true);
    expect(contains(range('2001:db8::/32'), ip('2001:db9::1'))).toBe(false);
    expect(contains(range('::/0'), ip('::1'))).toBe(true);
    expect(contains(range('192.0.2.7'), ip('::ffff:192.0.2.7'))).toBe(true);
  });
});

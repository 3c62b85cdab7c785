import { describe, expect, it } from 'vitest';
import { createGeoLocator } from '../../src/geo/locate.js';

describe('offline GeoIP', () => {
  const { locate } = createGeoLocator();

  it('names private and loopback ranges "private"', async () => {
    for (const ip of ['127.0.0.1', '127.0.0.2', '10.1.2.3', '192.168.0.9', '172.20.0.1', '::1', '::ffff:127.0.0.1', 'fe80::1', 'fd00::5']) {
      expect(await locate(ip), ip).toBe('private');
    }
  });

  it('finds country and city from the package data on disk', async () => {
    expect(await locate('2.16.0.1')).toBe('Paris, FR');
    expect(await locate('::ffff:2.16.0.1')).toBe('Paris, FR');
    // An address with a country but no city in the data.
    expect(await locate('8.8.8.8')).toBe('US');
  });

  it('answers "unknown" for what it cannot place', async () => {
    expect(await locate(null)).toBe('unknown');
    expect(await locate('not an ip')).toBe('unknown');
    expect(await locate('2001:db8::1')).toBe('unknown');
  });
});

import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { parseLadder } from '../../src/protection/ladder.js';

describe('protection configuration', () => {
  it('has the documented defaults, and the test profile turns only the general per-IP limit off', () => {
    const prod = loadConfig({}, { app_env: 'development' }).protection;
    expect(prod.rate_limit_per_ip).toBe(600);
    expect(prod.ladder).toEqual(['10:900:900', '20:900:86400']);
    expect(prod.login).toEqual({ per_ip: 300, per_account: 5, window: 60 });
    expect(prod.lockout).toEqual({ failures: 0, duration: 900 });
    const test = loadConfig({}, { app_env: 'test' }).protection;
    expect(test.rate_limit_per_ip).toBe(0);
    expect(test.login).toEqual(prod.login);
    expect(test.ladder).toEqual(prod.ladder);
  });

  it('reads the ladder and limits from the environment', () => {
    const c = loadConfig({
      GATEHOUSE_RATE_LIMIT_PER_IP: '120',
      GATEHOUSE_PROTECTION_LADDER: '5:60:300, 50:3600:604800',
      GATEHOUSE_PROTECTION_LOGIN_PER_ACCOUNT: '3',
    }).protection;
    expect(c.rate_limit_per_ip).toBe(120);
    expect(parseLadder(c.ladder)).toEqual([
      { failures: 5, window: 60, block: 300 },
      { failures: 50, window: 3600, block: 604800 },
    ]);
    expect(c.login.per_account).toBe(3);
    expect(loadConfig({ GATEHOUSE_PROTECTION_LADDER: '' }).protection.ladder).toEqual([]);
  });

  it('refuses a malformed ladder or one whose failures do not increase', () => {
    expect(() => loadConfig({ GATEHOUSE_PROTECTION_LADDER: '10:900' })).toThrow(/protection\.ladder/);
    expect(() => loadConfig({ GATEHOUSE_PROTECTION_LADDER: '10:0:900' })).toThrow(ConfigError);
    expect(() => parseLadder(['10:900:900', '10:900:86400'])).toThrow(/must increase/);
  });
});

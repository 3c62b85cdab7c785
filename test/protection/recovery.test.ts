import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { startTestServer, type TestServer } from '../harness/server.js';
import type { Client } from '../harness/client.js';
import { adminClient, eventually } from './helpers.js';

describe('gatehouse protection reset', () => {
  let t: TestServer;
  let admin: Client;
  beforeAll(async () => {
    t = await startTestServer({ config: { protection: { refresh_interval: 1 } } });
    admin = await adminClient(t);
  });
  afterAll(() => t.close());

  it('clears rules and blacklist from the database; running servers follow within the refresh interval', async () => {
    const locked = await adminClient(t, '127.0.0.2', 'locked-out@example.com');
    expect((await admin.put('/api/v1/admin/network-rules', { rules: [{ action: 'deny', cidr: '127.0.0.2', scope: 'admin' }] })).status).toBe(200);
    expect((await admin.post('/api/v1/admin/blacklist', { cidr: '127.0.0.3' })).status).toBe(201);
    expect((await locked.get('/api/v1/admin/blacklist')).body.code).toBe('network_denied');

    const out: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => out.push(l), env: { APP_ENV: 'test', GATEHOUSE_DATA_DIR: t.config.data_dir }, stdin: process.stdin };
    expect(await runCli(['protection', 'reset', '--bogus'], io)).toBe(2);
    expect(await runCli(['protection', 'reset'], io)).toBe(0);
    expect(out).toContain('network rules: deleted 1');
    expect(out).toContain('blacklist entries: deleted 1');

    await eventually(async () => expect((await locked.get('/api/v1/admin/blacklist')).status).toBe(200));
    await eventually(async () => expect((await t.client('127.0.0.3').get('/api/v1/auth/status')).status).toBe(200));
  });
});

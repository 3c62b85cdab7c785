import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGroupCommit } from '../../src/db/group-commit.js';
import { startTestServer, type TestServer } from '../harness/server.js';
import { seedUser } from '../harness/users.js';
import { refresh, tokenLogin, type Pair } from './helpers.js';

describe('SQLite group commit (the refresh rotation path)', () => {
  let dir: string;
  let db: SQLite.Database;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-group-'));
    db = new SQLite(join(dir, 'g.db'));
    db.pragma('journal_mode = WAL');
    db.exec('create table t (v text primary key)');
  });
  afterAll(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('commits units of one tick together, and a failing unit rolls back alone', async () => {
    const group = createGroupCommit(db);
    const insert = (v: string, fail = false) =>
      group.run((prepare) => {
        prepare('insert into t (v) values (?)').run(v);
        if (fail) throw new Error(`unit ${v} failed`);
        return v;
      });
    const [a, b, c] = await Promise.allSettled([insert('a'), insert('b', true), insert('c')]);
    expect(a).toEqual({ status: 'fulfilled', value: 'a' });
    expect(b).toMatchObject({ status: 'rejected', reason: { message: 'unit b failed' } });
    expect(c).toEqual({ status: 'fulfilled', value: 'c' });
    expect(db.prepare('select v from t order by v').all()).toEqual([{ v: 'a' }, { v: 'c' }]);
    // A constraint violation is a failing unit too; the batch around it stands.
    const [dup, d] = await Promise.allSettled([insert('a'), insert('d')]);
    expect(dup.status).toBe('rejected');
    expect(d.status).toBe('fulfilled');
    expect(db.inTransaction).toBe(false);
  });

  it('waits while another transaction is open on the connection, and commits only after it ended', async () => {
    const group = createGroupCommit(db);
    db.exec('begin');
    db.prepare('insert into t (v) values (?)').run('outer');
    let settled = false;
    const waiting = group.run((prepare) => prepare('insert into t (v) values (?)').run('x')).finally(() => (settled = true));
    await new Promise((r) => setTimeout(r, 30));
    expect(settled).toBe(false);
    db.exec('rollback'); // the open transaction's rows go; the waiting unit's must not go with them
    await waiting;
    expect(db.prepare("select v from t where v in ('outer', 'x') order by v").all()).toEqual([{ v: 'x' }]);
  });
});

describe('refresh rotations sharing commits over HTTP (SQLite)', () => {
  let t: TestServer;
  let pairs: Pair[];
  beforeAll(async () => {
    t = await startTestServer();
    const u = await seedUser(t, { email: 'group@example.com' });
    pairs = [];
    for (let i = 0; i < 8; i++) pairs.push(await tokenLogin(t.client(), u.email, u.password));
  });
  afterAll(() => t.close());

  it('rotates many chains at once: every one answers, and every old token is then spent', async () => {
    const first = await Promise.all(pairs.map((p) => refresh(t.client(), p.refresh_token)));
    expect(first.map((r) => r.status)).toEqual(pairs.map(() => 200));
    const second = await Promise.all(first.map((r) => refresh(t.client(), (r.body as Pair).refresh_token)));
    expect(second.map((r) => r.status)).toEqual(pairs.map(() => 200));
    // The first tokens were consumed for good: replaying one is reuse, and it ends that session.
    const replay = await refresh(t.client(), pairs[0]!.refresh_token);
    expect(replay.status).toBe(401);
    const afterReplay = await refresh(t.client(), (second[0]!.body as Pair).refresh_token);
    expect(afterReplay.status).toBe(401);
    const untouched = await refresh(t.client(), (second[1]!.body as Pair).refresh_token);
    expect(untouched.status).toBe(200);
  });
});

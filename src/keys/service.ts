import type { KeyObject } from 'node:crypto';
import type { CryptoKey } from 'jose';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Keyring } from '../crypto/keyring.js';
import { AppError } from '../errors/app-error.js';
import type { EventService } from '../events/service.js';
import { isoTime, type Clock } from '../shared/clock.js';
import { generateKeyRow, loadKeyMaterial, type KeyMaterial, type PublicJwk } from './material.js';
import type { KeyStore, SigningKeyRow } from './store.js';
import type { SigningAlg, SigningKeyStatus } from './tables.js';

/**
 * How stale this instance's view of the table may get before signing, publishing the JWKS or
 * meeting an unknown kid re-reads it (clock time). It is also the longest an instance can keep
 * signing with a key another instance has just rotated out, so it is part of the retire window.
 */
export const KEY_REREAD_MS = 5_000;
/** Real-time period of the background tick: re-read, retire what is due, rotate what is due. */
export const KEY_TICK_MS = 60_000;

/** What `signer()` hands out: sign with `privateKey`, put `kid` and `alg` in the header. */
export interface Signer {
  kid: string;
  alg: SigningAlg;
  privateKey: KeyObject;
}

/** A public key that may check signatures right now (its key is active or still in its window). */
export interface VerificationKey {
  kid: string;
  alg: SigningAlg;
  key: CryptoKey;
}

export interface RotationResult {
  kid: string;
  alg: SigningAlg;
  previousKid: string | null;
  /** Epoch ms when the previous key stops verifying (null when there was none). */
  previousRetireAfter: number | null;
}

interface LiveKey extends KeyMaterial {
  status: SigningKeyStatus;
  activatedAt: number | null;
  retireAfter: number | null;
}

export interface KeyServiceDeps {
  store: KeyStore;
  keyring: Keyring;
  clock: Clock;
  config: Pick<Config, 'tokens' | 'keys'>;
  logger: Logger;
  events: EventService;
}

/**
 * Signing keys: one active signer per algorithm, older keys verifying until the last token they
 * could have signed has expired, then retired. Decrypted keys stay in memory; the table is the
 * truth shared by every instance and is re-read lazily (at most every KEY_REREAD_MS) and on a tick.
 */
export function createKeyService(deps: KeyServiceDeps) {
  const { store, keyring, clock, config, logger, events } = deps;
  const live = new Map<string, LiveKey>();
  /** Active kid per alg as the table says, even when that key could not be decrypted here. */
  let activeKids = new Map<SigningAlg, string>();
  /** Algorithms this instance signs with: the scope of automatic rotation. */
  const signingAlgs = new Set<SigningAlg>();
  const undecryptable = new Set<string>();
  let lastReadAt = Number.NEGATIVE_INFINITY;
  let reading: Promise<void> | null = null;
  let maintaining: Promise<void> | null = null;

  // A rotated-out key must verify every token it may have signed: the longest access-token
  // lifetime, plus the tolerated skew, plus the time another instance may still sign with it.
  const maxAccessTtlMs = Math.max(config.tokens.access_ttl, config.tokens.access_ttl_remember) * 1000;
  const retireWindowMs = maxAccessTtlMs + config.tokens.clock_skew * 1000 + KEY_REREAD_MS;

  async function loadRow(row: SigningKeyRow): Promise<LiveKey | undefined> {
    const known = live.get(row.kid);
    const state = { status: row.status, activatedAt: row.activated_at, retireAfter: row.retire_after };
    if (known) return Object.assign(known, state);
    if (undecryptable.has(row.kid)) return undefined;
    try {
      return { ...(await loadKeyMaterial(keyring, row)), ...state };
    } catch (err) {
      undecryptable.add(row.kid);
      logger.error({ err, kid: row.kid }, 'signing key cannot be decrypted (master secret changed?); it is ignored');
      return undefined;
    }
  }

  /** Re-reads the table (single flight): new keys are decrypted once, retired ones dropped. */
  function reload(): Promise<void> {
    reading ??= (async () => {
      const rows = await store.listLive();
      const next = new Map<string, LiveKey>();
      const actives = new Map<SigningAlg, string>();
      for (const row of rows) {
        if (row.status === 'active') actives.set(row.alg, row.kid);
        const key = await loadRow(row);
        if (key) next.set(row.kid, key);
      }
      live.clear();
      for (const [kid, key] of next) live.set(kid, key);
      activeKids = actives;
      lastReadAt = clock.now();
    })().finally(() => {
      reading = null;
    });
    return reading;
  }

  const isStale = () => {
    const now = clock.now();
    return now - lastReadAt >= KEY_REREAD_MS || now < lastReadAt;
  };

  /**
   * For the paths that must not serve an old view for long (signing, JWKS): re-read when stale,
   * then retire and rotate what is due (a memory check unless something is). Never throws.
   */
  async function refreshIfStale(): Promise<void> {
    if (isStale()) {
      try {
        await reload();
      } catch (err) {
        logger.error({ err }, 're-reading signing keys failed; using the keys in memory');
      }
    }
    await maintain();
  }

  const usable = (k: LiveKey | undefined, now = clock.now()): k is LiveKey =>
    !!k && k.status !== 'retired' && (k.retireAfter === null || k.retireAfter > now);

  function activeKey(alg: SigningAlg): LiveKey | undefined {
    const kid = activeKids.get(alg);
    if (!kid) return undefined;
    const key = live.get(kid);
    if (!key) throw new Error(`the active ${alg} signing key ${kid} cannot be decrypted: check master_secret / master_secret_previous`);
    return key;
  }

  async function rotate(alg: SigningAlg, reason: 'manual' | 'scheduled' = 'manual'): Promise<RotationResult> {
    await reload();
    const previousKid = activeKids.get(alg) ?? null;
    const now = clock.now();
    const row = await generateKeyRow(keyring, alg, now);
    const retireAfter = now + retireWindowMs;
    let done = false;
    try {
      done = await store.rotate({ row, expectedKid: previousKid, retireAfter });
    } catch (err) {
      logger.warn({ err, alg }, 'signing key rotation lost a race');
    }
    await reload();
    if (!done) throw new Error(`another instance rotated the ${alg} signing key at the same time; nothing changed here`);
    events.emit('signing_key_rotated', {
      target_id: row.kid,
      data: { alg, kid: row.kid, previous_kid: previousKid, previous_retire_after: previousKid ? isoTime(retireAfter) : null, reason },
    });
    logger.info({ alg, kid: row.kid, previous_kid: previousKid, reason }, 'signing key rotated');
    return { kid: row.kid, alg, previousKid, previousRetireAfter: previousKid ? retireAfter : null };
  }

  /** Marks verifying keys whose window has passed as retired. Returns the retired kids. */
  async function retireExpired(): Promise<string[]> {
    const retired = await store.retireDue(clock.now());
    for (const r of retired) {
      const k = live.get(r.kid);
      if (k) k.status = 'retired';
      live.delete(r.kid);
      events.emit('signing_key_retired', { target_id: r.kid, data: { alg: r.alg, kid: r.kid } });
    }
    return retired.map((r) => r.kid);
  }

  /**
   * A key of an algorithm nobody here signs with any more (tokens.algorithm changed) is not renewed
   * when its rotation is due: it verifies for the retire window, then retires. Waiting for the
   * rotation date rather than acting at start keeps a rolling upgrade calm: an old instance that
   * still signs with it would only re-create one per rotation interval.
   */
  async function demoteUnused(key: LiveKey): Promise<void> {
    const retireAfter = clock.now() + retireWindowMs;
    if (!(await store.demote(key.kid, retireAfter))) return;
    await reload();
    events.emit('signing_key_demoted', {
      target_id: key.kid,
      data: { alg: key.alg, kid: key.kid, retire_after: isoTime(retireAfter), reason: 'algorithm_not_configured' },
    });
    logger.info({ alg: key.alg, kid: key.kid }, 'signing key of an unused algorithm demoted to verifying');
  }

  /** Retires and rotates what is due (single flight); failures are logged, signing goes on with the keys in memory. */
  function maintain(): Promise<void> {
    maintaining ??= maintainOnce().finally(() => {
      maintaining = null;
    });
    return maintaining;
  }

  async function maintainOnce(): Promise<void> {
    const now = clock.now();
    try {
      if ([...live.values()].some((k) => k.status === 'verifying' && k.retireAfter !== null && k.retireAfter <= now)) {
        await retireExpired();
      }
      const interval = config.keys.rotation_interval * 1000;
      if (interval <= 0) return;
      for (const [alg, kid] of activeKids) {
        const active = live.get(kid);
        if (active?.activatedAt == null || now - active.activatedAt < interval) continue;
        if (signingAlgs.has(alg)) {
          // Several instances may find the key due at once; the conditional update lets one win.
          await rotate(alg, 'scheduled').catch((err) => logger.warn({ err, alg }, 'scheduled rotation done elsewhere or failed'));
        } else {
          await demoteUnused(active);
        }
      }
    } catch (err) {
      logger.error({ err }, 'signing key maintenance failed');
    }
  }

  async function ensureSigners(algs: SigningAlg[] = [config.tokens.algorithm]): Promise<void> {
    await reload();
    for (const alg of algs) {
      signingAlgs.add(alg);
      if (activeKey(alg)) continue;
      const row = await generateKeyRow(keyring, alg, clock.now());
      // false: another instance created the first key at the same moment; the re-read finds it.
      if (await store.insertFirstActive(row)) {
        events.emit('signing_key_rotated', { target_id: row.kid, data: { alg, kid: row.kid, previous_kid: null, reason: 'initial' } });
        logger.info({ alg, kid: row.kid }, 'signing key created');
      }
      await reload();
      if (!activeKey(alg)) throw new Error(`no active ${alg} signing key after creating one`);
    }
    await maintain();
  }

  async function tick(): Promise<void> {
    try {
      await reload();
    } catch (err) {
      logger.error({ err }, 're-reading signing keys failed');
      return;
    }
    await maintain();
  }

  return {
    /** Creates an active key for each algorithm that has none (default: tokens.algorithm). Call on start. */
    ensureSigners,

    /** The active key of `alg` (default tokens.algorithm), created if there is none yet. */
    async signer(alg: SigningAlg = config.tokens.algorithm): Promise<Signer> {
      signingAlgs.add(alg);
      await refreshIfStale();
      let key = activeKey(alg);
      if (!key) {
        await ensureSigners([alg]);
        key = activeKey(alg)!;
      }
      return { kid: key.kid, alg: key.alg, privateKey: key.privateKey };
    },

    /**
     * The public key for `kid` if it may verify now, else null (unknown, retired, past its window).
     * An unknown kid triggers a re-read of the table at most once per KEY_REREAD_MS, so another
     * instance's fresh key is found while a flood of made-up kids cannot hammer the database.
     */
    async verificationKey(kid: string): Promise<VerificationKey | null> {
      if (!live.has(kid) && isStale()) {
        try {
          await reload();
        } catch (err) {
          logger.error({ err }, 're-reading signing keys failed');
          // Fail closed but honestly: the token may be good, we cannot tell right now.
          throw new AppError('service_unavailable');
        }
      }
      const key = live.get(kid);
      return usable(key) ? { kid: key.kid, alg: key.alg, key: key.publicKey } : null;
    },

    /** Synchronous: may `kid` still verify now? (Checks cached verifications on the hot path.) */
    isUsable(kid: string): boolean {
      return usable(live.get(kid));
    },

    /** The public JWKS: active and verifying keys, newest first, public members only. */
    async jwks(): Promise<{ keys: PublicJwk[] }> {
      await refreshIfStale();
      const now = clock.now();
      const keys = [...live.values()].filter((k) => usable(k, now)).reverse();
      return { keys: keys.map((k) => ({ ...k.publicJwk })) };
    },

    /** Makes a new key the signer of `alg`; the previous one verifies for the retire window. */
    rotate,
    retireExpired,

    /** Longest time (ms) a rotated-out key keeps verifying. */
    retireWindowMs,

    /** One background step: re-read the table, retire and rotate what is due. */
    tick,

    /** Starts the background tick (every KEY_TICK_MS); returns the function that stops it. */
    startTimers(): () => void {
      const timer = setInterval(() => void tick(), KEY_TICK_MS);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}
export type KeyService = ReturnType<typeof createKeyService>;

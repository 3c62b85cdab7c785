import { availableParallelism } from 'node:os';
import { Algorithm, hash, verify } from '@node-rs/argon2';
import { AppError } from '../errors/app-error.js';
import { randomToken } from './random.js';

export interface Argon2Params {
  memoryKib: number;
  iterations: number;
  parallelism: number;
}

/**
 * argon2id hashing with a cap on concurrent hashes (one per core, plus one) and a short queue: a
 * login flood must not starve the rest of the server, so past the queue we answer 503 + Retry-After.
 */
export function createPasswordHasher(params: Argon2Params, opts: { maxQueue?: number } = {}) {
  // One more than the cores: the extra hash waits in the thread pool, so a core that finishes one
  // starts the next at once instead of idling until the main thread gets round to starting it.
  // Logins under load: 63–68% → 70–78% of the parallel-hashing rate; two more was worse (bench/README.md).
  const slots = availableParallelism() + 1;
  const maxQueue = opts.maxQueue ?? slots * 64;
  let running = 0;
  const waiting: Array<() => void> = [];

  async function limited<T>(work: () => Promise<T>): Promise<T> {
    if (running >= slots) {
      if (waiting.length >= maxQueue) throw new AppError('service_unavailable', { retryAfter: 1, detail: 'Too many password checks in progress' });
      await new Promise<void>((resolve) => waiting.push(resolve));
    }
    running++;
    try {
      return await work();
    } finally {
      running--;
      waiting.shift()?.();
    }
  }

  const options = {
    algorithm: Algorithm.Argon2id,
    memoryCost: params.memoryKib,
    timeCost: params.iterations,
    parallelism: params.parallelism,
  };
  // A hash of a random secret: unknown users are checked against it so timing matches known users.
  let dummy: Promise<string> | undefined;

  return {
    hash: (password: string) => limited(() => hash(password, options)),
    /** Constant-shape check: for a missing hash, verifies against a dummy so the cost is the same. */
    async verify(storedHash: string | null, password: string): Promise<boolean> {
      dummy ??= hash(randomToken(), options);
      const target = storedHash ?? (await dummy);
      const ok = await limited(() => verify(target, password).catch(() => false));
      return storedHash !== null && ok;
    },
    /** True when the hash was made with other parameters than the configured ones. */
    needsRehash(storedHash: string): boolean {
      const m = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(storedHash);
      return !m || Number(m[1]) !== params.memoryKib || Number(m[2]) !== params.iterations || Number(m[3]) !== params.parallelism;
    },
    /** Warm the dummy hash at start so the first unknown-user login is not faster or slower. */
    async warm(): Promise<void> {
      dummy ??= hash(randomToken(), options);
      await dummy;
    },
  };
}
export type PasswordHasher = ReturnType<typeof createPasswordHasher>;

import type { TranslationKeys, ZxcvbnFactory } from '@zxcvbn-ts/core';
import { AppError, type ProblemItem } from '../errors/app-error.js';
import { commonJsExports } from '../shared/commonjs.js';

export interface PasswordPolicyConfig {
  min_length: number;
  max_length: number;
  min_score: number;
  reject_common: boolean;
  reject_context: boolean;
}

/** Who the password is for: its words must not appear in it. */
export interface PasswordContext {
  email?: string | null;
  name?: string | null;
}

/** zxcvbn warnings that mean "this is (close to) a common password". */
const COMMON_WARNINGS = new Set(['topTen', 'topHundred', 'common', 'similarToCommon', 'pwned']);

interface Estimator {
  factory: ZxcvbnFactory;
  /** English warning texts by key, for the refusal message. */
  warnings: TranslationKeys['warnings'];
}

// The dictionaries cost ~65 MB of memory and ~0.5 s to rank, and only requests that set a
// password need them: load and build them on first use, once per process (bench/README.md).
let loading: Promise<Estimator> | undefined;
function estimator(): Promise<Estimator> {
  loading ??= (async () => {
    const [{ ZxcvbnFactory }, zxcvbnCommon, zxcvbnEn] = await Promise.all([
      import('@zxcvbn-ts/core').then(commonJsExports),
      import('@zxcvbn-ts/language-common').then(commonJsExports),
      import('@zxcvbn-ts/language-en').then(commonJsExports),
    ]);
    // Warnings come back as their keys (identity translations) so we can tell the rules apart.
    const warnings = Object.fromEntries(Object.keys(zxcvbnEn.translations.warnings).map((k) => [k, k]));
    const translations = { ...zxcvbnEn.translations, warnings } as TranslationKeys;
    const factory = new ZxcvbnFactory({
      dictionary: { ...zxcvbnCommon.dictionary, ...zxcvbnEn.dictionary },
      graphs: zxcvbnCommon.adjacencyGraphs,
      translations,
    });
    return { factory, warnings: zxcvbnEn.translations.warnings as TranslationKeys['warnings'] };
  })();
  loading.catch(() => (loading = undefined));
  return loading;
}

const fold = (s: string) => s.normalize('NFKC').toLowerCase();

/** Words of the context a password must not contain: email local part, name words, product name. */
function contextWords(ctx: PasswordContext, productName: string): string[] {
  const words = new Set<string>();
  const add = (w: string) => {
    const f = fold(w.trim());
    // Very short words (initials, "Al") would forbid too much by accident.
    if ([...f].length >= 3) words.add(f);
  };
  const local = ctx.email ? ctx.email.slice(0, Math.max(0, ctx.email.lastIndexOf('@'))) : '';
  if (local) {
    add(local);
    for (const part of local.split(/[._+-]+/)) if ([...part].length >= 4) add(part);
  }
  for (const part of (ctx.name ?? '').split(/[\s.,'"()-]+/)) add(part);
  add(productName);
  for (const part of productName.split(/\s+/)) if ([...part].length >= 4) add(part);
  return [...words];
}

/**
 * The password policy (NIST 800-63B style): length in Unicode characters, no composition rules,
 * refused when common or too guessable (zxcvbn-ts dictionaries and estimator), or when it
 * contains the user's own words. The password is judged exactly as given: never cut or case-folded.
 */
export function createPasswordPolicy(config: PasswordPolicyConfig, productName: string) {
  async function check(password: string, ctx: PasswordContext = {}): Promise<ProblemItem[]> {
    const failed: ProblemItem[] = [];
    const length = [...password].length;
    if (length < config.min_length) {
      failed.push({ code: 'password_too_short', message: `Use at least ${config.min_length} characters.`, field: 'password' });
    }
    if (length > config.max_length) {
      failed.push({ code: 'password_too_long', message: `Use at most ${config.max_length} characters.`, field: 'password' });
      // Do not spend the estimator on an oversized input.
      return failed;
    }
    const words = contextWords(ctx, productName);
    if (config.reject_context) {
      const folded = fold(password);
      if (words.some((w) => folded.includes(w))) {
        failed.push({
          code: 'password_contains_context',
          message: 'Do not use your name, your email address or the product name in your password.',
          field: 'password',
        });
      }
    }
    if (length === 0) return failed;
    const { factory, warnings } = await estimator();
    const result = factory.check(password, words);
    const warning = result.feedback.warning ?? '';
    if (config.reject_common && COMMON_WARNINGS.has(warning)) {
      failed.push({ code: 'password_common', message: 'This password is on, or close to, a list of commonly used passwords.', field: 'password' });
    }
    if (result.score < config.min_score) {
      const why = warning && warning in warnings
        ? ` ${warnings[warning as keyof TranslationKeys['warnings']]}`
        : '';
      failed.push({
        code: 'password_too_guessable',
        message: `This password is too easy to guess.${why} Longer passphrases of unrelated words work well.`,
        field: 'password',
      });
    }
    return failed;
  }

  return {
    config,
    check,
    /** Throws 422 password_policy listing every failed rule. */
    async enforce(password: string, ctx: PasswordContext = {}): Promise<void> {
      const failed = await check(password, ctx);
      if (failed.length) throw new AppError('password_policy', { errors: failed });
    },
    /** Builds the estimator now (e.g. before a batch of registrations), instead of on first use. */
    async warm(): Promise<void> {
      (await estimator()).factory.check('warm up the estimator', []);
    },
  };
}
export type PasswordPolicy = ReturnType<typeof createPasswordPolicy>;

import { en, type MailStrings } from './locales/en.js';
import type { MailTime } from './types.js';

/** Registered locales by language tag. English is the fallback for anything missing. */
const locales: Record<string, MailStrings> = { en };

/** Picks 'en-GB' → 'en-GB', else 'en', else English. */
export function pickLocale(tag: string | undefined): MailStrings {
  if (!tag) return en;
  const lower = tag.toLowerCase();
  return locales[lower] ?? locales[lower.split(/[-_]/)[0]!] ?? en;
}

/**
 * A value placed into a mail. Control characters and line breaks are flattened to spaces so that an
 * attacker-chosen name cannot start new lines (forged paragraphs in the text part, header tricks).
 * HTML escaping happens later, over the whole filled string.
 */
const MAX_VALUE = 200;

export function plainValue(value: string): string {
  // eslint-disable-next-line no-control-regex
  const flat = value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
  // Names and the like are short; a very long value is someone using our mail as a billboard.
  return flat.length > MAX_VALUE ? `${flat.slice(0, MAX_VALUE)}…` : flat;
}

/** Fills {placeholders}. A placeholder without a value is a programming error, never sent as "{name}". */
export function fill(text: string, values: Record<string, string | number>): string {
  return text.replace(/\{(\w+)\}/g, (_m, key: string) => {
    const v = values[key];
    if (v === undefined) throw new Error(`mail string needs {${key}}: ${JSON.stringify(text)}`);
    return plainValue(String(v));
  });
}

/** "1 minute", "15 minutes", by the locale's plural rules. */
export function countOf(strings: MailStrings, unit: keyof MailStrings['units'], count: number): string {
  const forms = strings.units[unit];
  const rule = new Intl.PluralRules(strings.lang).select(count);
  return fill(rule === 'one' ? forms.one : forms.other, { count });
}

/** A moment in UTC, formatted for the locale ("March 3, 2025 at 2:05 PM UTC"). */
export function formatTime(strings: MailStrings, time: MailTime): string {
  const date = typeof time === 'number' ? new Date(time) : time;
  const formatted = new Intl.DateTimeFormat(strings.lang, { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }).format(date);
  return fill(strings.common.time, { time: formatted });
}

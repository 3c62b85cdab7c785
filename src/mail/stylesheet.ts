import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type Juice from 'juice';
import { ConfigError } from '../config/load.js';
import type { Config } from '../config/schema.js';

/**
 * A CSS colour we are willing to place into a style attribute: hex, a name, or rgb()/hsl() with
 * numbers only. Anything else (a `;`, a quote, url(…)) could break out of the declaration.
 */
const CSS_COLOUR = /^(#[0-9a-f]{3,4}|#[0-9a-f]{6}|#[0-9a-f]{8}|[a-z]{3,30}|(?:rgba?|hsla?)\([0-9.,%/\sdeg+-]+\))$/i;

/** Which config key feeds which custom property of styles.css. */
const BRAND_VARIABLES = {
  primary_color: '--brand-primary',
  background_color: '--brand-background',
  text_color: '--brand-text',
} as const;

/** Rejects brand colours that are not plain CSS colours, naming the key and its environment variable. */
export function checkBrandColours(brand: Config['brand']): void {
  const problems: string[] = [];
  for (const key of Object.keys(BRAND_VARIABLES) as Array<keyof typeof BRAND_VARIABLES>) {
    const value = brand[key].trim();
    if (!CSS_COLOUR.test(value)) {
      problems.push(`brand.${key} (GATEHOUSE_BRAND_${key.toUpperCase()}): expected a CSS colour such as #2563eb, got ${JSON.stringify(brand[key])}`);
    }
  }
  if (problems.length) throw new ConfigError(problems);
}

/**
 * Replaces every var(--x) with its value: the :root defaults of the stylesheet, overridden by
 * `overrides`. The :root block itself is dropped. Mail clients ignore custom properties, so nothing
 * may be left unresolved; an unknown variable is a bug in styles.css and throws.
 */
export function resolveCssVariables(css: string, overrides: Record<string, string>): string {
  const source = css.replace(/\/\*[\s\S]*?\*\//g, '');
  const root = /:root\s*\{([^}]*)\}/.exec(source);
  const values = new Map<string, string>();
  for (const m of (root?.[1] ?? '').matchAll(/(--[\w-]+)\s*:\s*([^;]+);/g)) values.set(m[1]!, m[2]!.trim());
  for (const [name, value] of Object.entries(overrides)) {
    if (!values.has(name)) throw new Error(`styles.css declares no ${name}`);
    values.set(name, value);
  }
  const substitute = (text: string, depth: number): string =>
    text.replace(/var\(\s*(--[\w-]+)\s*(?:,\s*([^()]*))?\)/g, (_m, name: string, fallback: string | undefined) => {
      const value = values.get(name) ?? fallback?.trim();
      if (value === undefined) throw new Error(`styles.css uses undefined ${name}`);
      if (depth > 8) throw new Error(`styles.css: ${name} refers to itself`);
      return substitute(value, depth + 1);
    });
  const body = substitute(root ? source.replace(root[0], '') : source, 0);
  if (body.includes('var(')) throw new Error('styles.css: a var() could not be resolved');
  return body;
}

/** The stylesheet with the brand's colours in place: resolved once per mailer, since config is fixed. */
export function brandStylesheet(brand: Config['brand']): string {
  checkBrandColours(brand);
  const css = readFileSync(new URL('./styles.css', import.meta.url), 'utf8');
  const overrides: Record<string, string> = {};
  for (const [key, variable] of Object.entries(BRAND_VARIABLES)) overrides[variable] = brand[key as keyof typeof BRAND_VARIABLES].trim();
  return resolveCssVariables(css, overrides);
}

/** Moves the stylesheet into style attributes: many mail clients drop <style> blocks. */
// juice and its HTML/CSS parsers cost ~8 MB of memory: loaded with the first mail, not at start.
let juice: typeof Juice | undefined;
const loadJuice = (): typeof Juice => (juice ??= createRequire(import.meta.url)('juice') as typeof Juice);

export function inlineStyles(html: string, css: string): string {
  return loadJuice().inlineContent(html, css, {
    removeStyleTags: true,
    preserveMediaQueries: false,
    preserveFontFaces: false,
    preserveKeyFrames: false,
    preservePseudos: false,
    applyWidthAttributes: true,
    applyAttributesTableElements: true,
  });
}

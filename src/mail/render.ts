import type { Config } from '../config/schema.js';
import { pickLocale, plainValue } from './i18n.js';
import { layoutHtml, layoutText } from './layout.js';
import { brandStylesheet, inlineStyles } from './stylesheet.js';
import { buildTemplate } from './templates.js';
import type { MailMessage, RenderedMail } from './types.js';

/**
 * Returns a renderer for one brand: template + locale → subject, plain text and HTML with every
 * style inlined. The stylesheet is resolved once here; a bad brand colour throws ConfigError.
 */
export function createRenderer(brand: Config['brand']): (message: MailMessage) => RenderedMail {
  const css = brandStylesheet(brand);
  const product = plainValue(brand.product_name);
  return (message) => {
    const strings = pickLocale(message.locale);
    // TypeScript cannot correlate `template` with `vars` across the union; MailMessage already pairs them.
    const { subject, blocks } = buildTemplate(message.template, { s: strings, product, v: message.vars as never });
    const input = { strings, product, subject, blocks };
    return { subject, text: layoutText(input), html: inlineStyles(layoutHtml(input), css) };
  };
}

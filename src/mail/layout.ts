import { blockToHtml, blockToText, escapeHtml, type Block } from './blocks.js';
import { fill } from './i18n.js';
import type { MailStrings } from './locales/en.js';

export interface LayoutInput {
  strings: MailStrings;
  product: string;
  subject: string;
  blocks: Block[];
}

/** The HTML document around a body: header with the product name, a card, signature and footer. */
export function layoutHtml({ strings, product, subject, blocks }: LayoutInput): string {
  const body = blocks.map((b) => blockToHtml(b, strings.common.link_fallback)).join('\n');
  const signature = fill(strings.common.signature, { product });
  const footer = fill(strings.common.footer, { product });
  return `<!DOCTYPE html>
<html lang="${escapeHtml(strings.lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>${escapeHtml(subject)}</title>
</head>
<body>
<table role="presentation" class="wrapper" cellpadding="0" cellspacing="0"><tr><td align="center">
<table role="presentation" class="container" cellpadding="0" cellspacing="0">
<tr><td class="header">${escapeHtml(product)}</td></tr>
<tr><td class="card">
${body}
<p class="signature">${escapeHtml(signature)}</p>
</td></tr>
<tr><td class="footer">${escapeHtml(footer)}</td></tr>
</table>
</td></tr></table>
</body>
</html>
`;
}

/** The plain-text part: blocks separated by blank lines, then signature and footer. */
export function layoutText({ strings, product, blocks }: LayoutInput): string {
  const parts = blocks.map(blockToText);
  parts.push(fill(strings.common.signature, { product }), fill(strings.common.footer, { product }));
  return `${parts.join('\n\n')}\n`;
}

/**
 * The pieces a mail body is made of. Template builders return blocks holding plain, already filled
 * strings; only this file turns them into HTML (escaping everything) and plain text, so no template
 * can forget to escape a user's name.
 */
export type Block =
  | { kind: 'paragraph'; text: string }
  | { kind: 'button'; label: string; href: string }
  | { kind: 'code'; code: string }
  | { kind: 'facts'; rows: Array<[label: string, value: string]> }
  | { kind: 'note'; text: string };

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** Only absolute http(s) links go into a mail: a javascript: or data: URL must never become a button. */
export function safeLink(href: string): string {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    throw new Error('mail link is not an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`mail link has scheme ${url.protocol}`);
  return url.href;
}

export function blockToHtml(block: Block, linkFallback: string): string {
  switch (block.kind) {
    case 'paragraph':
      return `<p class="paragraph">${escapeHtml(block.text)}</p>`;
    case 'note':
      return `<p class="note">${escapeHtml(block.text)}</p>`;
    case 'code':
      return `<p class="code">${escapeHtml(block.code)}</p>`;
    case 'button': {
      const href = escapeHtml(safeLink(block.href));
      return (
        `<table role="presentation" class="button-row" cellpadding="0" cellspacing="0"><tr>` +
        `<td class="button-cell"><a class="button" href="${href}">${escapeHtml(block.label)}</a></td></tr></table>` +
        `<p class="fallback">${escapeHtml(linkFallback)}<br><a class="fallback-link" href="${href}">${href}</a></p>`
      );
    }
    case 'facts':
      return (
        `<table role="presentation" class="facts" cellpadding="0" cellspacing="0">` +
        block.rows
          .map(([label, value]) => `<tr><td class="fact-label">${escapeHtml(label)}</td><td class="fact-value">${escapeHtml(value)}</td></tr>`)
          .join('') +
        `</table>`
      );
  }
}

/** Plain text: links and codes stand on their own lines so mail clients and tests find them intact. */
export function blockToText(block: Block): string {
  switch (block.kind) {
    case 'paragraph':
    case 'note':
      return block.text;
    case 'code':
      return `    ${block.code}`;
    case 'button':
      return `${block.label}:\n${safeLink(block.href)}`;
    case 'facts':
      return block.rows.map(([label, value]) => `${label}: ${value}`).join('\n');
  }
}

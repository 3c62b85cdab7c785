import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { createRenderer } from '../../src/mail/render.js';
import { resolveCssVariables } from '../../src/mail/stylesheet.js';
import { templateNames } from '../../src/mail/templates.js';
import type { MailMessage } from '../../src/mail/types.js';
import { mailConfig, samples } from './fixtures.js';

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((fn) => fn()));

function renderer(overrides: Record<string, unknown> = {}) {
  const { config, cleanup } = mailConfig(overrides);
  cleanups.push(cleanup);
  return createRenderer(config.brand);
}

const BRAND = { brand: { product_name: 'Acme ID', primary_color: '#ff0066', background_color: 'rgb(250, 250, 240)', text_color: 'black' } };
const message = (template: MailMessage['template'], vars?: object, locale?: string) =>
  ({ template, to: 'ada@example.test', locale, vars: vars ?? samples[template] }) as MailMessage;

describe('mail templates', () => {
  it('covers every template name', () => {
    expect([...templateNames].sort()).toEqual(Object.keys(samples).sort());
  });

  it.each(templateNames)('%s renders subject, text and HTML with the brand inlined', (template) => {
    const mail = renderer(BRAND)(message(template));
    expect(mail.subject).toContain('Acme ID');
    for (const part of [mail.subject, mail.text, mail.html]) expect(part).not.toMatch(/\{\w+\}/);
    expect(mail.text).toContain('Acme ID');
    expect(mail.text).not.toContain('<');
    // Inlined: no stylesheet, no custom properties left, colours from config in style attributes.
    expect(mail.html).not.toMatch(/<style/i);
    expect(mail.html).not.toContain('var(');
    expect(mail.html).not.toContain('--brand');
    expect(mail.html).toMatch(/<td class="header" style="[^"]*color: #ff0066/);
    expect(mail.html).toMatch(/<body style="[^"]*background-color: rgb\(250, 250, 240\)/);
    expect(mail.html).toMatch(/<td class="card" style="[^"]*color: black/);
    expect(mail.html).toContain('<html lang="en">');
  });

  it.each(['verify_email', 'invite', 'password_reset', 'registration_attempt', 'admin_setup', 'welcome'] as const)(
    '%s carries its link in both parts',
    (template) => {
      const vars = samples[template] as { link?: string; reset_link?: string; login_url?: string };
      const link = vars.link ?? vars.reset_link ?? vars.login_url!;
      const mail = renderer()(message(template));
      expect(mail.text.split('\n')).toContain(link);
      expect(mail.html).toContain(`href="${link}"`);
    },
  );

  it.each(['verify_email', 'mfa_code'] as const)('%s shows the 6-digit code on its own line', (template) => {
    const { code } = samples[template];
    const mail = renderer()(message(template));
    expect(mail.text).toMatch(new RegExp(`^\\s*${code}\\s*$`, 'm'));
    expect(mail.html).toMatch(new RegExp(`>${code}</p>`));
  });

  it('states times in UTC, counts with plurals, and the sender IP', () => {
    const r = renderer();
    const changed = r(message('password_changed'));
    expect(changed.text).toContain('March 3, 2025');
    expect(changed.text).toContain('UTC');
    expect(changed.text).toContain('IP address: 203.0.113.9');
    expect(r(message('password_changed', { ...samples.password_changed, ip: null })).text).toContain('IP address: unknown');
    expect(r(message('invite', { ...samples.invite, expires_in_days: 1 })).text).toContain('expires in 1 day.');
    expect(r(message('invite')).text).toContain('expires in 7 days.');
    expect(r(message('mfa_code')).text).toContain('expires in 10 minutes');
    expect(r(message('account_locked')).text).toContain('after March 3, 2025');
  });

  it('greets without a name and invites without an inviter', () => {
    const r = renderer();
    expect(r(message('welcome', { ...samples.welcome, name: '  ' })).text).toMatch(/^Hello,$/m);
    expect(r(message('invite', { ...samples.invite, inviter_name: undefined })).text).toContain('You have been invited to join Gatehouse.');
    expect(r(message('invite')).text).toContain('Grace invited you to join Gatehouse.');
  });

  it('falls back to English for unknown locales and regional tags', () => {
    const r = renderer();
    const base = r(message('welcome'));
    expect(r(message('welcome', undefined, 'en-GB'))).toEqual(base);
    expect(r(message('welcome', undefined, 'xx'))).toEqual(base);
  });
});

describe('mail escaping (attacker-controlled values)', () => {
  const evil = '<script>alert("x")</script><img src=x onerror=alert(1)>';

  it.each(templateNames.filter((t) => 'name' in samples[t]))('%s escapes the user name in HTML', (template) => {
    const mail = renderer()(message(template, { ...samples[template], name: evil }));
    expect(mail.html).not.toContain('<script');
    expect(mail.html).not.toContain('<img');
    expect(mail.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;');
    // The text part is text/plain: shown as typed, never interpreted.
    expect(mail.text).toContain(`Hi ${evil},`);
  });

  it('escapes the inviter name and the product name', () => {
    const r = renderer({ brand: { product_name: 'Acme <b>ID</b>' } });
    const mail = r(message('invite', { ...samples.invite, inviter_name: '<a href="https://evil.test">Boss</a>' }));
    expect(mail.html).not.toContain('<a href="https://evil.test"');
    expect(mail.html).not.toContain('<b>');
    expect(mail.html).toContain('&lt;a href=&quot;https://evil.test&quot;&gt;Boss&lt;/a&gt;');
    expect(mail.html).toContain('Acme &lt;b&gt;ID&lt;/b&gt;');
  });

  it('keeps a name with line breaks on one line, so it cannot forge paragraphs or links', () => {
    const name = 'Eve\r\n\r\nYour account is suspended:\nhttps://evil.test/login\u2028x';
    const mail = renderer()(message('password_reset', { ...samples.password_reset, name }));
    expect(mail.text).toMatch(/^Hi Eve Your account is suspended: https:\/\/evil\.test\/login x,$/m);
    expect(mail.text.split('\n')).not.toContain('https://evil.test/login');
  });

  it('cuts absurdly long values', () => {
    const mail = renderer()(message('welcome', { ...samples.welcome, name: 'A'.repeat(5000) }));
    expect(mail.text).not.toContain('A'.repeat(201));
    expect(mail.text).toContain(`${'A'.repeat(200)}…`);
  });

  it('escapes & in links and refuses links that are not http(s)', () => {
    const r = renderer();
    const mail = r(message('password_reset', { ...samples.password_reset, link: 'https://id.example.test/reset-password?token=a&x="><script>' }));
    expect(mail.html).toContain('href="https://id.example.test/reset-password?token=a&amp;x=%22%3E%3Cscript%3E"');
    expect(mail.html).not.toContain('<script');
    for (const link of ['javascript:alert(1)', 'data:text/html,<script>alert(1)</script>', '/relative?token=x']) {
      expect(() => r(message('password_reset', { ...samples.password_reset, link }))).toThrow(/mail link/);
    }
  });
});

describe('brand stylesheet', () => {
  it.each(['red; background:url(https://evil.test/x)', '#12345g', 'expression(alert(1))', '"#fff"', 'var(--x)'])(
    'refuses the brand colour %j',
    (bad) => {
      const { config, cleanup } = mailConfig({ brand: { primary_color: bad } });
      cleanups.push(cleanup);
      expect(() => createRenderer(config.brand)).toThrow(ConfigError);
      expect(() => createRenderer(config.brand)).toThrow(/GATEHOUSE_BRAND_PRIMARY_COLOR/);
    },
  );

  it('accepts the usual colour notations', () => {
    for (const colour of ['#abc', '#AABBCC', '#aabbcc80', 'teal', 'rgba(0, 0, 0, 0.5)', 'hsl(210deg 40% 50%)']) {
      const { config, cleanup } = mailConfig({ brand: { primary_color: colour } });
      cleanups.push(cleanup);
      expect(() => createRenderer(config.brand)).not.toThrow();
    }
  });

  it('resolves var() with defaults, overrides, nesting and fallbacks', () => {
    const css = ':root { --a: red; --b: var(--a); }\n.x { color: var(--b); border-color: var(--missing, blue); background: var(--a) }';
    expect(resolveCssVariables(css, { '--a': '#010203' })).toBe('\n.x { color: #010203; border-color: blue; background: #010203 }');
    expect(() => resolveCssVariables(css, { '--nope': 'red' })).toThrow(/--nope/);
    expect(() => resolveCssVariables(':root{}\n.x { color: var(--c) }', {})).toThrow(/--c/);
  });

  it('uses the defaults from config when no brand is set', () => {
    const { config, cleanup }: { config: Config; cleanup(): void } = mailConfig();
    cleanups.push(cleanup);
    const mail = createRenderer(config.brand)(message('welcome'));
    expect(mail.html).toContain('#2563eb');
    expect(mail.subject).toBe('Welcome to Gatehouse');
  });
});

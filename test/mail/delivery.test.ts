import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/load.js';
import { createContainer } from '../../src/container.js';
import { createMailer, MailDeliveryError } from '../../src/mail/mailer.js';
import { startSmtpSink, type SmtpSink } from '../harness/smtp.js';
import { TEST_MASTER_SECRET } from '../harness/server.js';
import { capturingLogger, mailConfig, PUBLIC_URL, samples, TOKEN } from './fixtures.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function sink(opts?: Parameters<typeof startSmtpSink>[0]): Promise<SmtpSink> {
  const s = await startSmtpSink(opts);
  cleanups.push(() => s.close());
  return s;
}

function mailer(overrides: Record<string, unknown> = {}) {
  const { config, cleanup } = mailConfig(overrides);
  const log = capturingLogger(config);
  const m = createMailer({ config, logger: log.logger });
  cleanups.push(cleanup, log.close, () => m.close());
  return { mailer: m, config, log };
}

describe('mail over SMTP', () => {
  it('delivers a verification mail with both parts, the From, the link and the code', async () => {
    const smtp = await sink();
    const { mailer: m } = mailer({ smtp: { url: smtp.url, from: 'Acme ID <auth@acme.test>' } });
    expect(m.describe()).toBe(`SMTP ${smtp.url}`);

    await m.send({ template: 'verify_email', to: 'Ada@Example.test', vars: samples.verify_email });
    const msg = await smtp.waitFor((x) => x.to.includes('ada@example.test'));
    expect(msg.from).toBe('Acme ID <auth@acme.test>');
    expect(msg.subject).toBe('Confirm your email address for Gatehouse');
    expect(msg.headers['content-type']).toMatch(/^multipart\/alternative/);
    expect(msg.text).toContain('Hi Ada,');
    expect(msg.html).toContain('style="');
    expect(msg.html).not.toMatch(/<style|var\(/);
    expect(msg.headers['auto-submitted']).toBe('auto-generated');
    expect(msg.headers['x-gatehouse-template']).toBe('verify_email');
    expect(smtp.linkIn(msg, '/verify-email')).toBe(`${PUBLIC_URL}/verify-email?token=${TOKEN}`);
    expect(smtp.tokenIn(msg, '/verify-email')).toBe(TOKEN);
    expect(smtp.codeIn(msg)).toBe('042917');
    expect(() => smtp.linkIn(msg, '/invite')).toThrow(/no \/invite\?token/);
  });

  it('delivers every template', async () => {
    const smtp = await sink();
    const { mailer: m } = mailer({ smtp: { url: smtp.url } });
    for (const [template, vars] of Object.entries(samples)) {
      await m.send({ template, to: `${template}@example.test`, vars } as Parameters<typeof m.send>[0]);
    }
    for (const template of Object.keys(samples)) {
      const msg = await smtp.waitFor((x) => x.to.includes(`${template}@example.test`));
      expect(msg.headers['x-gatehouse-template']).toBe(template);
      expect(msg.from).toBe('Gatehouse <no-reply@localhost>');
      expect(msg.text.length).toBeGreaterThan(50);
      expect(msg.html).toContain('</html>');
    }
    expect(smtp.codeIn(await smtp.waitFor((x) => x.to.includes('mfa_code@example.test')))).toBe('731904');
  });

  it('delivers the escaped name: a <script> name arrives as text in the HTML part', async () => {
    const smtp = await sink();
    const { mailer: m } = mailer({ smtp: { url: smtp.url } });
    await m.send({ template: 'welcome', to: 'eve@example.test', vars: { ...samples.welcome, name: '<script>alert(1)</script>' } });
    const msg = await smtp.waitFor((x) => x.to.includes('eve@example.test'));
    expect(msg.html).not.toContain('<script');
    expect(msg.html).toContain('Hi &lt;script&gt;alert(1)&lt;/script&gt;,');
  });

  it('refuses a recipient list or a display name: one plain address only', async () => {
    const smtp = await sink();
    const { mailer: m } = mailer({ smtp: { url: smtp.url } });
    for (const to of ['a@example.test, attacker@evil.test', 'a@example.test;b@evil.test', 'Boss <a@example.test>', 'a@example.test\r\nBcc: b@evil.test', 'no-at-sign']) {
      await expect(m.send({ template: 'welcome', to, vars: samples.welcome })).rejects.toThrow(/one plain email address/);
    }
    await m.send({ template: 'welcome', to: 'ok@example.test', vars: samples.welcome });
    await smtp.waitFor((x) => x.to.includes('ok@example.test'));
    expect(smtp.messages.flatMap((x) => x.to)).toEqual(['ok@example.test']);
  });

  it('rejects on delivery failure and logs only the template and recipient domain', async () => {
    const smtp = await sink({ rejectRecipient: (a) => a.endsWith('@bounce.test') });
    const { mailer: m, log } = mailer({ smtp: { url: smtp.url } });
    const sending = m.send({ template: 'password_reset', to: 'victim.person@bounce.test', vars: samples.password_reset });
    await expect(sending).rejects.toBeInstanceOf(MailDeliveryError);
    await expect(sending).rejects.toMatchObject({ template: 'password_reset', recipientDomain: 'bounce.test' });

    const failure = log.lines.find((l) => l.msg === 'mail delivery failed');
    expect(failure).toMatchObject({ template: 'password_reset', to_domain: 'bounce.test', component: 'mail' });
    expect((failure!.error as Record<string, unknown>).smtp_status).toBe(550);
    expect(log.raw()).not.toContain(TOKEN);
    expect(log.raw()).not.toContain('victim.person');
  });

  it('sendInBackground never throws, logs failures, and close() waits for it', async () => {
    const smtp = await sink({ rejectRecipient: (a) => a.endsWith('@bounce.test') });
    const { config, cleanup } = mailConfig({ smtp: { url: smtp.url } });
    cleanups.push(cleanup);
    const log = capturingLogger(config);
    cleanups.push(log.close);
    const m = createMailer({ config, logger: log.logger });

    expect(() => m.sendInBackground({ template: 'registration_attempt', to: 'x@bounce.test', vars: samples.registration_attempt })).not.toThrow();
    m.sendInBackground({ template: 'registration_attempt', to: 'owner@example.test', vars: samples.registration_attempt });
    m.sendInBackground({ template: 'registration_attempt', to: 'not an address', vars: samples.registration_attempt });
    await m.close();

    expect(smtp.messages.map((x) => x.to[0])).toEqual(['owner@example.test']);
    expect(log.lines.filter((l) => l.msg === 'mail delivery failed').map((l) => l.to_domain)).toEqual(['bounce.test']);
    expect(log.lines.filter((l) => l.msg === 'mail not sent')).toHaveLength(1);
    expect(log.lines.filter((l) => l.msg === 'mail sent').map((l) => l.to_domain)).toEqual(['example.test']);
    expect(log.raw()).not.toContain(TOKEN);
    await expect(m.send({ template: 'welcome', to: 'late@example.test', vars: samples.welcome })).rejects.toThrow(/closed/);
  });
});

describe('SMTP configuration', () => {
  it('refuses non-SMTP URLs and unknown options without echoing the password', () => {
    const bad = ['http://mail.example.test', 'smtp://user:hunter2@mail.example.test?sendmail=true&path=/bin/sh', 'smtps://user:hunter2@mail.example.test?streamTransport=true', 'not a url'];
    for (const url of bad) {
      const { config, cleanup } = mailConfig({ smtp: { url } });
      cleanups.push(cleanup);
      let error: unknown;
      try {
        createMailer({ config, logger: capturingLogger(config).logger });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain('GATEHOUSE_SMTP_URL');
      expect((error as Error).message).not.toContain('hunter2');
    }
  });

  it('describes the server without its credentials and accepts nodemailer options', () => {
    const { mailer: m } = mailer({ smtp: { url: 'smtps://user:hunter2@mail.example.test?tls.rejectUnauthorized=false&pool=true' } });
    expect(m.describe()).toBe('SMTP smtps://mail.example.test:465');
    const { mailer: m2 } = mailer({ smtp: { url: 'smtp://mail.example.test:2525?requireTLS=true' } });
    expect(m2.describe()).toBe('SMTP smtp://mail.example.test:2525');
  });

  it('reads GATEHOUSE_SMTP_URL and GATEHOUSE_SMTP_FROM from the environment', async () => {
    const { loadConfig } = await import('../../src/config/load.js');
    const config = loadConfig({ GATEHOUSE_SMTP_URL: 'smtp://mail.example.test:25', GATEHOUSE_SMTP_FROM: 'X <x@example.test>' }, { app_env: 'test' });
    expect(config.smtp).toEqual({ url: 'smtp://mail.example.test:25', from: 'X <x@example.test>' });
  });
});

describe('mail without SMTP: the outbox', () => {
  it('writes each message as an .eml file that parses as the same mail', async () => {
    const { mailer: m, config } = mailer();
    const outbox = resolve(config.data_dir, 'outbox');
    expect(m.describe()).toBe(`outbox ${outbox}`);

    await m.send({ template: 'password_reset', to: 'ada@example.test', vars: samples.password_reset });
    const files = readdirSync(outbox);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^[0-9A-Z]{26}-password_reset\.eml$/);
    const file = join(outbox, files[0]!);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);

    const raw = readFileSync(file);
    expect(raw.toString('latin1')).toMatch(/\r\n\r\n/); // RFC 5322 line ends
    const parsed = await simpleParser(raw);
    expect(parsed.subject).toBe('Reset your Gatehouse password');
    expect(parsed.from?.value).toEqual([{ name: 'Gatehouse', address: 'no-reply@localhost' }]);
    expect(Array.isArray(parsed.to) ? '' : parsed.to?.text).toBe('ada@example.test');
    expect(parsed.text).toContain(`${PUBLIC_URL}/reset-password?token=${TOKEN}`);
    expect(parsed.html).toContain('style="');
    expect(parsed.headers.get('auto-submitted')).toBe('auto-generated');

    await m.send({ template: 'welcome', to: 'ada@example.test', vars: samples.welcome });
    expect(readdirSync(outbox).sort()[1]).toMatch(/-welcome\.eml$/);
  });
});

describe('container wiring', () => {
  it('creates the mailer, reports where mail goes, and closes it on shutdown', async () => {
    const smtp = await sink();
    for (const smtpUrl of [null, smtp.url]) {
      const { config, cleanup } = mailConfig({ master_secret: TEST_MASTER_SECRET, smtp: { url: smtpUrl } });
      cleanups.push(cleanup);
      const log = capturingLogger(config);
      cleanups.push(log.close);
      const lines: string[] = [];
      const container = await createContainer(config, { logger: log.logger, report: (l) => lines.push(l) });
      const expected = smtpUrl ? `mail: SMTP ${smtp.url}` : `mail: outbox ${resolve(config.data_dir, 'outbox')}`;
      expect(lines).toContain(expected);
      container.mailer.sendInBackground({ template: 'welcome', to: 'wired@example.test', vars: samples.welcome });
      await container.close();
      // close() waited for the background send.
      if (smtpUrl) expect(smtp.messages.map((x) => x.to[0])).toEqual(['wired@example.test']);
      else expect(readdirSync(resolve(config.data_dir, 'outbox'))).toHaveLength(1);
    }
  });
});

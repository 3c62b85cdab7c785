import type { Block } from './blocks.js';
import { countOf, fill, formatTime } from './i18n.js';
import type { MailStrings } from './locales/en.js';
import type { TemplateName, TemplateVars } from './types.js';

/** What a body builder gets: the locale, the product name and the template's values. */
interface Ctx<K extends TemplateName> {
  s: MailStrings;
  product: string;
  v: TemplateVars[K];
}

interface Built {
  subject: string;
  blocks: Block[];
}

const paragraph = (text: string): Block => ({ kind: 'paragraph', text });
const note = (text: string): Block => ({ kind: 'note', text });
const button = (label: string, href: string): Block => ({ kind: 'button', label, href });
const code = (value: string): Block => ({ kind: 'code', code: value });

/** "Hi Ada," or "Hello," when the name is blank. */
const greeting = (s: MailStrings, name: string | null | undefined): Block =>
  paragraph(name?.trim() ? fill(s.common.greeting, { name }) : s.common.greeting_anonymous);

/** One body builder per template. Strings come from the locale; values are filled, never concatenated. */
const builders: { [K in TemplateName]: (ctx: Ctx<K>) => Built } = {
  verify_email: ({ s, product, v }) => ({
    subject: fill(s.verify_email.subject, { product }),
    blocks: [
      greeting(s, v.name),
      paragraph(fill(s.verify_email.intro, { product })),
      button(s.verify_email.button, v.link),
      paragraph(s.verify_email.code_intro),
      code(v.code),
      note(s.verify_email.ignore),
    ],
  }),
  welcome: ({ s, product, v }) => ({
    subject: fill(s.welcome.subject, { product }),
    blocks: [
      greeting(s, v.name),
      paragraph(fill(s.welcome.intro, { product })),
      button(s.welcome.button, v.login_url),
      paragraph(s.welcome.outro),
    ],
  }),
  invite: ({ s, product, v }) => ({
    subject: fill(s.invite.subject, { product }),
    blocks: [
      paragraph(
        v.inviter_name?.trim()
          ? fill(s.invite.intro_named, { inviter: v.inviter_name, product })
          : fill(s.invite.intro_anonymous, { product }),
      ),
      button(s.invite.button, v.link),
      note(fill(s.invite.expiry, { expires: countOf(s, 'days', v.expires_in_days) })),
      note(s.invite.ignore),
    ],
  }),
  password_reset: ({ s, product, v }) => ({
    subject: fill(s.password_reset.subject, { product }),
    blocks: [
      greeting(s, v.name),
      paragraph(fill(s.password_reset.intro, { product })),
      button(s.password_reset.button, v.link),
      note(fill(s.password_reset.expiry, { expires: countOf(s, 'minutes', v.expires_in_minutes) })),
      note(s.password_reset.ignore),
    ],
  }),
  password_changed: ({ s, product, v }) => ({
    subject: fill(s.password_changed.subject, { product }),
    blocks: [
      greeting(s, v.name),
      paragraph(fill(s.password_changed.intro, { product })),
      {
        kind: 'facts',
        rows: [
          [s.password_changed.time_label, formatTime(s, v.time)],
          [s.password_changed.ip_label, fill('{ip}', { ip: v.ip?.trim() || s.common.unknown })],
        ],
      },
      paragraph(s.password_changed.warning),
    ],
  }),
  registration_attempt: ({ s, product, v }) => ({
    subject: fill(s.registration_attempt.subject, { product }),
    blocks: [
      greeting(s, v.name),
      paragraph(fill(s.registration_attempt.intro, { product })),
      paragraph(s.registration_attempt.reset_intro),
      button(s.registration_attempt.button, v.reset_link),
      note(s.registration_attempt.ignore),
    ],
  }),
  mfa_code: ({ s, product, v }) => ({
    subject: fill(s.mfa_code.subject, { product }),
    blocks: [
      greeting(s, v.name),
      paragraph(fill(s.mfa_code.intro, { product })),
      code(v.code),
      note(fill(s.mfa_code.expiry, { expires: countOf(s, 'minutes', v.expires_in_minutes) })),
      note(s.mfa_code.warning),
    ],
  }),
  account_locked: ({ s, product, v }) => ({
    subject: fill(s.account_locked.subject, { product }),
    blocks: [
      greeting(s, v.name),
      paragraph(fill(s.account_locked.intro, { product })),
      paragraph(fill(s.account_locked.until, { until: formatTime(s, v.until) })),
      note(s.account_locked.warning),
    ],
  }),
  admin_setup: ({ s, product, v }) => ({
    subject: fill(s.admin_setup.subject, { product }),
    blocks: [
      greeting(s, v.name),
      paragraph(fill(s.admin_setup.intro, { product })),
      button(s.admin_setup.button, v.link),
      note(fill(s.admin_setup.outro, { product })),
    ],
  }),
};

export const templateNames = Object.keys(builders) as TemplateName[];

/** Builds the subject and body blocks of one template. */
export function buildTemplate<K extends TemplateName>(template: K, ctx: Ctx<K>): Built {
  const builder = builders[template] as ((c: Ctx<K>) => Built) | undefined;
  if (!builder) throw new Error(`unknown mail template ${JSON.stringify(template)}`);
  return builder(ctx);
}

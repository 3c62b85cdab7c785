/** A moment shown in a mail: a Date or epoch milliseconds (what `clock.now()` gives). Rendered in UTC. */
export type MailTime = Date | number;

/** Each template's name and the values it needs. Links are absolute URLs built by the caller. */
export interface TemplateVars {
  verify_email: { name: string; link: string; code: string };
  welcome: { name: string; login_url: string };
  invite: { inviter_name?: string | null; link: string; expires_in_days: number };
  password_reset: { name: string; link: string; expires_in_minutes: number };
  password_changed: { name: string; time: MailTime; ip: string | null };
  /** "Someone tried to register with your address": sent instead of revealing that the account exists. */
  registration_attempt: { name: string; reset_link: string };
  mfa_code: { name: string; code: string; expires_in_minutes: number };
  account_locked: { name: string; until: MailTime };
  /** Superuser / admin-created account: link to set a first password. */
  admin_setup: { name: string; link: string };
}

export type TemplateName = keyof TemplateVars;

/** One mail to send: a template, one recipient address, its values and an optional locale ('en', 'en-GB', …). */
export type MailMessage = {
  [K in TemplateName]: { template: K; to: string; locale?: string; vars: TemplateVars[K] };
}[TemplateName];

/** A rendered mail, ready for a transport. */
export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

export interface Mailer {
  /** Renders and delivers; rejects with MailDeliveryError when the transport fails. */
  send(message: MailMessage): Promise<void>;
  /** Delivers without letting the caller wait or fail: errors are logged only (anti-enumeration flows). */
  sendInBackground(message: MailMessage): void;
  /** Renders without sending (previews, tests). */
  render(message: MailMessage): RenderedMail;
  /** Where mail goes, for the start-up line: "SMTP smtp://host:port" or "outbox /abs/path". */
  describe(): string;
  /** Waits for background sends, then closes the transport. */
  close(): Promise<void>;
}

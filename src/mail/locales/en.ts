/**
 * Every string a mail shows, in English. {placeholders} are filled at render time; the values are
 * escaped there, so these strings are plain text (no HTML). Another language copies this object
 * with the type `MailStrings` and registers it in ../i18n.ts.
 */
export const en = {
  /** BCP 47 tag: the HTML lang attribute and date formatting. */
  lang: 'en',
  units: {
    minutes: { one: '{count} minute', other: '{count} minutes' },
    days: { one: '{count} day', other: '{count} days' },
  },
  common: {
    greeting: 'Hi {name},',
    greeting_anonymous: 'Hello,',
    link_fallback: 'If the button does not work, copy this address into your browser:',
    signature: 'The {product} team',
    footer: 'This message was sent automatically by {product}. Replies are not read.',
    time: '{time} UTC',
    unknown: 'unknown',
  },
  verify_email: {
    subject: 'Confirm your email address for {product}',
    intro: 'Please confirm that this address is yours to finish setting up your {product} account.',
    button: 'Confirm email address',
    code_intro: 'Or enter this code where you were asked for it:',
    ignore: 'If you did not create an account, you can ignore this message.',
  },
  welcome: {
    subject: 'Welcome to {product}',
    intro: 'Your {product} account is ready.',
    button: 'Sign in',
    outro: 'We are glad to have you with us.',
  },
  invite: {
    subject: 'You are invited to {product}',
    intro_named: '{inviter} invited you to join {product}.',
    intro_anonymous: 'You have been invited to join {product}.',
    button: 'Accept the invitation',
    expiry: 'This invitation expires in {expires}.',
    ignore: 'If you do not want to join, you can ignore this message.',
  },
  password_reset: {
    subject: 'Reset your {product} password',
    intro: 'We received a request to reset the password of your {product} account.',
    button: 'Choose a new password',
    expiry: 'This link expires in {expires} and works once.',
    ignore: 'If you did not ask for this, you can ignore this message: your password stays the same.',
  },
  password_changed: {
    subject: 'Your {product} password was changed',
    intro: 'The password of your {product} account was just changed.',
    time_label: 'Time',
    ip_label: 'IP address',
    warning: 'If this was not you, reset your password right away and review your active sessions.',
  },
  registration_attempt: {
    subject: 'Someone tried to register with your address at {product}',
    intro: 'Someone tried to create a {product} account with this email address, but you already have one.',
    reset_intro: 'If that was you and you have forgotten your password, you can choose a new one:',
    button: 'Reset your password',
    ignore: 'If it was not you, you can ignore this message: your account is unchanged.',
  },
  mfa_code: {
    subject: 'Your {product} sign-in code',
    intro: 'Use this code to finish signing in to {product}:',
    expiry: 'The code expires in {expires} and works once.',
    warning: 'If you are not signing in right now, someone else knows your password: change it.',
  },
  account_locked: {
    subject: 'Your {product} account is temporarily locked',
    intro: 'There were too many failed sign-in attempts on your {product} account, so we locked it for a while.',
    until: 'You can sign in again after {until}.',
    warning: 'If these attempts were not yours, consider changing your password once the lock ends.',
  },
  admin_setup: {
    subject: 'Set up your {product} administrator account',
    intro: 'An administrator account has been created for you on {product}.',
    button: 'Set your password',
    outro: 'The link works once. If you did not expect this, tell the person who runs {product}.',
  },
};

/** The shape every locale has. */
export type MailStrings = typeof en;

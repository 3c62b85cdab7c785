/** Minimal HTML for the mailed-link pages; the console replaces them later. No inline script. */

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function page(product: string, title: string, body: string): string {
  const p = escapeHtml(product);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)} · ${p}</title>
<link rel="stylesheet" href="assets/account-pages.css">
<script src="assets/account-pages.js" defer></script>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${body}
<p id="result" role="status" aria-live="polite"></p>
<noscript><p>This page needs JavaScript to talk to ${p}.</p></noscript>
</main>
</body>
</html>
`;
}

const passwordFields = `<label for="password">New password</label>
<input id="password" name="password" type="password" autocomplete="new-password" required minlength="1">
<p class="hint">At least 12 characters. A few unrelated words make a good passphrase.</p>
<label for="confirm">Repeat the password</label>
<input id="confirm" name="confirm" type="password" autocomplete="new-password" required>`;

export const verifyEmailPage = (product: string) =>
  page(
    product,
    'Verify your email address',
    `<form data-action="verify" method="post" action="#">
<p>Confirm that this address is yours.</p>
<div id="code-fields">
<label for="email">Email address</label>
<input id="email" name="email" type="email" autocomplete="email" required>
<label for="code">6-digit code from the mail</label>
<input id="code" name="code" inputmode="numeric" pattern="[0-9]{6}" autocomplete="one-time-code" required>
</div>
<button type="submit">Verify</button>
</form>`,
  );

export const resetPasswordPage = (product: string) =>
  page(
    product,
    'Choose a new password',
    `<form data-action="reset" method="post" action="#">
${passwordFields}
<button type="submit">Set password</button>
</form>`,
  );

export const invitePage = (product: string) =>
  page(
    product,
    'Accept your invitation',
    `<form data-action="invite" method="post" action="#">
<label for="name">Your name</label>
<input id="name" name="name" autocomplete="name" required maxlength="200">
${passwordFields}
<button type="submit">Create my account</button>
</form>`,
  );

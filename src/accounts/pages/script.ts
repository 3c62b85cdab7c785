/**
 * The one script of the account pages, served same-origin as /assets/account-pages.js so the
 * pages need no inline script (a strict CSP forbids it). It reads the token from the page URL
 * (it is never echoed into the HTML) and posts it to the API as JSON.
 */
export const accountPagesScript = String.raw`(function () {
  'use strict';
  var token = new URLSearchParams(window.location.search).get('token') || '';
  var form = document.querySelector('form[data-action]');
  var out = document.getElementById('result');
  if (!form || !out) return;
  var kind = form.getAttribute('data-action');
  var done = {
    verify: 'Your email address is verified. You can sign in now.',
    reset: 'Your password has been changed. You can sign in with it now.',
    invite: 'Your account is ready. You can sign in now.'
  };
  var codeFields = document.getElementById('code-fields');
  if (codeFields && token) codeFields.parentNode.removeChild(codeFields);
  if (kind !== 'verify' && !token) {
    out.textContent = 'This link is incomplete: open the link from your mail again.';
    out.className = 'error';
  }
  function show(message, ok) {
    out.textContent = message;
    out.className = ok ? 'ok' : 'error';
  }
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var data = {};
    new FormData(form).forEach(function (value, key) { data[key] = String(value); });
    var url;
    var body;
    if (kind === 'verify') {
      url = 'api/v1/auth/verify-email';
      body = token ? { token: token } : { email: data.email, code: (data.code || '').trim() };
    } else {
      if (data.password !== data.confirm) return show('The two passwords differ.', false);
      url = kind === 'reset' ? 'api/v1/auth/password/reset' : 'api/v1/auth/invitations/accept';
      body = kind === 'reset' ? { token: token, password: data.password } : { token: token, name: data.name, password: data.password };
    }
    var button = form.querySelector('button');
    if (button) button.disabled = true;
    fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body)
    }).then(function (response) {
      if (response.ok) {
        form.hidden = true;
        return show(done[kind], true);
      }
      return response.json().catch(function () { return {}; }).then(function (problem) {
        var reasons = (problem.errors || []).map(function (e) { return e.message; });
        show([problem.detail || 'Something went wrong.'].concat(reasons).join(' '), false);
        if (button) button.disabled = false;
      });
    }).catch(function () {
      show('The server could not be reached. Try again.', false);
      if (button) button.disabled = false;
    });
  });
})();
`;

export const accountPagesStyle = `:root { --brand: #2563eb; --text: #1f2937; --bg: #f4f5f7; }
body { margin: 0; font: 16px/1.5 system-ui, sans-serif; color: var(--text); background: var(--bg); }
main { max-width: 26rem; margin: 4rem auto; padding: 2rem; background: #fff; border-radius: 8px; box-shadow: 0 1px 3px rgba(0,0,0,.1); }
h1 { font-size: 1.4rem; margin-top: 0; }
label { display: block; margin: 1rem 0 .25rem; font-weight: 600; }
input { width: 100%; box-sizing: border-box; padding: .6rem; font: inherit; border: 1px solid #cbd5e1; border-radius: 6px; }
button { margin-top: 1.5rem; width: 100%; padding: .7rem; font: inherit; font-weight: 600; color: #fff; background: var(--brand); border: 0; border-radius: 6px; cursor: pointer; }
button:disabled { opacity: .6; }
.hint { color: #64748b; font-size: .9rem; }
#result.ok { color: #166534; }
#result.error { color: #b91c1c; }
`;

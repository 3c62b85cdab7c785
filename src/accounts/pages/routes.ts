import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { invitePage, resetPasswordPage, verifyEmailPage } from './html.js';
import { accountPagesScript, accountPagesStyle } from './script.js';

/**
 * The pages mailed links open (/verify-email, /reset-password, /invite) and their one script and
 * stylesheet. The pages are static: the token stays in the URL and the script posts it to the API.
 */
export async function accountPages(app: FastifyInstance, opts: { productName: string }) {
  const pages: Array<[string, string]> = [
    ['/verify-email', verifyEmailPage(opts.productName)],
    ['/reset-password', resetPasswordPage(opts.productName)],
    ['/invite', invitePage(opts.productName)],
  ];
  // Query strings differ only by the token the script reads; anything else is ignored.
  const schema = { hide: true, querystring: Type.Object({ token: Type.Optional(Type.String({ maxLength: 256 })) }), response: { 200: Type.String() } };

  const secure = (reply: FastifyReply) =>
    reply
      .header(
        'content-security-policy',
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
      )
      .header('x-frame-options', 'DENY')
      // The token is in the URL: never leak it in a Referer, never keep the page in a cache.
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff');

  for (const [path, html] of pages) {
    app.get(path, { schema }, async (_request, reply) => secure(reply).type('text/html; charset=utf-8').send(html));
  }
  app.get('/assets/account-pages.js', { schema: { hide: true, response: { 200: Type.String() } } }, async (_request, reply) =>
    reply.header('x-content-type-options', 'nosniff').header('cache-control', 'public, max-age=300').type('text/javascript; charset=utf-8').send(accountPagesScript),
  );
  app.get('/assets/account-pages.css', { schema: { hide: true, response: { 200: Type.String() } } }, async (_request, reply) =>
    reply.header('x-content-type-options', 'nosniff').header('cache-control', 'public, max-age=300').type('text/css; charset=utf-8').send(accountPagesStyle),
  );
}

import type { FastifyInstance } from 'fastify';
import type { KeyService } from './service.js';
import { JwksSchema } from './schema.js';

/** How long relying parties may cache the JWKS: short, so a rotation reaches them quickly. */
const JWKS_MAX_AGE = 300;

/** GET /.well-known/jwks.json: the public keys that verify our tokens. */
export async function keyRoutes(app: FastifyInstance, opts: { keys: Pick<KeyService, 'jwks'> }) {
  app.get(
    '/.well-known/jwks.json',
    {
      schema: {
        tags: ['operations'],
        summary: 'Public signing keys (active and still-verifying) as a JSON Web Key Set',
        response: { 200: JwksSchema },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', `public, max-age=${JWKS_MAX_AGE}`);
      return opts.keys.jwks();
    },
  );
}

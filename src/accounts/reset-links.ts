import type { Clock } from '../shared/clock.js';
import { newId } from '../shared/ids.js';
import type { AccountDeps } from './deps.js';
import type { LinkStore } from './link-store.js';
import { mintToken, type AccountUrls } from './links.js';
import type { UserRow } from './store.js';

/** Mints reset links (forgot password, 1 h) and setup links (first password, longer). */
export function createResetLinks(deps: { links: LinkStore; clock: Clock; urls: AccountUrls; config: Pick<AccountDeps['config'], 'accounts'> }) {
  return {
    /** Stores a new single-use link for a user and returns its URL (to mail or print). */
    async mint(user: UserRow, purpose: 'reset' | 'setup', ip: string | null = null): Promise<string> {
      const now = deps.clock.now();
      const ttl = purpose === 'reset' ? deps.config.accounts.reset_ttl : deps.config.accounts.setup_link_ttl;
      const { token, hash } = mintToken();
      await deps.links.insertReset({
        id: newId(now),
        user_id: user.id,
        purpose,
        token_hash: hash,
        requested_ip: ip,
        created_at: now,
        expires_at: now + ttl * 1000,
        consumed_at: null,
      });
      return deps.urls.resetPassword(token);
    },
  };
}
export type ResetLinks = ReturnType<typeof createResetLinks>;

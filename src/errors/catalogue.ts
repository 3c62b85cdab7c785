/**
 * Every error code Gatehouse answers with, its HTTP status and title. Codes are stable API:
 * add new ones freely, never rename. Capabilities add their codes here, grouped by section.
 */
export const errorCatalogue = {
  // HTTP and input
  validation_failed: { status: 400, title: 'The request is not valid' },
  malformed_json: { status: 400, title: 'The request body is not valid JSON' },
  bad_request: { status: 400, title: 'Bad request' },
  unauthorized: { status: 401, title: 'Authentication required' },
  forbidden: { status: 403, title: 'Not allowed' },
  csrf_failed: { status: 403, title: 'Cross-site request refused' },
  not_found: { status: 404, title: 'Not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  conflict: { status: 409, title: 'Conflict' },
  payload_too_large: { status: 413, title: 'Request body too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported content type' },
  rule_failed: { status: 422, title: 'The request breaks a rule' },
  rate_limited: { status: 429, title: 'Too many requests' },
  internal_error: { status: 500, title: 'Internal server error' },
  service_unavailable: { status: 503, title: 'Service unavailable' },
  // accounts
  invalid_credentials: { status: 401, title: 'Invalid email or password' },
  password_policy: { status: 422, title: 'The password does not meet the policy' },
  registration_closed: { status: 403, title: 'Registration is not open' },
  email_taken: { status: 409, title: 'A user with this email already exists' },
  last_superuser: { status: 409, title: 'The last superuser cannot be removed' },
  invalid_link: { status: 400, title: 'The link or code is invalid or has expired' },
  reauth_required: { status: 401, title: 'Re-authentication required' },
  wrong_password: { status: 403, title: 'The password is wrong' },
  // tokens and sessions
  invalid_token: { status: 401, title: 'The token is invalid or expired' },
  token_reused: { status: 401, title: 'The refresh token was already used' },
  // mfa
  mfa_required: { status: 401, title: 'A second factor is required' },
  mfa_invalid: { status: 401, title: 'The second factor is invalid' },
  mfa_locked: { status: 429, title: 'Too many failed second-factor attempts' },
  mfa_send_limit: { status: 429, title: 'Too many codes sent' },
  mfa_method_unavailable: { status: 400, title: 'That second factor is not set up for this user' },
  mfa_delivery_failed: { status: 503, title: 'The code could not be delivered' },
  // protection
  ip_blocked: { status: 403, title: 'This address is blocked' },
  network_denied: { status: 403, title: 'Access from this network is denied' },
  account_locked: { status: 423, title: 'The account is locked' },
  self_lockout: { status: 409, title: 'This change would lock you out' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof errorCatalogue;

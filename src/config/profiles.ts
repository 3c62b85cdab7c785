/** Profile defaults applied over the built-in ones, before the file and the environment. */
export const profiles: Record<'development' | 'test' | 'production', Record<string, unknown>> = {
  development: { metrics: 'open', log: { level: 'info' } },
  // Suites not about the defences must not trip the general per-IP limit; login limits keep their defaults.
  // Tests log in as staff/superuser with a password alone; MFA policy tests set mfa.required_roles themselves.
  test: { metrics: 'open', log: { level: 'warn', stdout: false }, protection: { rate_limit_per_ip: 0 }, mfa: { required_roles: [] } },
  production: { metrics: 'token', log: { level: 'info' } },
};

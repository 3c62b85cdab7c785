/** Profile defaults applied over the built-in ones, before the file and the environment. */
export const profiles: Record<'development' | 'test' | 'production', Record<string, unknown>> = {
  development: { metrics: 'open', log: { level: 'info' } },
  test: { metrics: 'open', log: { level: 'warn', stdout: false } },
  production: { metrics: 'token', log: { level: 'info' } },
};

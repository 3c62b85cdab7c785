/**
 * One load phase, run as its own process so the load generator never shares an event loop with
 * the server: reads a scenario from argv (JSON), drives it with autocannon, prints a JSON result.
 */
import autocannon from 'autocannon';

interface Scenario {
  url: string;
  method: 'GET' | 'POST';
  connections: number;
  duration: number;
  headers?: Record<string, string>;
  body?: string;
  /** Requests per second over all connections (run.ts --rate); flat out when absent. */
  rate?: number;
  /** Refresh chains: one starting refresh token per connection, plus spares for broken chains. */
  refreshTokens?: string[];
}

const s = JSON.parse(process.argv[2]!) as Scenario;

// Each connection carries its own refresh chain. autocannon calls onResponse and then setupRequest
// of the same connection synchronously, so the token handed over here always belongs to that chain.
const pool = [...(s.refreshTokens ?? [])];
let handoff: string | undefined;
let brokenChains = 0;

const refreshRequest = {
  method: 'POST' as const,
  path: new URL(s.url).pathname,
  setupRequest(req: autocannon.Request) {
    const token = handoff ?? pool.shift();
    handoff = undefined;
    if (!token) return req; // should not happen: spares cover broken chains
    return { ...req, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refresh_token: token }) };
  },
  onResponse(status: number, body: string) {
    if (status === 200) handoff = (JSON.parse(body) as { refresh_token: string }).refresh_token;
    else brokenChains++;
  },
};

const instance = autocannon({
  url: s.url,
  connections: s.connections,
  duration: s.duration,
  method: s.method,
  headers: s.headers,
  body: s.body,
  ...(s.refreshTokens ? { requests: [refreshRequest] } : {}),
  ...(s.rate ? { overallRate: s.rate } : {}),
});
const r = await instance;
const non2xx = r.non2xx + r.errors + r.timeouts;
process.stdout.write(
  `${JSON.stringify({
    requests: r.requests.total,
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: non2xx,
    broken_chains: brokenChains,
    duration_s: r.duration,
  })}\n`,
);

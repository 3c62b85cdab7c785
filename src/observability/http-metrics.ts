/** Upper bounds of the duration histogram, in seconds. */
export const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] as const;

interface RouteSeries {
  method: string;
  route: string;
  byStatus: Map<number, number>;
  /** Observations per bucket, not cumulative; the last slot is +Inf. */
  buckets: number[];
  sum: number;
  count: number;
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/**
 * The request counter and duration histogram, kept as plain numbers per (method, route) and
 * rendered in the Prometheus text format on scrape. prom-client's labelled children re-hash and
 * re-validate their labels on every `inc` and `observe`: a measurable share of a request that
 * does little else (bench/README.md). Route patterns only, never raw URLs, so the series stay
 * bounded.
 */
export class HttpMetrics {
  private readonly series = new Map<string, RouteSeries>();

  record(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${route}`;
    let s = this.series.get(key);
    if (!s) {
      s = { method, route, byStatus: new Map(), buckets: new Array<number>(DURATION_BUCKETS.length + 1).fill(0), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    s.byStatus.set(status, (s.byStatus.get(status) ?? 0) + 1);
    let i = 0;
    while (i < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[i]!) i++;
    s.buckets[i]!++;
    s.sum += seconds;
    s.count++;
  }

  /** Both metrics in the Prometheus text exposition format (0.0.4). */
  render(): string {
    const counter = ['# HELP http_requests_total HTTP requests answered, by method, route pattern and status', '# TYPE http_requests_total counter'];
    const histogram = ['# HELP http_request_duration_seconds Time to answer an HTTP request, by method and route pattern', '# TYPE http_request_duration_seconds histogram'];
    for (const s of this.series.values()) {
      const labels = `method="${escapeLabel(s.method)}",route="${escapeLabel(s.route)}"`;
      for (const [status, n] of s.byStatus) counter.push(`http_requests_total{${labels},status="${status}"} ${n}`);
      let cumulative = 0;
      DURATION_BUCKETS.forEach((bound, i) => {
        cumulative += s.buckets[i]!;
        histogram.push(`http_request_duration_seconds_bucket{${labels},le="${bound}"} ${cumulative}`);
      });
      histogram.push(`http_request_duration_seconds_bucket{${labels},le="+Inf"} ${s.count}`);
      histogram.push(`http_request_duration_seconds_sum{${labels}} ${s.sum}`);
      histogram.push(`http_request_duration_seconds_count{${labels}} ${s.count}`);
    }
    return `${counter.join('\n')}\n\n${histogram.join('\n')}\n`;
  }
}

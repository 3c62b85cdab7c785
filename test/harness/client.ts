import http from 'node:http';

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  cookies: string[];
}

export interface RequestOptions {
  headers?: Record<string, string>;
  body?: unknown;
  /** Raw body sent as is (with its own content-type header). */
  raw?: string | Buffer;
  /** Send no Origin header even for a cookie-carrying state change. */
  noOrigin?: boolean;
}

/**
 * A minimal HTTP client over node:http with a cookie jar, able to speak from any loopback address
 * (`localAddress`) so tests can be several clients with different IPs without trusting proxies.
 */
export class Client {
  readonly jar = new Map<string, string>();
  bearer?: string;

  constructor(
    readonly baseUrl: string,
    readonly localAddress = '127.0.0.1',
    /** The Origin state changes carry; default the server's own (another instance of one public URL differs). */
    private readonly originOverride?: string,
  ) {}

  get origin(): string {
    return this.originOverride ?? new URL(this.baseUrl).origin;
  }

  cookieHeader(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  request(method: string, path: string, opts: RequestOptions = {}): Promise<Reply> {
    const url = new URL(path, this.baseUrl);
    const headers: Record<string, string> = { ...opts.headers };
    let payload: string | Buffer | undefined;
    if (opts.raw !== undefined) payload = opts.raw;
    else if (opts.body !== undefined) {
      payload = JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    // Node frames DELETE (and GET) bodies only with an explicit length; give every body one.
    if (payload !== undefined && headers['content-length'] === undefined && headers['transfer-encoding'] === undefined) {
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    if (this.jar.size) headers.cookie ??= this.cookieHeader();
    if (this.bearer) headers.authorization ??= `Bearer ${this.bearer}`;
    if (method !== 'GET' && method !== 'HEAD' && !opts.noOrigin) headers.origin ??= this.origin;
    return new Promise((resolve, reject) => {
      const req = http.request(
        url,
        { method, headers, localAddress: this.localAddress, agent: false },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const setCookies = res.headers['set-cookie'] ?? [];
            for (const sc of setCookies) {
              const [pair, ...attrs] = sc.split(';');
              const eq = pair!.indexOf('=');
              const name = pair!.slice(0, eq).trim();
              const value = pair!.slice(eq + 1).trim();
              const expired = attrs.some((a) => /max-age=0\b/i.test(a.trim()) || /expires=Thu, 01 Jan 1970/i.test(a));
              if (expired || value === '') this.jar.delete(name);
              else this.jar.set(name, value);
            }
            let body: unknown = undefined;
            if (/json/.test(String(res.headers['content-type'] ?? '')) && text) {
              try {
                body = JSON.parse(text);
              } catch {
                body = undefined;
              }
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body, cookies: setCookies });
          });
        },
      );
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  get = (path: string, opts?: RequestOptions) => this.request('GET', path, opts);
  post = (path: string, body?: unknown, opts: RequestOptions = {}) => this.request('POST', path, { ...opts, body });
  patch = (path: string, body?: unknown, opts: RequestOptions = {}) => this.request('PATCH', path, { ...opts, body });
  put = (path: string, body?: unknown, opts: RequestOptions = {}) => this.request('PUT', path, { ...opts, body });
  delete = (path: string, body?: unknown, opts: RequestOptions = {}) => this.request('DELETE', path, { ...opts, body });
}

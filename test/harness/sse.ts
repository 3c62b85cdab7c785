import http from 'node:http';
import type { Client } from './client.js';

/** One dispatched Server-Sent Event. */
export interface SseFrame {
  /** The `id` field of this frame, if it had one. */
  id?: string;
  /** The `event` field; "message" when absent (as EventSource does). */
  event: string;
  data: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

export interface SseOptions {
  /** Sent as the Last-Event-ID header, like EventSource does on reconnect. */
  lastEventId?: string;
  headers?: Record<string, string>;
}

/**
 * An EventSource-like client over node:http for tests: it speaks from the Client's loopback
 * address with its cookies or bearer token, parses frames as the SSE spec says (fields, comments,
 * blank-line dispatch, CR/LF/CRLF), and lets tests wait for frames.
 */
export class SseStream {
  readonly frames: SseFrame[] = [];
  readonly comments: string[] = [];
  /** The last `id` seen, what a browser would send back as Last-Event-ID. */
  lastEventId = '';
  /** Response body when the server refused the stream (status ≠ 200). */
  text = '';
  /** Resolves when the server ends the stream or the connection drops. */
  readonly ended: Promise<void>;
  private resolveEnded!: () => void;
  private waiters: Array<() => void> = [];
  private partial = '';
  private data: string[] = [];
  private event = '';
  private frameId: string | undefined;
  private isEnded = false;

  private constructor(
    readonly status: number,
    readonly headers: http.IncomingHttpHeaders,
    private readonly req: http.ClientRequest,
    res: http.IncomingMessage,
  ) {
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (status === 200 ? this.feed(chunk) : (this.text += chunk)));
    const done = () => {
      this.isEnded = true;
      this.resolveEnded();
      this.wake();
    };
    res.on('end', done);
    res.on('close', done);
    res.on('error', done);
  }

  /** Opens a stream; resolves once the response headers are in. */
  static open(client: Client, path: string, opts: SseOptions = {}): Promise<SseStream> {
    const headers: Record<string, string> = { accept: 'text/event-stream', ...opts.headers };
    if (client.jar.size) headers.cookie ??= client.cookieHeader();
    if (client.bearer) headers.authorization ??= `Bearer ${client.bearer}`;
    if (opts.lastEventId !== undefined) headers['last-event-id'] = opts.lastEventId;
    return new Promise((resolve, reject) => {
      const req = http.request(
        new URL(path, client.baseUrl),
        { method: 'GET', headers, localAddress: client.localAddress, agent: false },
        (res) => resolve(new SseStream(res.statusCode ?? 0, res.headers, req, res)),
      );
      req.on('error', reject);
      req.end();
    });
  }

  /** The parsed problem body of a refused stream. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  get body(): any {
    return this.text ? JSON.parse(this.text) : undefined;
  }

  /** Waits until `count` frames matching `pred` have arrived (bounded only by the test timeout). */
  async waitFor(pred: (f: SseFrame) => boolean, count = 1): Promise<SseFrame[]> {
    for (;;) {
      const hits = this.frames.filter(pred);
      if (hits.length >= count) return hits.slice(0, count);
      if (this.isEnded) throw new Error(`stream ended after ${this.frames.length} frames, ${hits.length}/${count} matching`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Waits until at least `count` comment lines arrived. */
  async waitForComments(count: number): Promise<void> {
    while (this.comments.length < count) {
      if (this.isEnded) throw new Error('stream ended');
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  close(): void {
    this.req.destroy();
  }

  private wake(): void {
    if (this.waiters.length === 0) return;
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w();
  }

  private feed(chunk: string): void {
    this.partial += chunk;
    const lines = this.partial.split(/\r\n|\r|\n/);
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.line(line);
    this.wake();
  }

  private line(line: string): void {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) {
      this.comments.push(line.slice(1).trim());
      return;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id' && !value.includes('\0')) {
      this.frameId = value;
      this.lastEventId = value;
    }
  }

  private dispatch(): void {
    if (this.data.length) {
      const data = this.data.join('\n');
      let json: unknown;
      try {
        json = JSON.parse(data);
      } catch {
        json = undefined;
      }
      this.frames.push({ id: this.frameId, event: this.event || 'message', data, json });
    }
    this.data = [];
    this.event = '';
    this.frameId = undefined;
  }
}

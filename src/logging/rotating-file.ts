import { closeSync, mkdirSync, openSync, readdirSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Writable } from 'node:stream';

const PRUNE_EVERY_MS = 3600_000;

export interface RotationLimits {
  /** Rotate when the live file would grow past this many bytes. */
  maxBytes: number;
  /** Delete rotated files older than this (ms). */
  maxAgeMs: number;
  /** Keep at most this many rotated files. */
  keep: number;
  /** Also rotate the live file once it is this old (ms); 0 = by size only. */
  rotateEveryMs?: number;
}

/**
 * An append-only log file that rotates by size and age (`app.log` → `app.log.<timestamp>`) and prunes
 * rotated files by count and age. Writes are synchronous so a crash loses nothing already logged.
 */
export class RotatingFile extends Writable {
  private fd: number;
  private size: number;
  private lastPrune = 0;
  private openedAt: number;

  constructor(
    readonly path: string,
    private readonly limits: RotationLimits,
    private readonly now: () => number = Date.now,
  ) {
    super({ decodeStrings: false });
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'a');
    const st = statSync(path);
    this.size = st.size;
    // An existing file counts from its creation (or last change, where birth time is unknown).
    this.openedAt = st.size > 0 ? st.birthtimeMs || st.mtimeMs : this.now();
    this.prune();
  }

  /** Appends one chunk (a log line). */
  writeLine(chunk: string): void {
    const bytes = Buffer.byteLength(chunk);
    const every = this.limits.rotateEveryMs ?? 0;
    const tooOld = every > 0 && this.now() - this.openedAt >= every;
    if (this.size > 0 && (this.size + bytes > this.limits.maxBytes || tooOld)) this.rotate();
    // A quiet log may not rotate for weeks: still drop rotated files past the age limit, hourly.
    else if (this.now() - this.lastPrune > PRUNE_EVERY_MS) this.prune();
    writeSync(this.fd, chunk);
    this.size += bytes;
  }

  override _write(chunk: unknown, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    try {
      this.writeLine(typeof chunk === 'string' ? chunk : String(chunk));
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }

  override _final(cb: (err?: Error | null) => void): void {
    try {
      closeSync(this.fd);
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }

  /** Rotated files of this log, oldest first. */
  rotatedFiles(): string[] {
    const dir = dirname(this.path);
    const base = basename(this.path);
    return readdirSync(dir)
      .filter((f) => f.startsWith(`${base}.`))
      .sort()
      .map((f) => join(dir, f));
  }

  private rotate(): void {
    closeSync(this.fd);
    renameSync(this.path, this.nextRotatedName());
    this.fd = openSync(this.path, 'a');
    this.size = 0;
    this.openedAt = this.now();
    this.prune();
  }

  /**
   * `app.log.<UTC time>`, sorting after every existing rotated file: pruning goes by that order,
   * so a name reused after a prune (or a clock step back) would delete the newest lines.
   */
  private nextRotatedName(): string {
    const candidate = `${this.path}.${new Date(this.now()).toISOString().replace(/[:.]/g, '-')}`;
    const last = this.rotatedFiles().at(-1);
    if (!last || candidate > last) return candidate;
    const m = /^(.*?)(?:-(\d{4}))?$/.exec(last)!;
    return `${m[1]}-${String(Number(m[2] ?? 0) + 1).padStart(4, '0')}`;
  }

  private prune(): void {
    this.lastPrune = this.now();
    const files = this.rotatedFiles();
    const cutoff = this.lastPrune - this.limits.maxAgeMs;
    files.forEach((f, i) => {
      const tooMany = i < files.length - this.limits.keep;
      try {
        if (tooMany || statSync(f).mtimeMs < cutoff) unlinkSync(f);
      } catch {
        // Already gone (another process pruned it): nothing to do, and logging must not fail for it.
      }
    });
  }
}

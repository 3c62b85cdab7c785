import { closeSync, mkdirSync, openSync, readdirSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Writable } from 'node:stream';

export interface RotationLimits {
  /** Rotate when the live file would grow past this many bytes. */
  maxBytes: number;
  /** Delete rotated files older than this (ms). */
  maxAgeMs: number;
  /** Keep at most this many rotated files. */
  keep: number;
}

/**
 * An append-only log file that rotates by size (`app.log` → `app.log.<timestamp>`) and prunes
 * rotated files by count and age. Writes are synchronous so a crash loses nothing already logged.
 */
export class RotatingFile extends Writable {
  private fd: number;
  private size: number;

  constructor(
    readonly path: string,
    private readonly limits: RotationLimits,
    private readonly now: () => number = Date.now,
  ) {
    super({ decodeStrings: false });
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'a');
    this.size = statSync(path).size;
    this.prune();
  }

  /** Appends one chunk (a log line). */
  writeLine(chunk: string): void {
    const bytes = Buffer.byteLength(chunk);
    if (this.size > 0 && this.size + bytes > this.limits.maxBytes) this.rotate();
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
    const stamp = new Date(this.now()).toISOString().replace(/[:.]/g, '-');
    let target = `${this.path}.${stamp}`;
    for (let i = 1; safeExists(target); i++) target = `${this.path}.${stamp}-${i}`;
    renameSync(this.path, target);
    this.fd = openSync(this.path, 'a');
    this.size = 0;
    this.prune();
  }

  private prune(): void {
    const files = this.rotatedFiles();
    const cutoff = this.now() - this.limits.maxAgeMs;
    files.forEach((f, i) => {
      const tooMany = i < files.length - this.limits.keep;
      if (tooMany || statSync(f).mtimeMs < cutoff) unlinkSync(f);
    });
  }
}

function safeExists(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}

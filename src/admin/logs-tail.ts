import { open, readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

const CHUNK = 64 * 1024;
/** A longer "line" is not one of our log lines: it is skipped rather than buffered. */
const MAX_LINE = 1024 * 1024;
/** Stop after reading this much, whatever was found: a file of junk must not be read whole. */
const MAX_SCAN = 64 * 1024 * 1024;

type JsonLine = Record<string, unknown>;

/** Rotated siblings of a log (`app.log.<timestamp>`), newest first; their names sort by time. */
async function rotatedNewestFirst(path: string): Promise<string[]> {
  const base = `${basename(path)}.`;
  let names: string[];
  try {
    names = await readdir(dirname(path));
  } catch {
    return [];
  }
  return names
    .filter((n) => n.startsWith(base))
    .sort()
    .reverse()
    .map((n) => join(dirname(path), n));
}

function parseLine(bytes: Buffer): JsonLine | undefined {
  const text = bytes.toString('utf8').trim();
  if (!text.startsWith('{')) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as JsonLine) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads one file backwards in chunks, collecting up to `need` JSON lines (newest first) into
 * `out`. Returns the bytes read. Lines that are not JSON objects are skipped.
 */
async function readBackwards(path: string, need: number, out: JsonLine[], budget: number): Promise<number> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch {
    return 0; // rotated away or pruned between listing and opening
  }
  const wanted = out.length + need;
  let read = 0;
  try {
    let pos = (await fh.stat()).size;
    let carry = Buffer.alloc(0);
    while (pos > 0 && out.length < wanted && read < budget) {
      const len = Math.min(CHUNK, pos);
      pos -= len;
      const chunk = Buffer.alloc(len);
      await fh.read(chunk, 0, len, pos);
      read += len;
      const buf = carry.length ? Buffer.concat([chunk, carry]) : chunk;
      let end = buf.length;
      for (let i = buf.length - 1; i >= 0 && out.length < wanted; i--) {
        if (buf[i] !== 0x0a) continue;
        const line = parseLine(buf.subarray(i + 1, end));
        if (line) out.push(line);
        end = i;
      }
      carry = buf.subarray(0, end);
      if (carry.length > MAX_LINE) carry = Buffer.alloc(0);
    }
    if (pos === 0 && out.length < wanted && carry.length) {
      const line = parseLine(carry);
      if (line) out.push(line);
    }
  } finally {
    await fh.close();
  }
  return read;
}

/**
 * The last `n` JSON lines of a log, oldest first (as `tail` shows them). Reads from the end of the
 * live file and, when it holds fewer, from the newest rotated files, never a whole large file.
 */
export async function tailJsonLines(path: string, n: number): Promise<JsonLine[]> {
  const newestFirst: JsonLine[] = [];
  let budget = MAX_SCAN;
  for (const file of [path, ...(await rotatedNewestFirst(path))]) {
    if (newestFirst.length >= n || budget <= 0) break;
    budget -= await readBackwards(file, n - newestFirst.length, newestFirst, budget);
  }
  return newestFirst.reverse();
}

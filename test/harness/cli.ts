import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root and the real `gatehouse` command, as a user runs it. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = fileURLToPath(new URL('../../bin/gatehouse.js', import.meta.url));

/**
 * The environment a child gets: only what it needs to run plus the test's own variables, so the
 * developer's GATEHOUSE_* or DATABASE_URL never leak into a test.
 */
export function childEnv(env: Record<string, string>): Record<string, string> {
  const base: Record<string, string> = {};
  for (const k of ['PATH', 'HOME', 'TMPDIR', 'LANG']) if (process.env[k]) base[k] = process.env[k]!;
  return { ...base, ...env };
}

/** Starts `node bin/gatehouse.js <args>` in the repository root. */
export function spawnGatehouse(args: string[], env: Record<string, string>): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: childEnv(env), stdio: 'pipe' });
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node <argv>` in the repository root to completion and collects its output; `input` is piped to stdin. */
export function runNode(argv: string[], env: Record<string, string>, input?: string): Promise<CliResult> {
  return collect(spawn(process.execPath, argv, { cwd: ROOT, env: childEnv(env), stdio: 'pipe' }), input);
}

/** Runs the `gatehouse` command to completion and collects its output; `input` is piped to stdin. */
export function runGatehouse(args: string[], env: Record<string, string>, input?: string): Promise<CliResult> {
  return runNode([BIN, ...args], env, input);
}

function collect(child: ChildProcessWithoutNullStreams, input?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    if (input !== undefined) child.stdin.end(input);
  });
}

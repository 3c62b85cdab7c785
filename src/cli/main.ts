import { ConfigError } from '../config/load.js';
import { adminCreateCommand } from './admin-create.js';
import { configCheckCommand } from './config-check.js';
import { processIo, wantsHelp, type CliIo, type Command } from './io.js';
import { keysRotateCommand } from './keys-rotate.js';
import { migrateCommand } from './migrate.js';
import { serveCommand } from './serve.js';
import { secretsRotateCommand } from './secrets-rotate.js';
import { protectionResetCommand } from './protection-reset.js';

/** Every subcommand; later capabilities add theirs here. */
export const commands: Command[] = [serveCommand, migrateCommand, configCheckCommand, keysRotateCommand, adminCreateCommand, secretsRotateCommand, protectionResetCommand];

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: gatehouse <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `gatehouse <command> --help` for the options of a command.',
  ].join('\n');
}

/** Finds the longest command name that prefixes the arguments ("config check", "admin create"). */
function resolve(args: string[]): { command?: Command; rest: string[] } {
  for (const c of [...commands].sort((a, b) => b.name.split(' ').length - a.name.split(' ').length)) {
    const words = c.name.split(' ');
    if (words.every((w, i) => args[i] === w)) return { command: c, rest: args.slice(words.length) };
  }
  return { rest: args };
}

/** Runs the CLI and returns the exit code. */
export async function runCli(args: string[], io: CliIo = processIo()): Promise<number> {
  const { command, rest } = resolve(args);
  if (!command) {
    if (args.length === 0 || wantsHelp(args)) {
      io.out(usage());
      return args.length === 0 ? 1 : 0;
    }
    io.err(`unknown command: ${args.join(' ')}\n\n${usage()}`);
    return 1;
  }
  if (wantsHelp(rest)) {
    io.out(command.usage);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    // Every command loads the configuration the same way; a bad one is exit 2 with each problem named.
    if (e instanceof ConfigError) {
      io.err(e.message);
      return 2;
    }
    io.err(`${command.name} failed: ${(e as Error).message}`);
    return 1;
  }
}

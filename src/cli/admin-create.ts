import type { ReadStream } from 'node:tty';
import { loadConfig } from '../config/load.js';
import { AppError } from '../errors/app-error.js';
import type { CliIo, Command } from './io.js';

const EMAIL = /^[^\s@,;:<>()[\]\\"]+@[^\s@,;:<>()[\]\\"]+$/;

function parseArgs(args: string[]): { email?: string; name?: string; setupLink: boolean; problem?: string } {
  const out: { email?: string; name?: string; setupLink: boolean; problem?: string } = { setupLink: false };
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    const value = () => inline ?? args[++i];
    if (flag === '--email') out.email = value();
    else if (flag === '--name') out.name = value();
    else if (flag === '--setup-link') out.setupLink = true;
    else out.problem = `unknown option ${flag}`;
  }
  return out;
}

/** Reads everything piped in; one trailing newline (from echo or a file) is not part of the password. */
async function readPiped(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** Prompts on a terminal without echoing what is typed. */
function promptHidden(stdin: ReadStream, prompt: string): Promise<string> {
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  let typed = '';
  return new Promise((resolve, reject) => {
    const finish = (err?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(typed);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003' || ch === '\u0004') return finish(new Error('cancelled'));
        if (ch === '\u007f' || ch === '\b') typed = [...typed].slice(0, -1).join('');
        else typed += ch;
      }
    };
    stdin.on('data', onData);
  });
}

async function readPassword(io: CliIo): Promise<string> {
  if (!io.stdin.isTTY) return readPiped(io.stdin);
  const tty = io.stdin as ReadStream;
  const first = await promptHidden(tty, 'Password: ');
  const second = await promptHidden(tty, 'Repeat the password: ');
  if (first !== second) throw new Error('the two passwords differ');
  return first;
}

export const adminCreateCommand: Command = {
  name: 'admin create',
  summary: 'Create a superuser (password from a prompt or stdin, or a one-time setup link)',
  usage: `Usage: gatehouse admin create --email <address> --name <name> [--setup-link]

Creates an active superuser: the only way besides GATEHOUSE_BOOTSTRAP_ADMIN_EMAIL. The password
is read from the terminal (asked twice, not echoed) or, when piped, from standard input (one
trailing newline is dropped); the password policy applies. With --setup-link no password is
read: a one-time link to set it is printed instead. Exits 1 when the address is taken or the
password is refused, 2 when the configuration is invalid.`,
  async run(args, io) {
    const opts = parseArgs(args);
    if (opts.problem || !opts.email || !opts.name?.trim()) {
      io.err(`${opts.problem ?? '--email and --name are required'}\n\n${adminCreateCommand.usage}`);
      return 1;
    }
    if (!EMAIL.test(opts.email)) {
      io.err(`not a plain email address: ${opts.email}`);
      return 1;
    }
    // An invalid configuration is reported by runCli (exit 2).
    const config = loadConfig(io.env);
    const password = opts.setupLink ? undefined : await readPassword(io);
    // Loaded here: the rest of the CLI needs neither the database nor the password dictionaries.
    const { createSuperuserFromCli } = await import('./admin-create-work.js');
    try {
      const { user, setupLink } = await createSuperuserFromCli(config, { email: opts.email, name: opts.name.trim(), password });
      io.out(`created superuser ${user.email} (id ${user.id})`);
      if (setupLink) io.out(`one-time setup link (valid ${Math.round(config.accounts.setup_link_ttl / 3600)} h): ${setupLink}`);
      return 0;
    } catch (e) {
      if (e instanceof AppError && e.code === 'email_taken') {
        io.err(`a user with the email ${opts.email} already exists`);
        return 1;
      }
      if (e instanceof AppError && e.code === 'password_policy') {
        io.err(['the password does not meet the policy:', ...(e.options.errors ?? []).map((r) => `  - ${r.message}`)].join('\n'));
        return 1;
      }
      throw e;
    }
  },
};

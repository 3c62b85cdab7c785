/** What a CLI command may touch: its arguments, output streams, environment and standard input. */
export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
}

export const processIo = (): CliIo => ({
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  // The CLI hands the environment to the config loader; nothing else reads it.
  // eslint-disable-next-line no-restricted-properties
  env: process.env,
  stdin: process.stdin,
});

/** A subcommand: usage text and a runner returning the exit code. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(args: string[], io: CliIo): Promise<number>;
}

export const wantsHelp = (args: string[]) => args.includes('--help') || args.includes('-h');

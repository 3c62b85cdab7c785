/** The benchmark scripts' command line: `--flag`, `--name value`, and repeatable `--name value`. */
export function cliArgs(args: string[] = process.argv.slice(2)) {
  return {
    args,
    flag: (name: string) => args.includes(`--${name}`),
    strOpt: (name: string): string | undefined => {
      const i = args.indexOf(`--${name}`);
      return i >= 0 ? args[i + 1] : undefined;
    },
    /** Every value given after `--name`, in order (for options that may repeat). */
    repeated: (name: string): string[] => args.flatMap((a, i) => (a === `--${name}` && args[i + 1] !== undefined ? [args[i + 1]!] : [])),
  };
}

import { ConfigError, loadConfig, maskedConfig } from '../config/load.js';
import type { Command } from './io.js';

export const configCheckCommand: Command = {
  name: 'config check',
  summary: 'Validate the configuration and print the effective values (secrets masked)',
  usage: `Usage: gatehouse config check [--help]

Loads the configuration exactly as the server would and prints it as JSON with secrets masked.
Exits 2 and names each bad key when the configuration is invalid.`,
  async run(_args, io) {
    try {
      const config = loadConfig(io.env);
      io.out(JSON.stringify(maskedConfig(config), null, 2));
      io.out('configuration is valid');
      return 0;
    } catch (e) {
      if (e instanceof ConfigError) {
        io.err(e.message);
        return 2;
      }
      throw e;
    }
  },
};

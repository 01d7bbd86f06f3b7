import { createInterface } from 'node:readline';
import { createApp, hashPassword, loadConfig } from '@zmwatch/console';
import type { CommandSpec } from '../args.js';
import type { CommandContext } from '../context.js';
import { EXIT, UsageError } from '../exit-codes.js';

async function readLine(): Promise<string> {
  const rl = createInterface({ input: process.stdin, terminal: false });
  for await (const line of rl) {
    rl.close();
    return line;
  }
  return '';
}

export const consoleCommands: CommandSpec<CommandContext>[] = [
  {
    path: ['console', 'serve'],
    summary: 'run the web console (ZM_CONSOLE_* variables, see services/console/README.md)',
    usage: '',
    async run({ io, config, signal }) {
      const app = createApp(loadConfig(config.env));
      const url = await app.start();
      io.err(`console at ${url} (Ctrl-C to stop)`);
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      await app.stop();
      return EXIT.ok;
    },
  },
  {
    path: ['console', 'hash-password'],
    summary: 'read a password on stdin, print its scrypt hash for a console users file',
    usage: '< password',
    async run({ io }) {
      const password = (await readLine()).replace(/\r$/, '');
      if (password.length < 8) throw new UsageError('give a password of at least 8 characters on stdin');
      io.out(await hashPassword(password));
      return EXIT.ok;
    },
  },
];

import { createInterface } from 'node:readline';
import type { CommandSpec } from '../args.js';
import type { CommandContext } from '../context.js';
import { EXIT, UsageError } from '../exit-codes.js';

/** The web console, loaded only by the `console` commands (the data commands use @zmwatch/ops). */
const loadConsole = () => import('@zmwatch/console');

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
      const { createApp, loadConfig } = await loadConsole();
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
      const { hashPassword } = await loadConsole();
      io.out(await hashPassword(password));
      return EXIT.ok;
    },
  },
];

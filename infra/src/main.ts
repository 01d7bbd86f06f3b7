// Entry point of infra/bin/stack and infra/bin/test: runs stackCli with the process's arguments.
import { stackCli } from './stack-cli.js';

stackCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`zmwatch stack: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);

/** The `zmwatch` command (infra/bin/zmwatch runs this with tsx). Ctrl-C stops long commands cleanly; a second one exits. */
import { runCli } from './cli.js';
import { processIo } from './io.js';

const abort = new AbortController();
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    abort.abort();
  });
}

runCli(process.argv.slice(2), processIo(), process.env, abort.signal).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);

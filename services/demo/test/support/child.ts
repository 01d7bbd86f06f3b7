// A stand-in for a demo service in the supervisor's tests: logs a line, then either stays up
// (answering HTTP on CHILD_PORT once "ready", after CHILD_READY_DELAY_MS) or exits with CHILD_EXIT_CODE.
import { createServer } from 'node:http';

process.stdout.write(`child ${process.pid} started\n`);
const exitCode = process.env.CHILD_EXIT_CODE;
if (exitCode !== undefined) {
  process.stdout.write(`child ${process.pid} failing on purpose with code ${exitCode}\n`);
  process.exit(Number(exitCode));
}
const port = Number(process.env.CHILD_PORT ?? 0);
if (port > 0) {
  setTimeout(
    () => {
      createServer((_req, res) => res.end(`ok ${process.pid}`)).listen(port, '127.0.0.1');
    },
    Number(process.env.CHILD_READY_DELAY_MS ?? 0),
  );
} else setInterval(() => undefined, 60_000);
process.on('SIGTERM', () => {
  process.stdout.write(`child ${process.pid} stopping\n`);
  process.exit(0);
});

import { runCli } from '../../src/cli.js';
import { memoryIo } from '../../src/io.js';

/** Runs `zmwatch <line>` in-process with this environment; exit code and captured output. */
export function cliWith(env: NodeJS.ProcessEnv) {
  return async (line: string[]): Promise<{ code: number; out: string; err: string }> => {
    const io = memoryIo();
    const code = await runCli(line, io, env, new AbortController().signal);
    return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
  };
}

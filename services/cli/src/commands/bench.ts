import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '@zmwatch/kit';
import type { CommandSpec } from '../args.js';
import type { CommandContext } from '../context.js';
import { EXIT, UsageError } from '../exit-codes.js';

/** Each benchmark is a script in bench/ that prints a table and one JSON line; `zmwatch bench` runs them. */
export const BENCHMARKS: Record<string, { script: string; about: string }> = {
  detector: {
    script: 'detector-bench.ts',
    about: 'throughput vs raw consume, p50/p99 latency, Redis bytes per VIN, naive variant',
  },
  scaling: { script: 'detector-scaling.ts', about: '1, 2 and 3 detector processes on the same data' },
  reroute: {
    script: 'reroute-bench.ts',
    about: 'detector throughput with 0% vs 100% mis-partitioned input (re-routed), same alert ids',
  },
  escalator: { script: 'escalator-bench.ts', about: 'case start rate and alert → case-in-queue latency' },
  quality: {
    script: 'quality-bench.ts',
    about: 'precision and recall per scheme variant on ≥ 1,000,000 events',
  },
  codec: { script: 'codec-bench.ts', about: 'Avro codec vs JSON.stringify/parse, encoded size ratio' },
  insights: {
    script: 'insights-bench.ts',
    about: 'insights sink ingest rate and Insights-page query p50/p99 on >= 1,000,000 events',
  },
  load: {
    script: 'load-bench.ts',
    about:
      'the demo under load: case page and alert → case p50/p99, escalator lag, load average, CPU per process ([--rate 200] [--duration 120] [--json]; demo ports: flock /tmp/zm-demo.lock)',
  },
};

const USAGE = `zmwatch bench <name|all> [script args]\n\n${Object.entries(BENCHMARKS)
  .map(([n, b]) => `  ${n.padEnd(10)} ${b.about} (bench/${b.script})`)
  .join('\n')}\n  all        every benchmark above, one after the other, with default sizes`;

function runScript(
  script: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'bench', script), ...args], {
      cwd: REPO_ROOT,
      env,
      stdio: 'inherit',
    });
    const onAbort = () => child.kill('SIGINT');
    signal.addEventListener('abort', onAbort, { once: true });
    child.once('error', reject);
    child.once('exit', (code) => {
      signal.removeEventListener('abort', onAbort);
      resolve(code ?? 1);
    });
  });
}

export const benchCommands: CommandSpec<CommandContext>[] = [
  {
    path: ['bench'],
    summary:
      'run a benchmark script (table + one JSON line): detector, scaling, reroute, escalator, quality, codec, insights, load, all',
    usage: '<name|all> [script args]',
    raw: true,
    async run({ io, config, positionals, signal }) {
      const [name, ...args] = positionals;
      if (name === undefined || name === '--help' || name === '-h') {
        io.out(USAGE);
        return name === undefined ? EXIT.usage : EXIT.ok;
      }
      const names = name === 'all' ? Object.keys(BENCHMARKS) : [name];
      for (const n of names) {
        const b = BENCHMARKS[n];
        if (!b) throw new UsageError(`unknown benchmark "${n}"\n\n${USAGE}`);
        io.err(`== bench ${n}: ${b.about}`);
        const code = await runScript(b.script, name === 'all' ? [] : args, config.env, signal);
        if (code !== 0) return EXIT.failure;
      }
      return EXIT.ok;
    },
  },
];

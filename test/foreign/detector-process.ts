/**
 * The real detector as a separate process (services/detector/src/main.ts under tsx, configured
 * through its environment only), so a test can SIGKILL it as an orchestrator would and start
 * another. Its output goes to a log file per start (.zmwatch/<run>.detector-<n>.log).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { DETECTOR_NODE_FLAGS } from '@zmwatch/detector';
import { REPO_ROOT } from '@zmwatch/infra';

const MAIN = join(REPO_ROOT, 'services', 'detector', 'src', 'main.ts');

export class DetectorProcess {
  private child: ChildProcess | undefined;
  private starts = 0;
  readonly logs: string[] = [];

  /** `env`: the detector's ZM_* variables for the run (added to this process's environment). */
  constructor(
    private readonly run: string,
    private readonly env: Record<string, string>,
  ) {}

  start(): void {
    if (this.running) throw new Error('the detector is already running');
    const dir = join(REPO_ROOT, '.zmwatch');
    mkdirSync(dir, { recursive: true });
    const log = join(dir, `${this.run}.detector-${++this.starts}.log`);
    this.logs.push(log);
    const fd = openSync(log, 'w');
    try {
      this.child = spawn(process.execPath, [...DETECTOR_NODE_FLAGS, '--import', 'tsx', MAIN], {
        cwd: REPO_ROOT,
        env: { ...process.env, ...this.env },
        stdio: ['ignore', fd, fd],
      });
    } finally {
      closeSync(fd);
    }
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Sends `signal` and resolves once the process is gone (a no-op when it is not running). */
  async kill(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }

  /** SIGTERM (a clean stop), then SIGKILL if it is still there after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    await this.kill('SIGTERM');
    clearTimeout(timer);
  }
}

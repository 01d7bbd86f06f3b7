import { DETECTOR_NODE_FLAGS } from '../../src/node-flags.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'main.ts');

/** A detector running as its own OS process (`node --import tsx src/main.ts`), configured by env. */
export class DetectorProcess {
  readonly logs: Array<Record<string, unknown>> = [];
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private constructor(
    readonly name: string,
    readonly proc: ChildProcess,
  ) {
    let buf = '';
    proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          this.logs.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          this.logs.push({ msg: line });
        }
      }
    });
    proc.stderr!.on('data', (d: Buffer) => this.logs.push({ msg: d.toString(), stderr: true }));
    this.exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  }

  static spawn(name: string, env: Record<string, string>): DetectorProcess {
    const proc = spawn(process.execPath, [...DETECTOR_NODE_FLAGS, '--import', 'tsx', MAIN], {
      env: { ...process.env, ...env, ZM_DETECTOR_CLIENT_ID: name },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new DetectorProcess(name, proc);
  }

  hasLogged(msg: string): boolean {
    return this.logs.some((l) => l.msg === msg);
  }

  kill(signal: NodeJS.Signals): void {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill(signal);
  }

  wait(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return this.exited;
  }
}

// A single-node KRaft broker of our own for the Kafka-restart fault, started with the stack's own
// kafkaNodeComponent (same jars, properties and storage format) on private ports and a temporary
// data dir, so the shared broker on 19092 is never touched. Stopped with SIGKILL (no clean shutdown:
// the log recovery path) and started again on the same data dir.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kafkaNodeComponent, stackSettings, type Component } from '@zmwatch/infra';

/** This helper's private range (27100-27299): broker and KRaft controller listener. */
export const PRIVATE_KAFKA_PORT = 27100;
const PRIVATE_KAFKA_CONTROLLER_PORT = 27101;

export class PrivateKafka {
  private constructor(
    private readonly component: Component,
    private readonly runDir: string,
  ) {}

  get address(): string {
    return this.component.address();
  }

  static async start(): Promise<PrivateKafka> {
    const runDir = mkdtempSync(join(tmpdir(), 'zmconv-kafka-'));
    const node = { id: 1, port: PRIVATE_KAFKA_PORT, controllerPort: PRIVATE_KAFKA_CONTROLLER_PORT };
    const s = { ...stackSettings('single'), runDir, kafkaNodes: [node] };
    const k = new PrivateKafka(
      kafkaNodeComponent(s, {
        name: 'kafka',
        node,
        voters: [node],
        replicationFactor: 1,
        heap: { min: '128m', max: '512m' },
      }),
      runDir,
    );
    await k.component.install();
    await k.start();
    return k;
  }

  async start(): Promise<void> {
    await this.component.start();
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        await this.component.health();
        return;
      } catch (e) {
        if (Date.now() > deadline)
          throw new Error(`private kafka on ${this.address} did not start: ${String(e)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  /** SIGKILL (default) or SIGTERM, and wait until the JVM is gone. */
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    let pid: number;
    try {
      pid = Number(readFileSync(this.component.pidFile, 'utf8').trim());
    } catch {
      return;
    }
    if (!alive(pid)) return;
    process.kill(pid, signal);
    const deadline = Date.now() + 30_000;
    while (alive(pid)) {
      if (Date.now() > deadline) {
        process.kill(pid, 'SIGKILL');
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.runDir, { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * `ground-truth.ndjson`: a `scenario` line (seed and resolved options), then `vehicle` lines (one per
 * vehicle, times as UTC epoch ms) and `noise` lines (one per duplicate / malformed / invalid-VIN record,
 * `seq` = 0-based position in the event stream), and a closing `summary` line with the event counts.
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { EventCounts } from './counts.js';
import type { ResolvedOptions } from './options.js';
import type { NoiseTruth, VehicleTruth } from './types.js';

export interface GroundTruthWriter {
  vehicle(truth: VehicleTruth): Promise<void>;
  noise(noise: NoiseTruth): Promise<void>;
  close(counts: EventCounts, complete: boolean): Promise<void>;
}

export async function createGroundTruthWriter(
  path: string,
  options: ResolvedOptions,
): Promise<GroundTruthWriter> {
  const out = createWriteStream(path, { encoding: 'utf8' });
  await writeLine(out, {
    type: 'scenario',
    seed: options.seed,
    vehicles: options.vehicles,
    startTime: new Date(options.startTime).toISOString(),
    durationDays: options.durationDays,
    mix: options.mix,
    noise: options.noise,
  });
  // Callers may write without awaiting (the Kafka path taps a synchronous generator): share one
  // drain wait instead of adding a listener per write.
  let drained: Promise<void> | undefined;
  const write = (obj: object): Promise<void> => {
    if (out.write(`${JSON.stringify(obj)}\n`) && !drained) return Promise.resolve();
    drained ??= once(out, 'drain').then(() => {
      drained = undefined;
    });
    return drained;
  };
  return {
    vehicle: (truth) => write({ type: 'vehicle', ...truth }),
    noise: (noise) => write({ type: 'noise', ...noise }),
    async close(counts, complete) {
      const { total, registrations, declarations, noise } = counts;
      await write({ type: 'summary', complete, total, registrations, declarations, noise });
      await closeStream(out);
    },
  };
}

export interface GroundTruthFile {
  readonly scenario: Record<string, unknown> | undefined;
  readonly vehicles: VehicleTruth[];
  readonly noise: NoiseTruth[];
  readonly summary: (EventCounts & { complete: boolean }) | undefined;
}

/** Reads a ground-truth file back (the demo scores its alerts with it). */
export async function readGroundTruth(path: string): Promise<GroundTruthFile> {
  const vehicles: VehicleTruth[] = [];
  const noise: NoiseTruth[] = [];
  let scenario: Record<string, unknown> | undefined;
  let summary: (EventCounts & { complete: boolean }) | undefined;
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of rl) {
    if (line.trim() === '') continue;
    const { type, ...rest } = JSON.parse(line) as { type: string } & Record<string, unknown>;
    if (type === 'vehicle') vehicles.push(rest as unknown as VehicleTruth);
    else if (type === 'noise') noise.push(rest as unknown as NoiseTruth);
    else if (type === 'scenario') scenario = rest;
    else if (type === 'summary') summary = rest as unknown as EventCounts & { complete: boolean };
  }
  return { scenario, vehicles, noise, summary };
}

export async function writeLine(stream: WriteStream, obj: object | string): Promise<void> {
  const text = typeof obj === 'string' ? obj : JSON.stringify(obj);
  if (!stream.write(`${text}\n`)) await once(stream, 'drain');
}

export async function closeStream(stream: WriteStream): Promise<void> {
  stream.end();
  await once(stream, 'finish');
}

/**
 * The tests' handle on test/foreign/produce.py: records produced by librdkafka (confluent-kafka) with
 * fastavro encoding and its own Confluent framing — a producer that shares no code with ours. The
 * venv's python comes from ZM_FOREIGN_PYTHON (set by infra/bin/test) or, when a test file is run
 * directly, from infra/bin/ensure-foreign-client.
 */
import { execFileSync, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Topic } from '@zmwatch/schemas';
import { stackAddresses } from '@zmwatch/kit';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = join(HERE, '..', '..');
export const PRODUCE_SCRIPT = join(HERE, 'produce.py');

/** librdkafka's partitioner names; its default (no option) is `consistent_random` (CRC32). */
export type LibrdkafkaPartitioner =
  'random' | 'consistent' | 'consistent_random' | 'murmur2' | 'murmur2_random' | 'fnv1a' | 'fnv1a_random';

/** Which key is sent: the record's own `key` ('line'), derived from value.vin, or none. */
export type KeyStyle = 'line' | 'vin' | 'lower' | 'spaced' | 'none';

/** One record for the foreign producer (one NDJSON line of produce.py's input). */
export interface ForeignRecord {
  /** The Kafka topic to produce to. */
  topic: string;
  /** The contract (schema) of the value; default: the contract topic `topic` is or ends with. */
  contract?: Topic;
  /** The key as given (`null` or absent: no key); see {@link ForeignOptions.keyStyle}. */
  key?: string | null;
  /** The record; timestamps as epoch-ms numbers (or ISO strings). NaN and ±Infinity are kept. */
  value?: object;
  /** Instead of `value`: the message value as is, not Avro-encoded. */
  bytes?: Buffer;
  /** Write with this catalog schema id (a version of the same subject); default: the current one. */
  schemaId?: number;
  /** An explicit partition, bypassing the partitioner. */
  partition?: number;
  headers?: Record<string, string>;
}

export interface ForeignOptions {
  brokers?: readonly string[];
  /** Default: librdkafka's own default (`consistent_random`). */
  partitioner?: LibrdkafkaPartitioner;
  keyStyle?: KeyStyle;
  /** Return where each record landed (`summary.records`, in input order). */
  records?: boolean;
  timeoutSeconds?: number;
}

export interface ForeignSummary {
  produced: number;
  failed: number;
  partitioner: string;
  librdkafka: string;
  /** topic → partition (decimal string) → records delivered there. */
  topics: Record<string, Record<string, number>>;
  /** With `records: true`: [topic, partition, offset] per input record, in input order. */
  records?: Array<[string, number, number]>;
}

let python: string | undefined;

/** The venv python that has confluent-kafka and fastavro (installs them on first use). */
export function foreignPython(): string {
  python ??=
    process.env.ZM_FOREIGN_PYTHON ??
    execFileSync(join(REPO_ROOT, 'infra', 'bin', 'ensure-foreign-client'), {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }).trim();
  return python;
}

/**
 * JSON as Python's json module reads it: like JSON.stringify, but NaN/Infinity/-Infinity as bare
 * tokens (JSON.stringify would write null), bigints as integers and Buffers as base64.
 */
export function toForeignJson(v: unknown): string {
  if (typeof v === 'number') {
    if (Number.isFinite(v)) return JSON.stringify(v);
    return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
  }
  if (typeof v === 'bigint') return v.toString();
  if (v === null || v === undefined) return 'null';
  if (Buffer.isBuffer(v)) return JSON.stringify(v.toString('base64'));
  if (Array.isArray(v)) return `[${v.map(toForeignJson).join(',')}]`;
  if (typeof v === 'object') {
    const parts = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .map(([k, x]) => `${JSON.stringify(k)}:${toForeignJson(x)}`);
    return `{${parts.join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * Produces `records` with the Python client and resolves with its summary once every delivery
 * report is in; rejects with the script's stderr if it exits non-zero (bad input, delivery errors).
 */
export async function produceForeign(
  records: Iterable<ForeignRecord>,
  options: ForeignOptions = {},
): Promise<ForeignSummary> {
  const stream = openForeignStream(options);
  await stream.send(records);
  return stream.end();
}

/** One running produce.py: records are produced as they are sent, the summary comes at the end. */
export interface ForeignStream {
  /** Hands records to the script (resolves once its stdin took them; it produces them at once). */
  send(records: Iterable<ForeignRecord>): Promise<void>;
  /** Closes its input and resolves with the summary once every delivery report is in. */
  end(): Promise<ForeignSummary>;
}

/**
 * Starts produce.py and keeps its input open, so a test can stream records live, in bursts with
 * pauses between them (the script produces each line as it reads it, linger 5 ms).
 */
export function openForeignStream(options: ForeignOptions = {}): ForeignStream {
  const args = [PRODUCE_SCRIPT, '--key-style', options.keyStyle ?? 'line'];
  args.push('--brokers', (options.brokers ?? stackAddresses().brokers).join(','));
  if (options.partitioner) args.push('--partitioner', options.partitioner);
  if (options.records) args.push('--records');
  if (options.timeoutSeconds !== undefined) args.push('--timeout-s', String(options.timeoutSeconds));

  const child = spawn(foreignPython(), args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(code ?? (signal ? -1 : null)));
  });
  exited.catch(() => undefined); // awaited by end()
  const stdinClosed = new Promise<void>((resolve) => {
    child.stdin.on('error', () => resolve()); // the script died early: its stderr says why
    child.stdin.on('close', () => resolve());
  });

  return {
    async send(records) {
      for (const r of records) {
        if (child.stdin.destroyed) return;
        const line: Record<string, unknown> = { ...r };
        if (r.bytes) line.bytes = r.bytes.toString('base64');
        if (!child.stdin.write(toForeignJson(line) + '\n')) {
          await new Promise<void>((resolve) => {
            child.stdin.once('drain', resolve);
            child.stdin.once('close', resolve);
          });
        }
      }
    },
    async end() {
      child.stdin.end();
      await stdinClosed;
      const code = await exited;
      if (code !== 0) {
        throw new Error(
          `produce.py exited with ${code}: ${stderr.trim() || '(no stderr)'}\n${stdout.trim()}`,
        );
      }
      const last = stdout.trim().split('\n').pop() ?? '';
      try {
        return JSON.parse(last) as ForeignSummary;
      } catch {
        throw new Error(`produce.py printed no summary line: ${stdout.trim()} ${stderr.trim()}`);
      }
    },
  };
}

/**
 * NDJSON interchange: one `{"topic", "key", "value", "headers"?}` object per line, `value` in the
 * JSON form (see json-form.ts). Lines from `zmwatch tail` also carry `partition`, `offset`,
 * `timestamp` and `schemaId`; those are accepted and ignored, so tail output can be replayed.
 *
 * Two kinds of line exist only to reproduce bad input (the simulator writes both as noise), and are
 * accepted only when asked for, because a reader that wants records must not be handed them:
 * - raw-bytes envelopes `{"topic", "key": string|null, "bytes": <base64>}`: a payload that is not a
 *   record (undecodable on purpose), with `rawBytes: true`;
 * - records whose VIN is structurally invalid, kept exactly as written, with `allowInvalidVin: true`.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { getContract, validationProblems } from './contracts.js';
import type { TopicRecordMap } from './generated/types.js';
import { fromJsonForm, toJsonForm } from './json-form.js';
import { ALL_TOPICS, isTopic, type Topic } from './topics.js';
import { validateVin } from './vin.js';

export type NdjsonRecord = {
  [T in Topic]: {
    ok: true;
    lineNo: number;
    topic: T;
    key: string;
    record: TopicRecordMap[T];
    headers: Record<string, string>;
    /** Set only under `allowInvalidVin`: why the VIN is invalid (the record carries it as written). */
    invalidVin?: string;
  };
}[Topic];

/** A raw-bytes envelope: bytes to produce as they are (see the module comment). */
export interface NdjsonRawBytes {
  ok: true;
  raw: true;
  lineNo: number;
  topic: Topic;
  /** The message key as written (null: no key). */
  key: string | null;
  bytes: Buffer;
  headers: Record<string, string>;
}

export interface NdjsonOptions {
  /** Accept raw-bytes envelopes (yielded as NdjsonRawBytes). Default: rejected. */
  readonly rawBytes?: boolean;
  /**
   * Accept a schema-valid record whose VIN is structurally invalid, VIN and key as written (the
   * record then carries `invalidVin`, the reason). Default: rejected.
   */
  readonly allowInvalidVin?: boolean;
}

export interface NdjsonError {
  ok: false;
  lineNo: number;
  reason: string;
}

export type NdjsonResult = NdjsonRecord | NdjsonError;

/** What a reader with `rawBytes: true` can get. */
export type NdjsonLine = NdjsonResult | NdjsonRawBytes;

const ENVELOPE_KEYS = new Set([
  'topic',
  'key',
  'value',
  'headers',
  'partition',
  'offset',
  'timestamp',
  'schemaId',
]);

/** Serialises one record as an NDJSON line (no trailing newline). */
export function toNdjsonLine<T extends Topic>(
  topic: T,
  key: string,
  record: TopicRecordMap[T],
  headers?: Record<string, string>,
): string {
  const line: Record<string, unknown> = { topic, key, value: toJsonForm(topic, record) };
  if (headers && Object.keys(headers).length > 0) line.headers = headers;
  return JSON.stringify(line);
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Parses and validates one NDJSON line (1-based `lineNo`). The record's VIN is normalised (trim,
 * upper-case) and must be structurally valid; the key must equal it. For registrations and
 * declarations, a missing `vinCheckDigitValid` is computed; a present one must match the VIN.
 * `options` admit raw-bytes envelopes and invalid VINs (see the module comment).
 */
export function parseNdjsonLine(line: string, lineNo: number): NdjsonResult;
export function parseNdjsonLine(line: string, lineNo: number, options: NdjsonOptions): NdjsonLine;
export function parseNdjsonLine(line: string, lineNo: number, options: NdjsonOptions = {}): NdjsonLine {
  const fail = (reason: string): NdjsonError => ({ ok: false, lineNo, reason });
  if (line.trim() === '') return fail('empty line');
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch (err) {
    return fail(`invalid JSON: ${(err as Error).message}`);
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return fail('line is not a JSON object');
  const env = obj as Record<string, unknown>;
  if ('bytes' in env) return parseRawBytes(env, lineNo, options);
  const extra = Object.keys(env).filter((k) => !ENVELOPE_KEYS.has(k));
  if (extra.length > 0) return fail(`unknown envelope field(s): ${extra.join(', ')}`);
  const { topic, key, value, headers } = env;
  if (typeof topic !== 'string') return fail('missing "topic"');
  if (!isTopic(topic))
    return fail(`unknown topic ${JSON.stringify(topic)} (expected one of ${ALL_TOPICS.join(', ')})`);
  if (typeof key !== 'string') return fail('missing "key" (the VIN)');
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return fail('"value" must be an object');
  const outHeaders = parseHeaders(headers);
  if (typeof outHeaders === 'string') return fail(outHeaders);

  const raw = { ...(value as Record<string, unknown>) };
  const claimsCheckDigit = topic === 'vehicle.registrations.v1' || topic === 'customs.declarations.v1';
  let invalidVin: string | undefined;
  if (typeof raw.vin === 'string') {
    const vin = validateVin(raw.vin);
    if (vin.ok) {
      raw.vin = vin.vin;
      if (claimsCheckDigit) {
        if (raw.vinCheckDigitValid === undefined) raw.vinCheckDigitValid = vin.checkDigitValid;
        else if (raw.vinCheckDigitValid !== vin.checkDigitValid) {
          return fail(
            `value.vinCheckDigitValid is ${String(raw.vinCheckDigitValid)} but the check digit of ${vin.vin} is ${vin.checkDigitValid ? 'valid' : `invalid (expected '${vin.expectedCheckDigit}')`}`,
          );
        }
      }
    } else if (options.allowInvalidVin) {
      // Kept as written, so the pipeline sees exactly what a broken feed sends. A VIN of the wrong
      // shape has no check digit to compute: a missing claim is "not valid".
      invalidVin = vin.reason;
      if (claimsCheckDigit && raw.vinCheckDigitValid === undefined) raw.vinCheckDigitValid = false;
    } else return fail(`value.vin: ${vin.reason}`);
  }
  const { value: record, problems } = fromJsonForm(topic, raw);
  if (problems.length > 0) {
    return fail(problems.map((p) => `value.${p.path}: ${p.message}`).join('; '));
  }
  const invalid = validationProblems(getContract(topic).type, record);
  if (invalid.length > 0) {
    return fail(
      invalid
        .map((p) => `value.${p.path || '(root)'}: invalid value ${JSON.stringify(p.value) ?? 'undefined'}`)
        .join('; '),
    );
  }
  if (invalidVin !== undefined) {
    return { ok: true, lineNo, topic, key, record, headers: outHeaders, invalidVin } as NdjsonRecord;
  }
  const vin = (record as { vin: string }).vin;
  const normalizedKey = key.trim().toUpperCase();
  if (normalizedKey !== vin)
    return fail(`key ${JSON.stringify(key)} does not match value.vin ${JSON.stringify(vin)}`);
  return { ok: true, lineNo, topic, key: normalizedKey, record, headers: outHeaders } as NdjsonRecord;
}

/** Headers as a string map, or the reason they are not one. */
function parseHeaders(headers: unknown): Record<string, string> | string {
  const out: Record<string, string> = {};
  if (headers === undefined) return out;
  if (headers === null || typeof headers !== 'object' || Array.isArray(headers))
    return '"headers" must be an object';
  for (const [k, v] of Object.entries(headers)) {
    if (typeof v !== 'string') return `header ${JSON.stringify(k)} must be a string`;
    out[k] = v;
  }
  return out;
}

const RAW_ENVELOPE_KEYS = new Set(['topic', 'key', 'bytes', 'headers']);

function parseRawBytes(
  env: Record<string, unknown>,
  lineNo: number,
  options: NdjsonOptions,
): NdjsonRawBytes | NdjsonError {
  const fail = (reason: string): NdjsonError => ({ ok: false, lineNo, reason });
  if (!options.rawBytes)
    return fail('raw-bytes envelope ("bytes"): not a record (`zmwatch replay` produces it as raw bytes)');
  const extra = Object.keys(env).filter((k) => !RAW_ENVELOPE_KEYS.has(k));
  if (extra.length > 0) return fail(`unknown raw-bytes envelope field(s): ${extra.join(', ')}`);
  const { topic, key, bytes, headers } = env;
  if (typeof topic !== 'string') return fail('missing "topic"');
  if (!isTopic(topic))
    return fail(`unknown topic ${JSON.stringify(topic)} (expected one of ${ALL_TOPICS.join(', ')})`);
  if (key !== null && typeof key !== 'string') return fail('"key" must be a string or null');
  if (typeof bytes !== 'string' || !BASE64.test(bytes)) return fail('"bytes" must be a base64 string');
  const outHeaders = parseHeaders(headers);
  if (typeof outHeaders === 'string') return fail(outHeaders);
  return {
    ok: true,
    raw: true,
    lineNo,
    topic,
    key,
    bytes: Buffer.from(bytes, 'base64'),
    headers: outHeaders,
  };
}

/**
 * Streams an NDJSON file or stream, yielding one result per non-blank line with its 1-based line
 * number: invalid lines are yielded as errors and do not stop the stream.
 */
export function readNdjson(source: string | Readable): AsyncGenerator<NdjsonResult>;
export function readNdjson(source: string | Readable, options: NdjsonOptions): AsyncGenerator<NdjsonLine>;
export function readNdjson(
  source: string | Readable,
  options: NdjsonOptions = {},
): AsyncGenerator<NdjsonLine> {
  return readLines(source, options);
}

async function* readLines(source: string | Readable, options: NdjsonOptions): AsyncGenerator<NdjsonLine> {
  const input = typeof source === 'string' ? createReadStream(source, { encoding: 'utf8' }) : source;
  const rl = createInterface({ input, crlfDelay: Infinity });
  let lineNo = 0;
  try {
    for await (const line of rl) {
      lineNo++;
      if (line.trim() === '') continue;
      yield parseNdjsonLine(line, lineNo, options);
    }
  } finally {
    rl.close();
    if (typeof source === 'string') input.destroy();
  }
}

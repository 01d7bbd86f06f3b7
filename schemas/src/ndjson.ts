/**
 * NDJSON interchange: one `{"topic", "key", "value", "headers"?}` object per line, `value` in the
 * JSON form (see json-form.ts). Lines from `zmwatch tail` also carry `partition`, `offset`,
 * `timestamp` and `schemaId`; those are accepted and ignored, so tail output can be replayed.
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
  };
}[Topic];

export interface NdjsonError {
  ok: false;
  lineNo: number;
  reason: string;
}

export type NdjsonResult = NdjsonRecord | NdjsonError;

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

/**
 * Parses and validates one NDJSON line (1-based `lineNo`). The record's VIN is normalised (trim,
 * upper-case) and must be structurally valid; the key must equal it. For registrations and
 * declarations, a missing `vinCheckDigitValid` is computed; a present one must match the VIN.
 */
export function parseNdjsonLine(line: string, lineNo: number): NdjsonResult {
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
  const extra = Object.keys(env).filter((k) => !ENVELOPE_KEYS.has(k));
  if (extra.length > 0) return fail(`unknown envelope field(s): ${extra.join(', ')}`);
  const { topic, key, value, headers } = env;
  if (typeof topic !== 'string') return fail('missing "topic"');
  if (!isTopic(topic))
    return fail(`unknown topic ${JSON.stringify(topic)} (expected one of ${ALL_TOPICS.join(', ')})`);
  if (typeof key !== 'string') return fail('missing "key" (the VIN)');
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return fail('"value" must be an object');
  const outHeaders: Record<string, string> = {};
  if (headers !== undefined) {
    if (headers === null || typeof headers !== 'object' || Array.isArray(headers))
      return fail('"headers" must be an object');
    for (const [k, v] of Object.entries(headers)) {
      if (typeof v !== 'string') return fail(`header ${JSON.stringify(k)} must be a string`);
      outHeaders[k] = v;
    }
  }

  const raw = { ...(value as Record<string, unknown>) };
  if (typeof raw.vin === 'string') {
    const vin = validateVin(raw.vin);
    if (!vin.ok) return fail(`value.vin: ${vin.reason}`);
    raw.vin = vin.vin;
    if (topic === 'vehicle.registrations.v1' || topic === 'customs.declarations.v1') {
      if (raw.vinCheckDigitValid === undefined) raw.vinCheckDigitValid = vin.checkDigitValid;
      else if (raw.vinCheckDigitValid !== vin.checkDigitValid) {
        return fail(
          `value.vinCheckDigitValid is ${String(raw.vinCheckDigitValid)} but the check digit of ${vin.vin} is ${vin.checkDigitValid ? 'valid' : `invalid (expected '${vin.expectedCheckDigit}')`}`,
        );
      }
    }
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
  const vin = (record as { vin: string }).vin;
  const normalizedKey = key.trim().toUpperCase();
  if (normalizedKey !== vin)
    return fail(`key ${JSON.stringify(key)} does not match value.vin ${JSON.stringify(vin)}`);
  return { ok: true, lineNo, topic, key: normalizedKey, record, headers: outHeaders } as NdjsonRecord;
}

/**
 * Streams an NDJSON file or stream, yielding one result per non-blank line with its 1-based line
 * number: invalid lines are yielded as errors and do not stop the stream.
 */
export async function* readNdjson(source: string | Readable): AsyncGenerator<NdjsonResult> {
  const input = typeof source === 'string' ? createReadStream(source, { encoding: 'utf8' }) : source;
  const rl = createInterface({ input, crlfDelay: Infinity });
  let lineNo = 0;
  try {
    for await (const line of rl) {
      lineNo++;
      if (line.trim() === '') continue;
      yield parseNdjsonLine(line, lineNo);
    }
  } finally {
    rl.close();
    if (typeof source === 'string') input.destroy();
  }
}

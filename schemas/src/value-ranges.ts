/**
 * Value ranges of the input contracts: what Avro's types allow but no real registration or
 * declaration can hold. A schema-valid record outside them (an event time beyond what a Date can
 * represent, NaN, a megabyte of "make", a newline in a plate number) is a
 * content fault of that one record: consumers dead-letter it with error class `OutOfRange` instead
 * of letting it fail somewhere downstream, where it could look like an infrastructure fault.
 */
import { DLQ_ERROR_CLASSES } from './error-classes.js';
import { CodecError } from './errors.js';
import type { TopicRecordMap } from './generated/types.js';
import type { Topic } from './topics.js';

export const VALUE_RANGES = {
  /** Event and recording times (epoch ms): 1990-01-01 to 2100-01-01 UTC. */
  timeMs: { min: Date.UTC(1990, 0, 1), max: Date.UTC(2100, 0, 1) },
  /**
   * Odometer readings in km: any finite safe integer passes decode. A negative or absurd reading is
   * invalid data about one field, not an unreadable record: the detector reports it as a data-quality
   * finding on the alert (ruleset `dataQuality`) instead of dead-lettering the whole record.
   */
  odometerKm: { min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER },
  modelYear: { min: 1950, max: 2100 },
  /** Prices and declared values, any currency. */
  amount: { min: 0, max: 1e11 },
  /** Identifiers (event, declaration, party, exporter ids, references). */
  idMaxLength: 128,
  /** Any other string (make, model, plate, port, source system, ...). */
  textMaxLength: 256,
} as const;

/** Control characters (C0, DEL, C1) and the Unicode line/paragraph separators. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

const ID_FIELDS = new Set([
  'eventId',
  'declarationId',
  'id',
  'exporterId',
  'afterSalesConfirmationRef',
  'exportLicenceRef',
]);
const TIME_FIELDS = new Set(['eventTime', 'recordedAt']);
const ODOMETER_FIELDS = new Set(['odometerKm', 'declaredOdometerKm']);
const AMOUNT_FIELDS = new Set(['priceCny', 'declaredValue']);

export interface RangeProblem {
  path: string;
  value: unknown;
  reason: string;
}

/** A decoded record holds a value outside VALUE_RANGES; never retriable. */
export class OutOfRangeError extends CodecError {
  readonly code = DLQ_ERROR_CLASSES.outOfRange;
  constructor(
    readonly topic: string,
    readonly problems: readonly RangeProblem[],
  ) {
    super(
      `${topic} record out of range: ${problems
        .slice(0, 5)
        .map((p) => `${p.path} ${p.reason}`)
        .join('; ')}${problems.length > 5 ? ` (+${problems.length - 5} more)` : ''}`,
    );
  }
}

/** The most characters a string field of this name may hold (ids 128, other text 256). */
export function maxLengthOf(fieldName: string): number {
  return ID_FIELDS.has(fieldName) ? VALUE_RANGES.idMaxLength : VALUE_RANGES.textMaxLength;
}

/**
 * The range a numeric field of this name must lie in (beyond being finite); `undefined` when any
 * finite number passes. For readers that check values as they decode them (the detector's direct
 * reader): the same ranges `rangeProblems` applies.
 */
export function numberRangeOf(fieldName: string): { min: number; max: number } | undefined {
  if (TIME_FIELDS.has(fieldName)) return VALUE_RANGES.timeMs;
  if (ODOMETER_FIELDS.has(fieldName)) return VALUE_RANGES.odometerKm;
  if (fieldName === 'modelYear') return VALUE_RANGES.modelYear;
  if (AMOUNT_FIELDS.has(fieldName)) return VALUE_RANGES.amount;
  return undefined;
}

/** True when `s` holds a control (C0, DEL, C1) or line/paragraph separator character. */
export function hasControlCharacter(s: string): boolean {
  return CONTROL.test(s);
}

function within(v: number, r: { min: number; max: number }): boolean {
  return v >= r.min && v <= r.max;
}

function show(v: unknown): unknown {
  return typeof v === 'string' && v.length > 40 ? `${v.slice(0, 40)}… (${v.length} chars)` : v;
}

// Runs on every input record: no path strings or entry arrays are built unless a value is out of
// range (`at` joins the parent path lazily).
const join = (parent: string | undefined, name: string) =>
  parent === undefined ? name : `${parent}.${name}`;

function check(name: string, parent: string | undefined, v: unknown, out: RangeProblem[]): void {
  if (v === null || v === undefined || typeof v === 'boolean') return;
  if (typeof v === 'string') {
    const max = maxLengthOf(name);
    if (v.length > max)
      out.push({
        path: join(parent, name),
        value: show(v),
        reason: `is ${v.length} characters (max ${max})`,
      });
    else if (hasControlCharacter(v))
      out.push({
        path: join(parent, name),
        value: show(v),
        reason: 'contains a control or separator character',
      });
    return;
  }
  if (typeof v === 'number') {
    let reason: string | undefined;
    const range = numberRangeOf(name);
    if (!Number.isFinite(v)) reason = 'is not a finite number';
    else if (range !== undefined && !within(v, range))
      reason =
        range === VALUE_RANGES.timeMs
          ? 'is outside 1990-01-01..2100-01-01'
          : range === VALUE_RANGES.odometerKm
            ? 'is beyond the safe integer range'
            : `is outside ${range.min}..${range.max}`;
    if (reason !== undefined)
      out.push({ path: join(parent, name), value: Number.isFinite(v) ? v : String(v), reason });
    return;
  }
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) check(name, parent, v[i], out);
    return;
  }
  if (typeof v === 'object') {
    const here = join(parent, name);
    const o = v as Record<string, unknown>;
    for (const k in o) check(k, here, o[k], out);
  }
}

/** Every value of a decoded record outside VALUE_RANGES (empty when all are in range). */
export function rangeProblems(record: object): RangeProblem[] {
  const out: RangeProblem[] = [];
  const o = record as Record<string, unknown>;
  for (const k in o) check(k, undefined, o[k], out);
  return out;
}

/** Throws OutOfRangeError when an input record holds a value outside VALUE_RANGES. */
export function assertInRange<T extends Topic>(topic: T, record: TopicRecordMap[T]): void {
  const problems = rangeProblems(record);
  if (problems.length > 0) throw new OutOfRangeError(topic, problems);
}

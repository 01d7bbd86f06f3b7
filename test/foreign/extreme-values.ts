/**
 * Extreme but schema-valid values for every field of an Avro record schema, derived from the schema
 * itself (walked here, so a field added to a contract later is fuzzed too, and a field of a type the
 * generator does not know fails loudly instead of being skipped).
 *
 * Per Avro type: long/int: 0, ±1, int32 limits, ±(2^53-1), ±8.7e15, int64 limits (long only) and the
 * VALUE_RANGES bounds either side; double/float: NaN, ±Infinity, -0, ±1e308, 5e-324 and the amount
 * bounds; string: empty, one character, 10 kB (and one 200 kB per record type), control characters,
 * non-ASCII, a VIN written in lower case with spaces, and the id/text length bounds either side; enum:
 * every symbol (the default one included); boolean: both; nullable union: null and every value of the
 * other branch; nested records: every field of theirs.
 *
 * Also a minimal Avro binary writer (zig-zag varints, IEEE doubles, UTF-8 strings) for the one value
 * the JSON bridge to produce.py cannot carry: -0 (JSON.stringify writes `0`, which fastavro then
 * writes as +0.0). It shares no code with our codec or avsc.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@zmwatch/infra';
import { VALUE_RANGES } from '@zmwatch/schemas';

export type AvroType = string | AvroType[] | AvroComplex;
export interface AvroComplex {
  type: AvroType;
  name?: string;
  namespace?: string;
  fields?: Array<{ name: string; type: AvroType }>;
  symbols?: string[];
  items?: AvroType;
  values?: AvroType;
  logicalType?: string;
}

export interface Extreme {
  /** Value class, e.g. `long:int64-max`, `string:10kB`, `enum:UNKNOWN`, `null`. */
  cls: string;
  value: unknown;
  /** The JSON bridge to produce.py loses this value (-0): write the bytes with {@link encodeAvro}. */
  needsBytes?: boolean;
  /** The value depends on the record's own VIN (then `value` is a placeholder). */
  valueFor?: (vin: string) => unknown;
}

export interface FieldCase {
  /** Dotted path of the field, e.g. `party.type`. */
  path: string;
  extreme: Extreme;
}

/** The current (highest-version) writer schema of a subject in schemas/avro/catalog.json, and its id. */
export function currentSchema(subject: string): { id: number; schema: AvroComplex } {
  const dir = join(REPO_ROOT, 'schemas', 'avro');
  const catalog = JSON.parse(readFileSync(join(dir, 'catalog.json'), 'utf8')) as {
    schemas: Array<{ id: number; subject: string; version: number; file: string }>;
  };
  const entries = catalog.schemas.filter((e) => e.subject === subject);
  if (entries.length === 0) throw new Error(`no schema for subject ${subject} in the catalog`);
  const best = entries.reduce((a, b) => (b.version > a.version ? b : a));
  return { id: best.id, schema: JSON.parse(readFileSync(join(dir, best.file), 'utf8')) as AvroComplex };
}

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;
const SAFE = Number.MAX_SAFE_INTEGER;
const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);

/** Named types of a schema (full and short names), for references by name. */
function namedTypes(
  schema: AvroType,
  out = new Map<string, AvroComplex>(),
  ns?: string,
): Map<string, AvroComplex> {
  if (Array.isArray(schema)) schema.forEach((b) => namedTypes(b, out, ns));
  else if (typeof schema === 'object') {
    const space = schema.namespace ?? ns;
    if (schema.name) {
      out.set(schema.name, schema);
      if (space) out.set(`${space}.${schema.name}`, schema);
    }
    if (typeof schema.type === 'object') namedTypes(schema.type, out, space);
    schema.fields?.forEach((f) => namedTypes(f.type, out, space));
    if (schema.items) namedTypes(schema.items, out, space);
    if (schema.values) namedTypes(schema.values, out, space);
  }
  return out;
}

function resolve(t: AvroType, named: Map<string, AvroComplex>): AvroType {
  if (typeof t === 'string' && !PRIMITIVES.has(t)) {
    const n = named.get(t);
    if (!n) throw new Error(`unknown named type ${t}`);
    return n;
  }
  if (typeof t === 'object' && !Array.isArray(t) && typeof t.type !== 'string') return resolve(t.type, named);
  return t;
}

/** The Avro type name of a (resolved) schema node. */
function kindOf(t: AvroType): string {
  if (Array.isArray(t)) return 'union';
  if (typeof t === 'string') return t;
  return typeof t.type === 'string' ? t.type : 'union';
}

export interface StringContext {
  /** Include the 200 kB string (once per record type). */
  huge: boolean;
}

function stringExtremes(ctx: StringContext): Extreme[] {
  const out: Extreme[] = [
    { cls: 'string:empty', value: '' },
    { cls: 'string:1-char', value: 'x' },
    { cls: 'string:10kB', value: 'S'.repeat(10_240) },
    { cls: 'string:newline', value: 'ab\ncd' },
    { cls: 'string:tab', value: 'ab\tcd' },
    { cls: 'string:nul', value: 'ab\u0000cd' },
    { cls: 'string:u2028', value: 'ab\u2028cd' },
    { cls: 'string:emoji', value: '🚗💨🇨🇳' },
    { cls: 'string:rtl', value: '\u202eشركة السيارات' },
    { cls: 'string:combining', value: 'e\u0301\u0301\u0301 Z\u0351\u0352' },
    {
      cls: 'string:vin-like-lower-spaced',
      value: '',
      valueFor: (vin: string) => `  ${vin.toLowerCase()} `,
    },
    { cls: 'string:id-max-len', value: 'i'.repeat(VALUE_RANGES.idMaxLength) },
    { cls: 'string:id-max-len+1', value: 'i'.repeat(VALUE_RANGES.idMaxLength + 1) },
    { cls: 'string:text-max-len', value: 't'.repeat(VALUE_RANGES.textMaxLength) },
    { cls: 'string:text-max-len+1', value: 't'.repeat(VALUE_RANGES.textMaxLength + 1) },
  ];
  if (ctx.huge) out.push({ cls: 'string:200kB', value: 'H'.repeat(200 * 1024) });
  return out;
}

/** Bounds of VALUE_RANGES, either side, for numbers (which field each applies to is the range check's business). */
function boundExtremes(kind: 'int' | 'long' | 'double'): Extreme[] {
  const r = VALUE_RANGES;
  const pairs: Array<[string, number]> =
    kind === 'long'
      ? [
          ['time-min', r.timeMs.min],
          ['time-max', r.timeMs.max],
        ]
      : kind === 'int'
        ? [
            ['model-year-min', r.modelYear.min],
            ['model-year-max', r.modelYear.max],
          ]
        : [['amount-max', r.amount.max]];
  return pairs.flatMap(([name, v]) => [
    { cls: `${kind}:${name}-1`, value: v - 1 },
    { cls: `${kind}:${name}`, value: v },
    { cls: `${kind}:${name}+1`, value: v + 1 },
  ]);
}

/** Extreme values of one (resolved) type. */
export function extremesOf(
  t: AvroType,
  named: Map<string, AvroComplex>,
  ctx: StringContext,
  where: string,
): Extreme[] {
  const r = resolve(t, named);
  const kind = kindOf(r);
  switch (kind) {
    case 'null':
      return [{ cls: 'null', value: null }];
    case 'boolean':
      return [
        { cls: 'boolean:true', value: true },
        { cls: 'boolean:false', value: false },
      ];
    case 'int':
      return [
        { cls: 'int:0', value: 0 },
        { cls: 'int:-1', value: -1 },
        { cls: 'int:1', value: 1 },
        { cls: 'int:int32-min', value: INT32_MIN },
        { cls: 'int:int32-max', value: INT32_MAX },
        ...boundExtremes('int'),
      ];
    case 'long':
      return [
        { cls: 'long:0', value: 0 },
        { cls: 'long:-1', value: -1 },
        { cls: 'long:int32-min', value: INT32_MIN },
        { cls: 'long:int32-max', value: INT32_MAX },
        { cls: 'long:-(2^53-1)', value: -SAFE },
        { cls: 'long:2^53-1', value: SAFE },
        { cls: 'long:-8.7e15', value: -8.7e15 },
        { cls: 'long:8.7e15', value: 8.7e15 },
        // Beyond a double's exact integers: bigints reach produce.py as exact JSON integers.
        { cls: 'long:int64-min', value: -(2n ** 63n) },
        { cls: 'long:int64-max', value: 2n ** 63n - 1n },
        ...boundExtremes('long'),
      ];
    case 'float':
    case 'double':
      return [
        { cls: `${kind}:NaN`, value: NaN },
        { cls: `${kind}:+Infinity`, value: Infinity },
        { cls: `${kind}:-Infinity`, value: -Infinity },
        { cls: `${kind}:-0`, value: -0, needsBytes: true },
        { cls: `${kind}:0`, value: 0 },
        { cls: `${kind}:-0.01`, value: -0.01 },
        { cls: `${kind}:5e-324`, value: 5e-324 },
        ...(kind === 'double'
          ? [
              { cls: 'double:1e308', value: 1e308 },
              { cls: 'double:-1e308', value: -1e308 },
            ]
          : [{ cls: 'float:3.4e38', value: 3.4e38 }]),
        ...boundExtremes('double'),
      ];
    case 'string':
      return stringExtremes(ctx);
    case 'enum':
      return ((r as AvroComplex).symbols ?? []).map((s) => ({ cls: `enum:${s}`, value: s }));
    case 'union': {
      const branches = (Array.isArray(r) ? r : []).map((b) => resolve(b, named));
      return branches.flatMap((b) => {
        const inner = extremesOf(b, named, ctx, where);
        return kindOf(b) === 'null' ? inner : inner.map((e) => ({ ...e, cls: `${kindOf(b)}|${e.cls}` }));
      });
    }
    case 'array': {
      const items = extremesOf((r as AvroComplex).items!, named, ctx, `${where}[]`);
      return [
        { cls: 'array:empty', value: [] },
        ...items.map((e) => ({ ...e, cls: `array:[${e.cls}]`, value: [e.value] })),
      ];
    }
    case 'map': {
      const values = extremesOf((r as AvroComplex).values!, named, ctx, `${where}{}`);
      return [
        { cls: 'map:empty', value: {} },
        ...values.map((e) => ({ ...e, cls: `map:{${e.cls}}`, value: { k: e.value } })),
      ];
    }
    default:
      throw new Error(
        `${where}: no extreme values for Avro type ${kind}: extend test/foreign/extreme-values.ts`,
      );
  }
}

/** Dotted paths of every leaf field (nested records flattened), with the field's type. */
export function leafFields(schema: AvroComplex): Array<{ path: string; type: AvroType }> {
  const named = namedTypes(schema);
  const out: Array<{ path: string; type: AvroType }> = [];
  const walk = (rec: AvroComplex, prefix: string) => {
    for (const f of rec.fields ?? []) {
      const t = resolve(f.type, named);
      if (kindOf(t) === 'record') walk(t as AvroComplex, `${prefix}${f.name}.`);
      else out.push({ path: `${prefix}${f.name}`, type: f.type });
    }
  };
  walk(schema, '');
  return out;
}

/**
 * One case per (field, extreme value) of `schema`. The 200 kB string goes to the first string field
 * only (the total stays reasonable).
 */
export function fieldCases(schema: AvroComplex): FieldCase[] {
  const named = namedTypes(schema);
  const cases: FieldCase[] = [];
  let hugeGiven = false;
  for (const { path, type } of leafFields(schema)) {
    const huge = !hugeGiven && kindOf(resolve(type, named)) === 'string';
    if (huge) hugeGiven = true;
    for (const extreme of extremesOf(type, named, { huge }, path)) cases.push({ path, extreme });
  }
  return cases;
}

/** A copy of `base` with the field at dotted `path` set to `value`. */
export function withField<T extends object>(base: T, path: string, value: unknown): T {
  const copy = structuredClone(base) as Record<string, unknown>;
  const parts = path.split('.');
  let o = copy;
  for (const p of parts.slice(0, -1)) o = o[p] as Record<string, unknown>;
  o[parts.at(-1)!] = value;
  return copy as T;
}

// ---- a minimal Avro binary writer (for values the JSON bridge cannot carry) ----

function zigzag(n: bigint): Buffer {
  let z = n >= 0n ? n << 1n : (-n << 1n) - 1n;
  const bytes: number[] = [];
  do {
    let b = Number(z & 0x7fn);
    z >>= 7n;
    if (z > 0n) b |= 0x80;
    bytes.push(b);
  } while (z > 0n);
  return Buffer.from(bytes);
}

function matches(t: AvroType, v: unknown, named: Map<string, AvroComplex>): boolean {
  const r = resolve(t, named);
  switch (kindOf(r)) {
    case 'null':
      return v === null;
    case 'boolean':
      return typeof v === 'boolean';
    case 'int':
    case 'long':
      return typeof v === 'bigint' || Number.isInteger(v);
    case 'float':
    case 'double':
      return typeof v === 'number';
    case 'string':
      return typeof v === 'string';
    case 'enum':
      return typeof v === 'string' && ((r as AvroComplex).symbols ?? []).includes(v);
    default:
      return typeof v === 'object' && v !== null;
  }
}

function write(t: AvroType, v: unknown, named: Map<string, AvroComplex>, out: Buffer[]): void {
  const r = resolve(t, named);
  switch (kindOf(r)) {
    case 'null':
      return;
    case 'boolean':
      out.push(Buffer.from([v ? 1 : 0]));
      return;
    case 'int':
    case 'long':
      out.push(zigzag(BigInt(v as number | bigint)));
      return;
    case 'float': {
      const b = Buffer.alloc(4);
      b.writeFloatLE(v as number);
      out.push(b);
      return;
    }
    case 'double': {
      const b = Buffer.alloc(8);
      b.writeDoubleLE(v as number);
      out.push(b);
      return;
    }
    case 'string': {
      const s = Buffer.from(v as string, 'utf8');
      out.push(zigzag(BigInt(s.length)), s);
      return;
    }
    case 'enum':
      out.push(zigzag(BigInt(((r as AvroComplex).symbols ?? []).indexOf(v as string))));
      return;
    case 'union': {
      const branches = r as AvroType[];
      const i = branches.findIndex((b) => matches(b, v, named));
      if (i < 0) throw new Error(`no union branch for ${String(v)}`);
      out.push(zigzag(BigInt(i)));
      write(branches[i]!, v, named, out);
      return;
    }
    case 'record':
      for (const f of (r as AvroComplex).fields ?? [])
        write(f.type, (v as Record<string, unknown>)[f.name], named, out);
      return;
    default:
      throw new Error(`encodeAvro: type ${kindOf(r)} not supported`);
  }
}

/** Confluent-framed Avro binary of `value` under `schema` (magic 0, big-endian schema id). */
export function encodeAvro(schema: AvroComplex, schemaId: number, value: object): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(schemaId, 1);
  const out: Buffer[] = [header];
  write(schema, value, namedTypes(schema), out);
  return Buffer.concat(out);
}

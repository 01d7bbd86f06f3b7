/**
 * Hardening of avsc 5.7.9 against hostile bytes. avsc trusts an array/map block count and loops
 * that many times (allocating `new Array(n)` first), so a bit flip in a count (e.g. 2^40) would hang
 * or exhaust memory instead of failing. `typeHook` builds every array and map type as a subclass
 * whose `_read`/`_skip` reject a block count larger than the bytes left divided by the minimum
 * encoded item size. Resolvers copy the reader's `_read`, and skip writer-only fields with the
 * writer's `_skip`, so both paths are bounded. This relies on avsc internals; avsc is pinned and
 * test/codec-fuzz.test.ts proves the guard.
 */
import avro, { type Schema, type Type } from 'avsc';

interface Tap {
  buf: Buffer;
  pos: number;
  readLong(): number;
  skipLong(): void;
  readString(): string;
  skipString(): void;
}

interface InternalType {
  typeName: string;
  itemsType?: InternalType;
  valuesType?: InternalType;
  types?: readonly InternalType[];
  fields?: readonly { type: InternalType }[];
  size?: number;
  _read(tap: Tap): unknown;
  _skip(tap: Tap): void;
}

/** Thrown inside avsc reads; the codec maps it to MalformedPayloadError. */
export class BlockCountError extends Error {
  constructor(count: number, remaining: number) {
    super(`block count ${count} exceeds the ${remaining} bytes left`);
  }
}

/** Minimum encoded size in bytes of a value of `t` (0 when a value can be empty). */
export function minEncodedSize(t: InternalType, seen = new Set<InternalType>()): number {
  switch (t.typeName) {
    case 'null':
      return 0;
    case 'float':
      return 4;
    case 'double':
      return 8;
    case 'fixed':
      return t.size ?? 0;
    case 'record':
    case 'error': {
      if (seen.has(t)) return 0; // recursive record: be conservative
      seen.add(t);
      let n = 0;
      for (const f of t.fields ?? []) n += minEncodedSize(f.type, seen);
      seen.delete(t);
      return n;
    }
    default:
      // boolean, int, long, string, bytes, enum, union (branch index), array and map (terminator).
      return 1;
  }
}

const itemSizes = new WeakMap<object, number>();

function checkCount(type: object, inner: InternalType, extra: number, tap: Tap, n: number): void {
  let size = itemSizes.get(type);
  if (size === undefined) itemSizes.set(type, (size = extra + minEncodedSize(inner)));
  const remaining = tap.buf.length - tap.pos;
  if (size > 0 ? n * size > remaining : n > 1_000_000) throw new BlockCountError(n, remaining);
}

const ArrayBase = avro.types.ArrayType as unknown as new (schema: Schema, opts: unknown) => InternalType;
const MapBase = avro.types.MapType as unknown as new (schema: Schema, opts: unknown) => InternalType;

class BoundedArrayType extends ArrayBase {
  override _read(this: InternalType, tap: Tap): unknown[] {
    const items = this.itemsType!;
    let val: unknown[] | undefined;
    let i = 0;
    let n: number;
    while ((n = tap.readLong())) {
      if (n < 0) {
        n = -n;
        tap.skipLong();
      }
      checkCount(this, items, 0, tap, n);
      val = val ?? new Array<unknown>(n);
      while (n--) val[i++] = items._read(tap);
    }
    return val ?? [];
  }
  override _skip(this: InternalType, tap: Tap): void {
    const items = this.itemsType!;
    let n: number;
    while ((n = tap.readLong())) {
      if (n < 0) {
        const len = tap.readLong();
        if (len < 0) throw new BlockCountError(len, tap.buf.length - tap.pos);
        tap.pos += len;
      } else {
        checkCount(this, items, 0, tap, n);
        while (n--) items._skip(tap);
      }
    }
  }
}

class BoundedMapType extends MapBase {
  override _read(this: InternalType, tap: Tap): Record<string, unknown> {
    const values = this.valuesType!;
    const val: Record<string, unknown> = {};
    let n: number;
    while ((n = tap.readLong())) {
      if (n < 0) {
        n = -n;
        tap.skipLong();
      }
      checkCount(this, values, 1, tap, n);
      while (n--) {
        const key = tap.readString();
        val[key] = values._read(tap);
      }
    }
    return val;
  }
  override _skip(this: InternalType, tap: Tap): void {
    const values = this.valuesType!;
    let n: number;
    while ((n = tap.readLong())) {
      if (n < 0) {
        const len = tap.readLong();
        if (len < 0) throw new BlockCountError(len, tap.buf.length - tap.pos);
        tap.pos += len;
      } else {
        checkCount(this, values, 1, tap, n);
        while (n--) {
          tap.skipString();
          values._skip(tap);
        }
      }
    }
  }
}

/** avsc `typeHook` building bounded array and map types. */
export function boundedTypeHook(schema: Schema, opts: unknown): Type | undefined {
  if (schema && typeof schema === 'object' && !Array.isArray(schema)) {
    const t = (schema as { type?: unknown }).type;
    if (t === 'array') return new BoundedArrayType(schema, opts) as unknown as Type;
    if (t === 'map') return new BoundedMapType(schema, opts) as unknown as Type;
  }
  return undefined;
}

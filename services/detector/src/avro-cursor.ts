import { hasControlCharacter } from '@zmwatch/schemas';

/** Node's Buffer slices without the encoding switch of `toString` (avsc reads strings the same way). */
interface SliceBuffer extends Buffer {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
}

const EMPTY = Buffer.alloc(0) as SliceBuffer;

/**
 * A cursor over one Avro binary body, reading values the way avsc does but refusing, instead of
 * guessing, anything a well-formed in-range record never holds: a read past the end, a varint longer
 * than a long's 10 bytes, a negative length, an enum or union index out of range, a string over its
 * length limit or with a control character. A refusal only sets `ok` to false (no exception, no
 * message): the caller then hands the record to the generic path, which decodes it again and names
 * the fault exactly as it always has. One cursor is reused for every record (nothing allocated per
 * record but the values themselves).
 */
export class AvroCursor {
  buf: SliceBuffer = EMPTY;
  pos = 0;
  end = 0;
  ok = true;

  reset(buf: Buffer, pos: number): void {
    this.buf = buf as SliceBuffer;
    this.pos = pos;
    this.end = buf.length;
    this.ok = true;
  }

  /** True when every value was read and the body ends exactly after the record. */
  done(): boolean {
    return this.ok && this.pos === this.end;
  }

  private refuse(): number {
    this.ok = false;
    this.pos = this.end;
    return 0;
  }

  private refuseString(): string {
    this.refuse();
    return '';
  }

  /** A zig-zag varint `int` or `long`, with avsc's arithmetic (exact below 2^53, as avsc's is). */
  long(): number {
    const buf = this.buf;
    const end = this.end;
    let pos = this.pos;
    let n = 0;
    let k = 0;
    let b = 0;
    do {
      if (pos >= end) return this.refuse();
      b = buf[pos++]!;
      n |= (b & 0x7f) << k;
      k += 7;
    } while (b & 0x80 && k < 28);
    if (b & 0x80) {
      // Beyond 28 bits: float arithmetic, as avsc does, so that the value is the same.
      let f = n;
      let fk = 268435456;
      do {
        if (pos >= end || k >= 70) return this.refuse();
        b = buf[pos++]!;
        f += (b & 0x7f) * fk;
        fk *= 128;
        k += 7;
      } while (b & 0x80);
      this.pos = pos;
      return (f % 2 ? -(f + 1) : f) / 2;
    }
    this.pos = pos;
    return (n >> 1) ^ -(n & 1);
  }

  /** A number that must lie in [min, max] (which also refuses NaN). */
  ranged(v: number, min: number, max: number): number {
    return v >= min && v <= max ? v : this.refuse();
  }

  boolean(): boolean {
    if (this.pos >= this.end) {
      this.refuse();
      return false;
    }
    return !!this.buf[this.pos++]; // avsc: any non-zero byte is true
  }

  double(): number {
    const pos = this.pos;
    if (pos + 8 > this.end) return this.refuse();
    this.pos = pos + 8;
    return this.buf.readDoubleLE(pos);
  }

  /** An enum symbol or a union branch: an index below `count`, else refused. */
  index(count: number): number {
    const i = this.long();
    return i >= 0 && i < count ? i : this.refuse();
  }

  /** A string's length, then past its bytes: their start, or -1 when refused. */
  private span(): number {
    const len = this.long();
    const start = this.pos;
    if (len < 0 || start + len > this.end) return this.refuse() - 1;
    this.pos = start + len;
    return start;
  }

  /**
   * A string of at most `max` characters without control characters. ASCII strings are checked
   * byte by byte (one comparison per byte: below 0x20 or from 0x7f on); UTF-8 ones are decoded as avsc
   * decodes them (invalid sequences become U+FFFD) and checked as characters.
   */
  string(max: number): string {
    const start = this.span();
    if (start < 0) return '';
    const end = this.pos;
    const len = end - start;
    const buf = this.buf;
    for (let i = start; i < end; i++)
      if ((buf[i]! - 0x20) >>> 0 >= 0x5f) return this.unusual(start, end, max);
    return len > max ? this.refuseString() : buf.latin1Slice(start, end);
  }

  /** As `string`, but one equal to a recently read one (`intern`) is returned without allocating. */
  text(max: number, intern: InternTable): string {
    const start = this.span();
    if (start < 0) return '';
    const end = this.pos;
    const len = end - start;
    const buf = this.buf;
    let hash = 0x811c9dc5;
    for (let i = start; i < end; i++) {
      const b = buf[i]!;
      if ((b - 0x20) >>> 0 >= 0x5f) return this.unusual(start, end, max);
      hash = Math.imul(hash ^ b, 0x01000193);
    }
    return len > max ? this.refuseString() : intern.get(buf, start, end, hash);
  }

  /** A string with a byte outside printable ASCII: refused if a control character, else decoded as UTF-8. */
  private unusual(start: number, end: number, max: number): string {
    const buf = this.buf;
    for (let i = start; i < end; i++) {
      const b = buf[i]!;
      if (b < 0x20 || b === 0x7f) return this.refuseString();
      if (b >= 0x80) {
        const s = buf.utf8Slice(start, end);
        return s.length > max || hasControlCharacter(s) ? this.refuseString() : s;
      }
    }
    return this.refuseString(); // not reached: the caller found such a byte
  }
}

/**
 * A small direct-mapped cache of ASCII strings by their bytes, for fields with few distinct values
 * (jurisdiction, make, model, port, currency, ...): a repeated value costs a byte comparison instead
 * of a new string (fewer young-generation objects: GC is the detector's largest cost). Bounded: a
 * slot holds the last string that hashed to it.
 */
export class InternTable {
  private readonly slots: (string | undefined)[];
  private readonly mask: number;

  constructor(bits = 10) {
    this.slots = new Array<string | undefined>(1 << bits).fill(undefined);
    this.mask = (1 << bits) - 1;
  }

  get(buf: SliceBuffer, start: number, end: number, hash: number): string {
    const slot = (hash ^ (hash >>> 16)) & this.mask;
    const known = this.slots[slot];
    if (known !== undefined && known.length === end - start) {
      let same = true;
      for (let i = 0; i < known.length; i++)
        if (known.charCodeAt(i) !== buf[start + i]) {
          same = false;
          break;
        }
      if (same) return known;
    }
    const s = buf.latin1Slice(start, end);
    this.slots[slot] = s;
    return s;
  }
}

/**
 * The machinery of a packed, declared record format (the VIN state's, see vin-state.ts): a record is
 * a header then sections, `;<tag><field>,<field>,...`; each section is declared once as an ordered
 * list of field codecs, and packing and unpacking both walk that list. Unpacking reads the fields in
 * place (no split, no intermediate arrays); packing concatenates.
 *
 * Evolution rules the engine enforces or relies on:
 * - A reader ignores fields past those it declares (a newer writer appended them), and reads fields
 *   a writer left out at the end as absent (an older writer did not have them). Trailing empty fields
 *   are not written.
 * - A section whose tag (or, for a section with variants, whose variant code) the reader does not
 *   know is kept verbatim (see `UnpackResult.kept`), never an error: a reader of an older release
 *   writes it back unchanged, so a rollback forgets nothing a newer release recorded there.
 * - Free text is escaped (the separators and newline, which separates entries of a bucket), so a
 *   field never contains ',', ';' or '\n'.
 */

export class StateFormatError extends Error {
  override readonly name = 'StateFormatError';
}

// ---- base 36 integers ----------------------------------------------------------------------------

const B36_5 = 60_466_176; // 36 ** 5
const ZEROS = '00000';

/**
 * `n` (rounded) in base 36. Number#toString(36) is ~10x slower on integers past 2^31 (epoch
 * milliseconds): they are written as two small halves.
 */
export function b36(n: number): string {
  n = Math.round(n);
  if (n >= 0 && n <= 0x7fffffff) return n.toString(36);
  if (n < 0) return '-' + b36(-n);
  const hi = Math.floor(n / B36_5);
  const lo = (n - hi * B36_5).toString(36);
  return b36(hi) + ZEROS.slice(lo.length) + lo;
}

/** The base-36 integer at [from, to) of `s` (lower-case digits, optional '-'), or a StateFormatError. */
export function readB36(s: string, from: number, to: number): number {
  let i = from;
  const negative = s.charCodeAt(i) === 45; // '-'
  if (negative) i++;
  if (i >= to) throw new StateFormatError(`bad number ${JSON.stringify(s.slice(from, to))}`);
  let n = 0;
  for (; i < to; i++) {
    const c = s.charCodeAt(i);
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 122 ? c - 87 : -1;
    if (d < 0) throw new StateFormatError(`bad number ${JSON.stringify(s.slice(from, to))}`);
    n = n * 36 + d;
  }
  return negative ? -n : n;
}

// ---- free text --------------------------------------------------------------------------------------

const ESCAPED: Record<string, string> = { '%': '%25', ',': '%2C', ';': '%3B', '\n': '%0A' };
const NEEDS_ESCAPE = /[%,;\n]/;
/** Free text with the separators and the escape character percent-escaped. */
export const escapeText = (s: string): string =>
  NEEDS_ESCAPE.test(s) ? s.replace(/[%,;\n]/g, (c) => ESCAPED[c]!) : s;
const unescapeText = (s: string): string =>
  s.includes('%') ? s.replace(/%(25|2C|3B|0A)/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))) : s;

// ---- field codecs -----------------------------------------------------------------------------------

type Rec = Record<string, unknown>;

/**
 * One declared field: how it writes its value(s) from a record and reads them into one. `width` is
 * the number of positions (comma-separated fields) it spans; a group spans its members'.
 */
export interface Field {
  readonly width: number;
  write(w: Writer, o: Rec): void;
  read(c: Cursor, o: Rec): void;
}

/** A scalar codec: '' is what a value absent from the text (left out or empty) reads as. */
interface Scalar<T> {
  write(value: T): string;
  read(s: string, from: number, to: number): T;
  /** The value of an empty or missing field; undefined: the property is left unset. */
  readonly missing?: T;
  /** Missing is an error. */
  readonly required?: boolean;
}

/** Non-negative or negative integer, base 36; required. */
export const int: Scalar<number> = { write: b36, read: readB36, required: true };
/** An integer that may be absent (the property is then left unset). */
export const optInt: Scalar<number> = { write: b36, read: readB36 };
/** An integer or null, null written as an empty field. */
export const intOrNull: Scalar<number | null> = {
  write: (v) => (v === null ? '' : b36(v)),
  read: readB36,
  missing: null,
};
/** Free text, escaped; missing reads as ''. */
export const text: Scalar<string> = {
  write: escapeText,
  read: (s, from, to) => unescapeText(s.slice(from, to)),
  missing: '',
};
/** Free text that may be absent (the property is then left unset). */
export const optText: Scalar<string> = {
  write: escapeText,
  read: (s, from, to) => unescapeText(s.slice(from, to)),
};
/** A boolean as 1 or 0; missing reads as false. */
export const flag: Scalar<boolean> = {
  write: (v) => (v ? '1' : '0'),
  read: (s, from, to) => to - from === 1 && s.charCodeAt(from) === 49,
  missing: false,
};

/** Values written as short codes (each unique); `fallback` is what '' and a missing field read as. */
export function codes<T extends string>(table: Readonly<Record<T, string>>, fallback?: T): Scalar<T> {
  const byCode = new Map<string, T>();
  for (const [value, code] of Object.entries(table) as Array<[T, string]>) byCode.set(code, value);
  return {
    write: (v) => table[v],
    read: (s, from, to) => {
      const v = byCode.get(s.slice(from, to));
      if (v === undefined && fallback === undefined)
        throw new StateFormatError(`unknown code ${JSON.stringify(s.slice(from, to))}`);
      return v ?? fallback!;
    },
    ...(fallback === undefined ? { required: true } : { missing: fallback }),
  };
}

/** The field `key` of a record, written with `codec`. */
export function field<T>(key: string, codec: Scalar<T>): Field {
  return {
    width: 1,
    write(w, o) {
      const v = o[key] as T | undefined;
      w.put(v === undefined ? '' : codec.write(v));
    },
    read(c, o) {
      if (c.next() && c.to > c.from) o[key] = codec.read(c.s, c.from, c.to);
      else if (codec.missing !== undefined) o[key] = codec.missing;
      else if (codec.required) c.missing ??= key;
    },
  };
}

/**
 * One digit of a mixed-radix number: the value's index among `symbols` (index 0, each enum's
 * "unknown/other" symbol, for a value not listed and for an index out of range on reading).
 */
export interface Digit {
  key: string;
  symbols: readonly unknown[];
  /** Fixed forever once written: changing it changes every other digit's meaning. */
  radix: number;
}

/**
 * Several small enumerations in one base-36 field, as a mixed-radix number (the first digit most
 * significant, unbounded). Avro enum symbols are only ever appended, but a digit's radix is part of
 * the format: a symbol list outgrowing it fails here, at load time, so the format is changed on
 * purpose (a new field or section) rather than by accident.
 */
export function digits(...ds: Digit[]): Field {
  for (const d of ds.slice(1))
    if (d.symbols.length > d.radix)
      throw new Error(`${d.key} has ${d.symbols.length} symbols, more than its packed radix ${d.radix}`);
  return {
    width: 1,
    write(w, o) {
      let n = 0;
      for (const d of ds) n = n * d.radix + Math.max(0, d.symbols.indexOf(o[d.key]));
      w.put(b36(n));
    },
    read(c, o) {
      let n = c.next() && c.to > c.from ? readB36(c.s, c.from, c.to) : 0;
      const at = new Array<number>(ds.length);
      for (let i = ds.length - 1; i > 0; i--) {
        const r = ds[i]!.radix;
        at[i] = n % r;
        n = Math.floor(n / r);
      }
      at[0] = n;
      for (let i = 0; i < ds.length; i++) {
        const d = ds[i]!;
        o[d.key] = d.symbols[at[i]!] ?? d.symbols[0];
      }
    },
  };
}

/**
 * A nested record under `key`, its fields inline. Present (on reading) when any of its fields is
 * not empty; absent, it writes empty fields, so the fields after it keep their positions.
 */
export function group(key: string, fields: readonly Field[]): Field {
  const width = fields.reduce((n, f) => n + f.width, 0);
  return {
    width,
    write(w, o) {
      const g = o[key] as Rec | undefined;
      if (g === undefined) w.skip(width);
      else for (const f of fields) f.write(w, g);
    },
    read(c, o) {
      const g: Rec = {};
      const before = c.nonEmpty;
      const missing = c.missing;
      c.missing = undefined;
      for (const f of fields) f.read(c, g);
      if (c.nonEmpty > before) {
        if (c.missing !== undefined) c.fail(`missing field ${key}.${c.missing}`);
        o[key] = g;
      }
      c.missing = missing;
    },
  };
}

// ---- writing and reading ----------------------------------------------------------------------------

const COMMAS = Array.from({ length: 64 }, (_, n) => ','.repeat(n));

/** Builds one packed record by concatenation; empty fields are written only when a later one is not. */
export class Writer {
  out = '';
  private pending = 0;
  private first = true;

  /** Starts a section: ';' and its tag. */
  section(tag: string): void {
    this.out += ';' + tag;
    this.pending = 0;
    this.first = true;
  }

  put(t: string): void {
    if (this.first) {
      this.first = false;
      this.out += t;
    } else if (t === '') this.pending++;
    else {
      this.out += (this.pending < COMMAS.length ? COMMAS[this.pending] : ','.repeat(this.pending)) + ',' + t;
      this.pending = 0;
    }
  }

  /** `n` empty fields. */
  skip(n: number): void {
    for (let i = 0; i < n; i++) this.put('');
  }
}

/** Walks the fields of one section in place: `next()` moves to the next field, [from, to) of `s`. */
export class Cursor {
  s = '';
  /** Start of the current section (its tag). */
  start = 0;
  /** End of the current section (index of its ';' or the length). */
  end = 0;
  from = 0;
  to = 0;
  private at = 0;
  /** Non-empty fields read in this section so far (groups use it to tell whether they are present). */
  nonEmpty = 0;
  /** A required field found missing (an error unless it belongs to an absent group). */
  missing: string | undefined;

  /** Positions the cursor on the section whose tag is at `start`. */
  enter(s: string, start: number): void {
    this.s = s;
    this.start = start;
    let end = s.indexOf(';', start);
    if (end < 0) end = s.length;
    this.end = end;
    this.at = start + 1;
    this.from = this.to = this.at;
    this.nonEmpty = 0;
    this.missing = undefined;
  }

  /** Moves to the next field; false (and an empty field) past the end of the section. */
  next(): boolean {
    if (this.at > this.end) {
      this.from = this.to = this.end;
      return false;
    }
    let e = this.s.indexOf(',', this.at);
    if (e < 0 || e > this.end) e = this.end;
    this.from = this.at;
    this.to = e;
    this.at = e + 1;
    if (e > this.from) this.nonEmpty++;
    return true;
  }

  /** The text of the field at `index` (0-based) of the current section, without moving. */
  peek(index: number): string {
    let a = this.start + 1;
    for (let i = 0; i < index; i++) {
      const e = this.s.indexOf(',', a);
      if (e < 0 || e > this.end) return '';
      a = e + 1;
    }
    let e = this.s.indexOf(',', a);
    if (e < 0 || e > this.end) e = this.end;
    return this.s.slice(a, e);
  }

  section(): string {
    return this.s.slice(this.start, this.end);
  }

  fail(problem: string): never {
    throw new StateFormatError(`${problem} in ${JSON.stringify(this.section())}`);
  }
}

/**
 * A declared section. `variants` (keyed by the code of the field at `variantAt`) declare sections
 * whose fields depend on a kind, e.g. a declaration's status.
 */
export interface Section<O> {
  tag: string;
  /** The fields of a record `o`, its variant chosen by `variantOf` on writing. */
  fieldsOf(o: O): readonly Field[];
  /** The fields of the section the cursor is on, or undefined for a variant this reader does not know. */
  fieldsAt(c: Cursor): readonly Field[] | undefined;
}

export function section<O>(tag: string, fields: readonly Field[]): Section<O> {
  return { tag, fieldsOf: () => fields, fieldsAt: () => fields };
}

export function sectionWithVariants<O>(
  tag: string,
  variantAt: number,
  variantOf: (o: O) => string,
  variants: Readonly<Record<string, readonly Field[]>>,
): Section<O> {
  const byCode = new Map(Object.entries(variants));
  return {
    tag,
    fieldsOf: (o) => byCode.get(variantOf(o))!,
    fieldsAt: (c) => byCode.get(c.peek(variantAt)),
  };
}

/** Writes record `o` as a section. */
export function writeSection<O>(w: Writer, s: Section<O>, o: O): void {
  w.section(s.tag);
  for (const f of s.fieldsOf(o)) f.write(w, o as Rec);
}

/** Reads the section the cursor is on into a new record, or undefined for an unknown variant. */
export function readSection<O>(c: Cursor, s: Section<O>): O | undefined {
  const fields = s.fieldsAt(c);
  if (!fields) return undefined;
  const o: Rec = {};
  for (const f of fields) f.read(c, o);
  if (c.missing !== undefined) c.fail(`missing field ${c.missing}`);
  return o as O;
}

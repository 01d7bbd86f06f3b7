/**
 * A bucket as stored in Redis: one string holding many fixed-width-key entries, e.g. the packed
 * states of ~50 VINs (velocity buckets use the same format with 11-character keys, see keys.ts).
 *
 *   <version>\n<VIN><packed state>\n<VIN><packed state>...
 *
 * VINs are validated 17-character strings, so an entry needs no separator between VIN and state;
 * packed states never contain a newline (vin-state.ts escapes it). One string per bucket costs
 * Redis less than a hash field per VIN (no per-field listpack header, no per-field commands), and
 * the owner of a partition rewrites a bucket with one SET per batch instead of one call per VIN.
 * The version, bumped by every write, is what the compare-and-set Lua script checks (redis-store.ts).
 */
export interface Bucket {
  version: number;
  /** VIN -> packed state. */
  entries: Map<string, string>;
}

export const VIN_CHARS = 17;

export class BucketFormatError extends Error {
  override readonly name = 'BucketFormatError';
}

/** `keyChars`: the fixed width of an entry's key (17 for VINs, 11 for velocity entries). */
export function parseBucket(blob: string | null | undefined, keyChars = VIN_CHARS): Bucket {
  const entries = new Map<string, string>();
  if (!blob) return { version: 0, entries };
  const nl = blob.indexOf('\n');
  const version = Number(nl < 0 ? blob : blob.slice(0, nl));
  if (!Number.isSafeInteger(version) || version < 1)
    throw new BucketFormatError(`bucket has no version header: ${JSON.stringify(blob.slice(0, 24))}`);
  let at = nl < 0 ? blob.length : nl + 1;
  while (at < blob.length) {
    let end = blob.indexOf('\n', at);
    if (end < 0) end = blob.length;
    if (end - at > keyChars) entries.set(blob.slice(at, at + keyChars), blob.slice(at + keyChars, end));
    at = end + 1;
  }
  return { version, entries };
}

/**
 * The blob of a bucket at `version`: its entries with `changes` applied (VIN -> new packed state,
 * '' removes the VIN); '' when no entry is left (the key is deleted).
 */
export function formatBucket(
  version: number,
  entries: ReadonlyMap<string, string>,
  changes: ReadonlyMap<string, string> = new Map(),
): string {
  let out = String(version);
  let n = 0;
  for (const [vin, packed] of entries) {
    const next = changes.get(vin);
    if (next === undefined) out += '\n' + vin + packed;
    else if (next !== '') out += '\n' + vin + next;
    else continue;
    n++;
  }
  for (const [vin, next] of changes) {
    if (next === '' || entries.has(vin)) continue;
    out += '\n' + vin + next;
    n++;
  }
  return n === 0 ? '' : out;
}

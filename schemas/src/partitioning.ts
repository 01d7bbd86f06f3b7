/**
 * The feed contract's partitioning: a record of an input topic is keyed by its normalised VIN and
 * sits on partition `toPositive(murmur2(utf8(key))) % partitionCount` — the default of the Java
 * client, Kafka Streams and kafkajs (`Partitioners.DefaultPartitioner`). Other clients default to
 * something else (librdkafka: CRC32 `consistent_random`), so consumers check placement per record
 * instead of trusting it (see the detector's re-routing).
 */

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** Kafka's murmur2 (Utils.murmur2 of the Java client) over bytes, as a signed 32-bit int. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const length4 = length >> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = data[i4]! | (data[i4 + 1]! << 8) | (data[i4 + 2]! << 16) | (data[i4 + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const tail = length & ~3;
  const rest = length % 4;
  if (rest === 3) h ^= data[tail + 2]! << 16;
  if (rest >= 2) h ^= data[tail + 1]! << 8;
  if (rest >= 1) {
    h ^= data[tail]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

const encoder = new TextEncoder();

/** The partition the contract puts `key` on: murmur2 of its UTF-8 bytes, made positive, modulo the count. */
export function contractPartition(key: string | Uint8Array, partitionCount: number): number {
  if (!Number.isInteger(partitionCount) || partitionCount < 1)
    throw new RangeError(`partition count must be a positive integer, got ${partitionCount}`);
  const bytes = typeof key === 'string' ? encoder.encode(key) : key;
  return (murmur2(bytes) & 0x7fffffff) % partitionCount;
}

/** Why a record is not where the contract puts it; `undefined` when it is. */
export type PlacementProblem = 'wrong-partition' | 'key-not-vin' | 'no-key';

/**
 * Checks one input record against the contract: its key must be exactly the normalised VIN of its
 * value and it must sit on that key's contract partition. Returns the first problem found.
 */
export function placementProblem(
  key: Buffer | Uint8Array | string | null | undefined,
  vin: string,
  partition: number,
  partitionCount: number,
): PlacementProblem | undefined {
  if (key === null || key === undefined || key.length === 0) return 'no-key';
  if (typeof key === 'string') {
    if (key !== vin) return 'key-not-vin';
  } else if (!sameAscii(key, vin)) return 'key-not-vin';
  // Per record on the hot path: hash the key's own bytes (they are the VIN's) instead of encoding.
  if (contractPartition(typeof key === 'string' ? vin : key, partitionCount) !== partition)
    return 'wrong-partition';
  return undefined;
}

/** Byte-wise equality of a key with an ASCII string (a VIN) without decoding the key. */
function sameAscii(bytes: Uint8Array, s: string): boolean {
  if (bytes.length !== s.length) return false;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== s.charCodeAt(i)) return false;
  return true;
}

/**
 * Test VINs from one deterministic, seeded generator: the same seed gives the same VIN in every run
 * and process (a test can name its vehicles `vinFor(1)`, `vinFor('ring-3')`), and a seed holding a
 * run's unique name gives VINs no other run on the shared stack uses. Every VIN is structurally valid
 * (17 characters, no I, O or Q) with the check digit computed, unless asked for a wrong one.
 */
import { createHash, randomUUID } from 'node:crypto';
import { withCheckDigit } from '@zmwatch/schemas';

const VIN_CHARS = '0123456789ABCDEFGHJKLMNPRSTUVWXYZ';

export interface VinOptions {
  /** The first characters, up to position 8: a maker's WMI (default LGX, a Chinese one), maybe a model line. */
  prefix?: string;
  /** false: position 9 holds a wrong check digit (the VIN stays structurally valid). */
  validCheckDigit?: boolean;
}

/** The VIN of `seed`: the prefix, the other positions from its SHA-256, then the check digit (position 9). */
export function vinFor(seed: string | number, opts: VinOptions = {}): string {
  const digest = createHash('sha256').update(String(seed)).digest();
  let out = opts.prefix ?? 'LGX';
  if (!/^[A-HJ-NPR-Z0-9]{1,8}$/.test(out))
    throw new Error(`not a VIN prefix (1-8 of 0-9, A-Z but I, O, Q): ${out}`);
  for (let i = 0; out.length < 17; i++) out += VIN_CHARS[digest[i]! % VIN_CHARS.length];
  const good = withCheckDigit(out);
  if (opts.validCheckDigit === false) {
    const bad = good[8] === '1' ? '2' : '1';
    return good.slice(0, 8) + bad + good.slice(9);
  }
  return good;
}

/** A VIN no other call, run or process gets: `vinFor` of a unique seed. */
export const randomVin = (opts: VinOptions = {}): string => vinFor(randomUUID(), opts);

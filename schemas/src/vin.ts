/**
 * VIN rules. Structure (17 characters from 0-9 A-Z without I, O, Q) is a hard requirement; the
 * ISO 3779 / North American check digit (position 9) is only a risk signal, because many Chinese
 * VINs do not use it: a mismatch is reported, never a rejection.
 */

export const VIN_LENGTH = 17;

/** North American transliteration of VIN characters to values (I, O, Q are not allowed). */
const TRANSLITERATION: Readonly<Record<string, number>> = {
  A: 1, B: 2, C: 3, D: 4, E: 5, F: 6, G: 7, H: 8,
  J: 1, K: 2, L: 3, M: 4, N: 5, P: 7, R: 9,
  S: 2, T: 3, U: 4, V: 5, W: 6, X: 7, Y: 8, Z: 9,
  '0': 0, '1': 1, '2': 2, '3': 3, '4': 4, '5': 5, '6': 6, '7': 7, '8': 8, '9': 9,
}; // prettier-ignore

/** Position weights; position 9 (the check digit itself) weighs 0. */
export const VIN_WEIGHTS: readonly number[] = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];

const VIN_PATTERN = /^[A-HJ-NPR-Z0-9]{17}$/;

export type VinValidation =
  | { ok: true; vin: string; checkDigitValid: boolean; expectedCheckDigit: string }
  | { ok: false; code: 'EMPTY' | 'LENGTH' | 'CHARSET'; reason: string };

/** Trims and upper-cases; does not validate. */
export function normalizeVin(raw: string): string {
  return raw.trim().toUpperCase();
}

/**
 * ISO 3779 / North American check digit of a structurally valid VIN: sum of transliterated values
 * times weights, modulo 11, remainder 10 written as 'X'. Throws on a structurally invalid VIN.
 */
export function computeCheckDigit(vin: string): string {
  if (!VIN_PATTERN.test(vin)) throw new RangeError(`not a structurally valid VIN: ${JSON.stringify(vin)}`);
  let sum = 0;
  for (let i = 0; i < VIN_LENGTH; i++) sum += TRANSLITERATION[vin[i]!]! * VIN_WEIGHTS[i]!;
  const r = sum % 11;
  return r === 10 ? 'X' : String(r);
}

/** `draft` (a structurally valid VIN, any character at position 9) with its check digit written in. */
export const withCheckDigit = (draft: string): string =>
  draft.slice(0, 8) + computeCheckDigit(draft) + draft.slice(9);

/**
 * True when `vin` is already a normalised, structurally valid VIN (the hot-path check of consumers
 * that see millions of them; anything else goes through validateVin for the reason).
 */
export function isCanonicalVin(vin: string): boolean {
  return VIN_PATTERN.test(vin);
}

/** Normalises then validates a VIN. Structural faults are errors; a check-digit mismatch is a flag. */
export function validateVin(raw: string): VinValidation {
  const vin = normalizeVin(raw);
  if (vin.length === 0) return { ok: false, code: 'EMPTY', reason: 'VIN is empty' };
  if (vin.length !== VIN_LENGTH) {
    return { ok: false, code: 'LENGTH', reason: `VIN must be ${VIN_LENGTH} characters, got ${vin.length}` };
  }
  if (!VIN_PATTERN.test(vin)) {
    const i = [...vin].findIndex((c) => !/[A-HJ-NPR-Z0-9]/.test(c));
    const c = vin[i]!;
    const why = 'IOQ'.includes(c) ? 'I, O and Q are not used in VINs' : 'only 0-9 and A-Z are allowed';
    return {
      ok: false,
      code: 'CHARSET',
      reason: `invalid character ${JSON.stringify(c)} at position ${i + 1} (${why})`,
    };
  }
  const expectedCheckDigit = computeCheckDigit(vin);
  return { ok: true, vin, checkDigitValid: vin[8] === expectedCheckDigit, expectedCheckDigit };
}

/**
 * Parties as a registration authority or customs sees them. Organisations carry an 18-character
 * unified social credit code (GB 32100: registration authority "9", type "1", six-digit division code,
 * nine-character organisation code, check character); individuals carry a pseudonymised id.
 */
import type { PartyType } from '@zmwatch/schemas';
import type { Jurisdiction } from './geography.js';
import type { Rng } from './rng.js';

const USCC_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** GB 32100-2015 check character of the first 17 characters of a unified social credit code. */
export function usccCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += USCC_CHARS.indexOf(first17[i]!) * USCC_WEIGHTS[i]!;
  return USCC_CHARS[(31 - (sum % 31)) % 31]!;
}

export function makeUscc(rng: Rng, division: string): string {
  const body = `91${division}${rng.chars('0123456789ABCDEFGHJKLMNPQRTUWXY', 9)}`;
  return body + usccCheckChar(body);
}

export interface SimParty {
  readonly id: string;
  readonly type: PartyType;
  readonly jurisdiction: string;
}

export function makeIndividual(rng: Rng, jurisdiction: Jurisdiction): SimParty {
  return {
    id: `P-${rng.chars('0123456789abcdef', 16)}`,
    type: 'INDIVIDUAL',
    jurisdiction: jurisdiction.code,
  };
}

export function makeOrganisation(rng: Rng, type: PartyType, jurisdiction: Jurisdiction): SimParty {
  return { id: makeUscc(rng, rng.pick(jurisdiction.divisions)), type, jurisdiction: jurisdiction.code };
}

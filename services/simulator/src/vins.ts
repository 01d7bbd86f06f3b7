/**
 * VIN minting. Structure follows ISO 3779 as Chinese makers use it (GB 16735): WMI (1-3), model line
 * descriptor (4-7), restraint/engine character (8), check digit (9), model year (10), plant (11),
 * serial (12-17). Serials come from one counter per prefix, so VINs are unique by construction.
 */
import { computeCheckDigit } from '@zmwatch/schemas';
import { modelYearCode, type Maker, type Model } from './catalog.js';
import type { Rng } from './rng.js';

const VIN_CHARS = 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789';

export class VinMint {
  private readonly serials = new Map<string, number>();

  constructor(private readonly rng: Rng) {}

  /** A new unique VIN. With `badCheckDigit`, position 9 is deliberately wrong (still structurally valid). */
  mint(
    maker: Maker,
    model: Model,
    modelYear: number,
    badCheckDigit = false,
  ): { vin: string; checkDigitValid: boolean } {
    const wmi = this.rng.pick(maker.wmis);
    const restraint = this.rng.pick(['1', '2', '3', '5', 'A']);
    const plant = this.rng.pick([...maker.plants]);
    const prefix = `${wmi}${model.vds}${restraint}`;
    const tail = `${modelYearCode(modelYear)}${plant}`;
    const key = prefix + tail;
    const serial = this.serials.get(key) ?? this.rng.int(10_000, 400_000);
    this.serials.set(key, serial + this.rng.int(1, 7));
    const draft = `${prefix}0${tail}${String(serial).padStart(6, '0')}`;
    const check = computeCheckDigit(draft);
    if (!badCheckDigit) return { vin: `${prefix}${check}${tail}${draft.slice(11)}`, checkDigitValid: true };
    let wrong = check;
    while (wrong === check) wrong = this.rng.pick([...'0123456789X']);
    return { vin: `${prefix}${wrong}${tail}${draft.slice(11)}`, checkDigitValid: false };
  }
}

/**
 * A structurally invalid VIN derived from a real one, the way feeds break them: a forbidden letter
 * (O for 0, I for 1), a dropped or doubled character, a stray separator, or an empty field.
 */
export function mangleVin(vin: string, rng: Rng): string {
  switch (rng.int(0, 5)) {
    case 0: {
      const i = rng.int(11, 16);
      return `${vin.slice(0, i)}O${vin.slice(i + 1)}`;
    }
    case 1: {
      const i = rng.int(3, 16);
      return `${vin.slice(0, i)}I${vin.slice(i + 1)}`;
    }
    case 2:
      return vin.slice(0, 16);
    case 3:
      return `${vin}${rng.pick([...VIN_CHARS])}`;
    case 4:
      return `${vin.slice(0, 8)}-${vin.slice(8, 16)}`;
    default:
      return rng.chance(0.5) ? '' : 'UNKNOWN';
  }
}

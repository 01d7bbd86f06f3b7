/**
 * Vehicle catalogue: Chinese makers with their real World Manufacturer Identifiers, a few models each,
 * powertrain and a list-price range in CNY (2024-2026 Chinese market list prices, rounded). Weights are
 * rough shares of domestic sales so the traffic mix looks like a Chinese registration feed: BYD is
 * mostly plug-in and battery-electric, Great Wall and Chery mostly petrol.
 */
import type { FuelType } from '@zmwatch/schemas';

export interface Model {
  readonly name: string;
  readonly fuel: FuelType;
  /** List price range, CNY. */
  readonly priceCny: readonly [number, number];
  /** First model year sold; older used cars only get models that existed then. */
  readonly since: number;
  /** Four VIN descriptor characters (positions 4-7) for this model line. */
  readonly vds: string;
  readonly weight: number;
}

export interface Maker {
  readonly make: string;
  /** WMIs (VIN positions 1-3) the maker's plants use. */
  readonly wmis: readonly string[];
  /** Plant codes (VIN position 11). */
  readonly plants: string;
  readonly weight: number;
  readonly models: readonly Model[];
}

const m = (
  name: string,
  fuel: FuelType,
  lo: number,
  hi: number,
  since: number,
  vds: string,
  weight = 1,
): Model => ({
  name,
  fuel,
  priceCny: [lo, hi],
  since,
  vds,
  weight,
});

export const MAKERS: readonly Maker[] = [
  {
    make: 'BYD',
    wmis: ['LGX', 'LC0'],
    plants: 'ACDFHJ',
    weight: 30,
    models: [
      m('Seagull', 'BEV', 69_800, 85_800, 2023, 'CB1E', 3),
      m('Dolphin', 'BEV', 99_800, 129_800, 2021, 'CE2A', 2),
      m('Yuan PLUS', 'BEV', 119_800, 147_800, 2022, 'CF4B', 2),
      m('Qin PLUS DM-i', 'PHEV', 79_800, 125_800, 2021, 'CC3F', 3),
      m('Song PLUS DM-i', 'PHEV', 129_800, 169_800, 2020, 'CD4G', 3),
      m('Seal', 'BEV', 179_800, 239_800, 2022, 'CA1H', 1),
      m('Han EV', 'BEV', 209_800, 269_800, 2020, 'CH2K', 1),
      m('Tang DM-i', 'PHEV', 219_800, 289_800, 2021, 'CT3L', 1),
      m('Qin EV', 'BEV', 109_800, 139_800, 2019, 'CR1E', 1),
    ],
  },
  {
    make: 'Geely',
    wmis: ['L6T', 'LB3'],
    plants: 'BCDNX',
    weight: 14,
    models: [
      m('Emgrand', 'ICE', 69_900, 99_900, 2018, '7E2A', 2),
      m('Coolray', 'ICE', 79_900, 109_900, 2019, '7C4B', 2),
      m('Monjaro', 'ICE', 139_700, 184_700, 2021, '7M5D', 1),
      m('Boyue L', 'ICE', 115_700, 147_700, 2022, '7B6C', 1),
      m('Galaxy L7', 'PHEV', 125_800, 153_800, 2023, '7G7P', 1),
      m('Galaxy E5', 'BEV', 109_800, 145_800, 2024, '7G5E', 1),
    ],
  },
  {
    make: 'Chery',
    wmis: ['LVV'],
    plants: 'ABDK',
    weight: 12,
    models: [
      m('Tiggo 4 Pro', 'ICE', 69_900, 99_900, 2020, 'DB4A', 2),
      m('Tiggo 7', 'ICE', 99_900, 139_900, 2018, 'DB7C', 2),
      m('Tiggo 8 Pro', 'ICE', 119_900, 169_900, 2020, 'DB8D', 2),
      m('Arrizo 8', 'ICE', 99_900, 139_900, 2022, 'DA8E', 1),
      m('Fulwin T9', 'PHEV', 149_900, 189_900, 2024, 'DF9P', 1),
    ],
  },
  {
    make: 'Changan',
    wmis: ['LS5'],
    plants: 'ABCH',
    weight: 10,
    models: [
      m('CS55 PLUS', 'ICE', 89_900, 129_900, 2019, 'A25E', 2),
      m('CS75 PLUS', 'ICE', 109_900, 159_900, 2019, 'A27F', 2),
      m('UNI-K', 'ICE', 129_900, 179_900, 2021, 'A3KB', 1),
      m('Eado Plus', 'ICE', 69_900, 99_900, 2020, 'A1EP', 1),
      m('Deepal S7', 'EREV', 149_900, 202_900, 2023, 'A7DS', 1),
    ],
  },
  {
    make: 'Great Wall',
    wmis: ['LGW'],
    plants: 'BCEF',
    weight: 8,
    models: [
      m('Haval H6', 'ICE', 98_900, 145_000, 2017, 'EF6C', 3),
      m('Haval Jolion', 'ICE', 86_900, 112_900, 2020, 'EJ4A', 2),
      m('Haval H6 HEV', 'HEV', 139_800, 159_800, 2021, 'EF6H', 1),
      m('Tank 300', 'ICE', 199_800, 259_800, 2021, 'ET3D', 1),
      m('Poer', 'ICE', 98_800, 172_800, 2019, 'EP2P', 1),
    ],
  },
  {
    make: 'SAIC',
    wmis: ['LSJ'],
    plants: 'ABNW',
    weight: 6,
    models: [
      m('MG ZS', 'ICE', 67_800, 87_800, 2017, 'W14M', 2),
      m('MG4 EV', 'BEV', 119_800, 149_800, 2022, 'W4EV', 1),
      m('Roewe RX5', 'ICE', 99_800, 139_800, 2017, 'W35R', 1),
      m('MG5', 'ICE', 67_900, 99_900, 2020, 'W15M', 1),
    ],
  },
  {
    make: 'Buick',
    wmis: ['LSG'],
    plants: 'ABSY',
    weight: 3,
    models: [
      m('Excelle GT', 'ICE', 99_900, 129_900, 2017, 'PA5B', 2),
      m('Envision Plus', 'ICE', 189_900, 229_900, 2021, 'PE8C', 1),
      m('GL8', 'ICE', 229_900, 329_900, 2017, 'PG8L', 1),
    ],
  },
  {
    make: 'Wuling',
    wmis: ['LZW'],
    plants: 'ACL',
    weight: 6,
    models: [
      m('Hongguang MINI EV', 'BEV', 32_800, 49_800, 2020, 'AD1M', 3),
      m('Bingo', 'BEV', 59_800, 79_800, 2023, 'AD3B', 2),
      m('Xingguang', 'PHEV', 99_800, 129_800, 2023, 'AD5X', 1),
    ],
  },
  {
    make: 'Dongfeng',
    wmis: ['LDC'],
    plants: 'BCW',
    weight: 4,
    models: [
      m('Aeolus Yixuan', 'ICE', 79_900, 109_900, 2019, '9A4Y', 2),
      m('Forthing T5 EVO', 'ICE', 99_900, 139_900, 2021, '9F5T', 1),
      m('Aeolus Haohan', 'PHEV', 139_900, 179_900, 2023, '9A6H', 1),
    ],
  },
  {
    make: 'FAW-Volkswagen',
    wmis: ['LFV'],
    plants: 'ACF',
    weight: 6,
    models: [
      m('Sagitar', 'ICE', 121_900, 165_900, 2017, '2A6J', 3),
      m('Magotan', 'ICE', 186_900, 253_900, 2017, '2B7M', 1),
      m('ID.4 CROZZ', 'BEV', 175_000, 250_000, 2021, '2E4Z', 1),
    ],
  },
  {
    make: 'Hongqi',
    wmis: ['LFP'],
    plants: 'ACH',
    weight: 2,
    models: [
      m('H5', 'ICE', 159_800, 199_800, 2018, '8H5A', 2),
      m('HS5', 'ICE', 183_800, 255_800, 2019, '8H5S', 1),
      m('E-QM5', 'BEV', 169_800, 199_800, 2021, '8E5M', 1),
    ],
  },
  {
    make: 'GAC Trumpchi',
    wmis: ['LMG'],
    plants: 'ABGH',
    weight: 4,
    models: [
      m('GS4', 'ICE', 99_800, 139_800, 2017, 'AA4S', 2),
      m('M8', 'HEV', 209_800, 329_800, 2018, 'AM8H', 1),
      m('Aion S', 'BEV', 129_800, 169_800, 2019, 'AE1S', 1),
      m('Aion Y', 'BEV', 119_800, 159_800, 2021, 'AE2Y', 1),
    ],
  },
];

/** ISO 3779 model-year code for position 10 (2010 = A … 2030 = Y; I, O, Q, U, Z and 0 are skipped). */
export function modelYearCode(year: number): string {
  const codes = 'ABCDEFGHJKLMNPRSTVWXY';
  const i = year - 2010;
  if (i < 0 || i >= codes.length) throw new RangeError(`model year ${year} outside 2010-2030`);
  return codes[i]!;
}

/** Models a maker sold in a model year. Falls back to the whole range for years before all `since`. */
export function modelsFor(maker: Maker, modelYear: number): readonly Model[] {
  const sold = maker.models.filter((x) => x.since <= modelYear);
  return sold.length > 0 ? sold : maker.models;
}

/** Makers a bulk exporter buys: the brands that sell abroad (popular SUVs, BYD, Chery, Geely, Changan). */
export const EXPORT_FAVOURITES: readonly string[] = [
  'BYD',
  'Chery',
  'Geely',
  'Changan',
  'Great Wall',
  'GAC Trumpchi',
];

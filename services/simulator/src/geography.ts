/**
 * Where vehicles are registered and where exports go. Domestic weights follow provincial new-car
 * registrations roughly; export hubs are the jurisdictions the zero-mileage trade clusters in
 * (Guangdong ports, Chengdu/Chongqing rail hubs, Xinjiang land border to Central Asia, the eastern ports).
 */

export interface Jurisdiction {
  /** ISO 3166-2 code. */
  readonly code: string;
  /** Plate prefix character (province abbreviation) and a city letter range. */
  readonly plate: string;
  readonly cityLetters: string;
  /** Six-digit administrative division codes used inside unified social credit codes. */
  readonly divisions: readonly string[];
  /** Relative share of domestic registrations. */
  readonly weight: number;
  /** Relative share of zero-mileage trade registrations (0 = not a hub). */
  readonly hubWeight: number;
}

export const JURISDICTIONS: readonly Jurisdiction[] = [
  {
    code: 'CN-GD',
    plate: '粤',
    cityLetters: 'ABESX',
    divisions: ['440100', '440300', '440600'],
    weight: 12,
    hubWeight: 22,
  },
  {
    code: 'CN-ZJ',
    plate: '浙',
    cityLetters: 'ABCG',
    divisions: ['330100', '330200'],
    weight: 8,
    hubWeight: 10,
  },
  {
    code: 'CN-JS',
    plate: '苏',
    cityLetters: 'ABEF',
    divisions: ['320100', '320500'],
    weight: 8,
    hubWeight: 2,
  },
  {
    code: 'CN-SD',
    plate: '鲁',
    cityLetters: 'ABU',
    divisions: ['370100', '370200'],
    weight: 7,
    hubWeight: 4,
  },
  { code: 'CN-HA', plate: '豫', cityLetters: 'ABC', divisions: ['410100'], weight: 6, hubWeight: 1 },
  {
    code: 'CN-SC',
    plate: '川',
    cityLetters: 'ABG',
    divisions: ['510100', '510700'],
    weight: 6,
    hubWeight: 16,
  },
  { code: 'CN-HE', plate: '冀', cityLetters: 'ABF', divisions: ['130100'], weight: 5, hubWeight: 1 },
  { code: 'CN-HB', plate: '鄂', cityLetters: 'ABE', divisions: ['420100'], weight: 4, hubWeight: 1 },
  { code: 'CN-HN', plate: '湘', cityLetters: 'ABC', divisions: ['430100'], weight: 4, hubWeight: 1 },
  { code: 'CN-AH', plate: '皖', cityLetters: 'ABP', divisions: ['340100'], weight: 4, hubWeight: 2 },
  {
    code: 'CN-SH',
    plate: '沪',
    cityLetters: 'ABDF',
    divisions: ['310115', '310112'],
    weight: 4,
    hubWeight: 8,
  },
  {
    code: 'CN-BJ',
    plate: '京',
    cityLetters: 'ACEN',
    divisions: ['110105', '110108'],
    weight: 4,
    hubWeight: 1,
  },
  {
    code: 'CN-FJ',
    plate: '闽',
    cityLetters: 'ADC',
    divisions: ['350100', '350200'],
    weight: 3,
    hubWeight: 2,
  },
  { code: 'CN-SN', plate: '陕', cityLetters: 'AU', divisions: ['610100'], weight: 3, hubWeight: 2 },
  {
    code: 'CN-CQ',
    plate: '渝',
    cityLetters: 'ABD',
    divisions: ['500112', '500106'],
    weight: 3,
    hubWeight: 12,
  },
  { code: 'CN-TJ', plate: '津', cityLetters: 'ACHL', divisions: ['120116'], weight: 2, hubWeight: 5 },
  {
    code: 'CN-LN',
    plate: '辽',
    cityLetters: 'ABL',
    divisions: ['210100', '210200'],
    weight: 3,
    hubWeight: 2,
  },
  {
    code: 'CN-HL',
    plate: '黑',
    cityLetters: 'ACK',
    divisions: ['230100', '231081'],
    weight: 2,
    hubWeight: 3,
  },
  {
    code: 'CN-NM',
    plate: '蒙',
    cityLetters: 'AEK',
    divisions: ['150100', '150781'],
    weight: 2,
    hubWeight: 2,
  },
  {
    code: 'CN-XJ',
    plate: '新',
    cityLetters: 'AFH',
    divisions: ['650100', '654004'],
    weight: 2,
    hubWeight: 8,
  },
  { code: 'CN-GX', plate: '桂', cityLetters: 'AB', divisions: ['450100'], weight: 3, hubWeight: 1 },
  { code: 'CN-YN', plate: '云', cityLetters: 'AB', divisions: ['530100'], weight: 3, hubWeight: 1 },
];

/** Destinations of the zero-mileage trade (and of most genuine used exports). */
export const ZM_DESTINATIONS: readonly (readonly [string, number])[] = [
  ['RU', 30],
  ['KZ', 18],
  ['KG', 10],
  ['UZ', 8],
  ['AE', 12],
  ['JO', 6],
  ['GE', 5],
  ['AZ', 3],
  ['TJ', 3],
  ['MN', 3],
  ['SA', 2],
];

/** Destinations of new-vehicle exports by manufacturers and licensed exporters. */
export const NEW_EXPORT_DESTINATIONS: readonly (readonly [string, number])[] = [
  ['RU', 20],
  ['MX', 10],
  ['AE', 8],
  ['SA', 8],
  ['BR', 6],
  ['AU', 6],
  ['BE', 6],
  ['GB', 5],
  ['TH', 5],
  ['KZ', 5],
  ['IL', 3],
  ['CL', 4],
  ['PH', 3],
  ['TR', 3],
];

/** Exit ports per destination: UN/LOCODEs for sea ports, names for land border crossings. */
const PORTS: Readonly<Record<string, readonly string[]>> = {
  RU: ['Manzhouli', 'Suifenhe', 'CNTXG', 'CNDLC', 'Erenhot'],
  KZ: ['Khorgos', 'Alashankou'],
  KG: ['Irkeshtam', 'Torugart'],
  UZ: ['Khorgos', 'Irkeshtam'],
  TJ: ['Karasu', 'Irkeshtam'],
  MN: ['Erenhot'],
  GE: ['CNLYG', 'Khorgos'],
  AZ: ['CNLYG', 'Khorgos'],
};
const SEA_PORTS: readonly string[] = ['CNSHA', 'CNNSA', 'CNTXG', 'CNNGB', 'CNTAO', 'CNSZX', 'CNLYG'];

export function portsFor(destination: string): readonly string[] {
  return PORTS[destination] ?? SEA_PORTS;
}

export const USD_PER_CNY = 1 / 7.15;

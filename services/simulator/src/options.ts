/**
 * Scenario options, validated once. Everything that shapes the data set is here so that
 * (options, seed) fully determines the output.
 */
import { z } from 'zod';
import { DAY_MS } from '@zmwatch/schemas';
import { DEFAULT_MIX, LABELS, type Label } from './labels.js';

/** Rates of real-feed imperfections. All are probabilities in [0, 1]. */
export interface NoiseRates {
  /** Per event: delivered 1-72 h after it was recorded. */
  late: number;
  /**
   * Per exported vehicle whose export follows registration within 45 days: the registration-topic
   * events arrive after the first customs declaration (customs before registration), by up to
   * `outOfOrderMaxDelayMs`.
   */
  outOfOrder: number;
  /** Upper bound of the extra delay of out-of-order registrations after the declaration arrived. */
  outOfOrderMaxDelayMs: number;
  /** Per event: delivered a second time (same eventId, same bytes), up to 6 h later. */
  duplicates: number;
  /** Per declaration: an AMENDED event follows (value or port changed, verdict unchanged). */
  amendments: number;
  /** Per exported vehicle: a first declaration is CANCELLED and a new one filed days later. */
  cancellations: number;
  /** Per event: an extra undecodable record (bad bytes) on the same topic. */
  malformed: number;
  /** Per event: an extra copy whose VIN is structurally invalid (wrong length, I/O/Q, separators). */
  invalidVins: number;
  /** Per vehicle: position 9 does not match the check digit (a valid VIN, flagged vinCheckDigitValid=false). */
  checkDigitMismatch: number;
}

export const DEFAULT_NOISE: Readonly<NoiseRates> = {
  late: 0.02,
  outOfOrder: 0.05,
  outOfOrderMaxDelayMs: 3 * DAY_MS,
  duplicates: 0.01,
  amendments: 0.03,
  cancellations: 0.01,
  malformed: 0.002,
  invalidVins: 0.002,
  checkDigitMismatch: 0.003,
};

export const NO_NOISE: Readonly<NoiseRates> = {
  late: 0,
  outOfOrder: 0,
  outOfOrderMaxDelayMs: 0,
  duplicates: 0,
  amendments: 0,
  cancellations: 0,
  malformed: 0,
  invalidVins: 0,
  checkDigitMismatch: 0,
};

export interface ScenarioOptions {
  /** Any integer or string; the same seed and options give the same events, byte for byte. */
  seed: number | string;
  /** Number of vehicles (stories). Events ≈ 1.5 × vehicles with default mix and noise. */
  vehicles: number;
  /** Simulated clock start (event time), UTC ms. Default 2026-01-05T00:00:00Z. */
  startTime?: number;
  /**
   * Days over which stories start; default clamp(vehicles / 700, 2, 120): ~1,000 events per simulated
   * day for small runs, so a demo at a few hundred events/s reaches the first exports (2+ simulated days
   * after registration) within seconds. Stories may run past it.
   */
  durationDays?: number;
  /** Shares per label (normalised); labels left out get 0 when a mix is given. */
  mix?: Partial<Record<Label, number>>;
  /** 'default', 'none', a multiplier of the default rates, or explicit rates (missing ones default). */
  noise?: 'default' | 'none' | number | Partial<NoiseRates>;
}

export interface ResolvedOptions {
  seed: string;
  vehicles: number;
  startTime: number;
  durationDays: number;
  mix: Readonly<Record<Label, number>>;
  noise: Readonly<NoiseRates>;
}

const probability = z.number().min(0).max(1);
const noiseSchema = z
  .object({
    late: probability,
    outOfOrder: probability,
    outOfOrderMaxDelayMs: z
      .number()
      .int()
      .min(0)
      .max(60 * DAY_MS),
    duplicates: probability,
    amendments: probability,
    cancellations: probability,
    malformed: probability,
    invalidVins: probability,
    checkDigitMismatch: probability,
  })
  .strict();

const optionsSchema = z.object({
  seed: z.union([z.number().int(), z.string().min(1)]),
  vehicles: z.number().int().min(1).max(50_000_000),
  startTime: z
    .number()
    .int()
    .min(Date.UTC(2012, 0, 1))
    .max(Date.UTC(2029, 0, 1))
    .optional(),
  durationDays: z.number().positive().max(3650).optional(),
  mix: z.partialRecord(z.enum(LABELS), z.number().min(0)).optional(),
  noise: z
    .union([z.literal('default'), z.literal('none'), z.number().min(0).max(20), noiseSchema.partial()])
    .optional(),
});

export function resolveOptions(input: ScenarioOptions): ResolvedOptions {
  const parsed = optionsSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new RangeError(`invalid scenario options: ${problems.join('; ')}`);
  }
  const o = parsed.data;
  const mix = normaliseMix(o.mix);
  return {
    seed: String(o.seed),
    vehicles: o.vehicles,
    startTime: o.startTime ?? Date.UTC(2026, 0, 5),
    durationDays: o.durationDays ?? Math.min(120, Math.max(2, Math.round(o.vehicles / 700))),
    mix,
    noise: resolveNoise(o.noise),
  };
}

function normaliseMix(mix: Partial<Record<Label, number>> | undefined): Record<Label, number> {
  const raw: Record<Label, number> = { ...DEFAULT_MIX };
  if (mix) for (const label of LABELS) raw[label] = mix[label] ?? 0;
  const total = LABELS.reduce((s, l) => s + raw[l], 0);
  if (!(total > 0))
    throw new RangeError('invalid scenario options: mix: at least one label needs a positive share');
  for (const label of LABELS) raw[label] /= total;
  return raw;
}

function resolveNoise(
  noise: ScenarioOptions['noise'] | { [K in keyof NoiseRates]?: number | undefined },
): NoiseRates {
  if (noise === undefined || noise === 'default') return { ...DEFAULT_NOISE };
  if (noise === 'none') return { ...NO_NOISE };
  if (typeof noise === 'number') {
    const scaled = { ...DEFAULT_NOISE };
    for (const k of Object.keys(scaled) as (keyof NoiseRates)[]) {
      if (k !== 'outOfOrderMaxDelayMs') scaled[k] = Math.min(1, DEFAULT_NOISE[k] * noise);
    }
    return scaled;
  }
  const rates: NoiseRates = { ...DEFAULT_NOISE };
  for (const k of Object.keys(rates) as (keyof NoiseRates)[]) {
    const v = noise[k];
    if (v !== undefined) rates[k] = v;
  }
  return rates;
}

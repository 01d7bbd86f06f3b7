import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { PARTY_TYPE_SYMBOLS, SEVERITY_SYMBOLS, TYPOLOGIES, type Typology } from '@zmwatch/schemas';

/** The ruleset shipped with the detector; ZM_DETECTOR_RULESET points elsewhere. */
export const DEFAULT_RULESET_FILE = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'rulesets',
  'ruleset-v1.yaml',
);

const weight = z.number().finite().min(0);
const days = z.number().positive();
const country = z.string().regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2, upper case');

/**
 * A destination rule supports the COMPLIANCE_BREACH typology (src/rules/table.ts): breaking a
 * country's import rule is a compliance finding on its own, and never adds to a zero-mileage score.
 */
const destinationRule = z.discriminatedUnion('kind', [
  z
    .object({
      country,
      kind: z.literal('ban'),
      withinDays: days,
      weight,
      aggravatingOnly: z.boolean().optional(),
    })
    .strict(),
  z
    .object({
      country,
      kind: z.literal('waiting-period'),
      waitingDays: days,
      weight,
      aggravatingOnly: z.boolean().optional(),
    })
    .strict(),
]);

const severityBands = z
  .object(
    Object.fromEntries(SEVERITY_SYMBOLS.map((s) => [s, z.number().min(0)])) as Record<
      (typeof SEVERITY_SYMBOLS)[number],
      z.ZodNumber
    >,
  )
  .strict()
  .refine((b) => SEVERITY_SYMBOLS.every((s, i) => i === 0 || b[s] > b[SEVERITY_SYMBOLS[i - 1]!]), {
    message: 'severity bands must increase LOW < MEDIUM < HIGH < CRITICAL',
  });

/**
 * One typology's judgement: its score (the weights of its fired rules) reaches `threshold` or not;
 * severity = the highest band its score reaches.
 */
const typologyScoring = z
  .object({ threshold: z.number().positive(), severityBands })
  .strict()
  .refine((t) => t.threshold >= t.severityBands.LOW, {
    message: 'threshold must be at least the LOW band',
    path: ['threshold'],
  });

const typologies = z
  .object(
    Object.fromEntries(TYPOLOGIES.map((t) => [t, typologyScoring])) as Record<
      Typology,
      typeof typologyScoring
    >,
  )
  .strict();

/** Values a field can hold in the contract but not on a real vehicle: data-quality findings, not signals. */
const dataQuality = z
  .object({ maxPlausibleOdometerKm: z.number().positive().default(1_000_000) })
  .strict()
  .default({ maxPlausibleOdometerKm: 1_000_000 });

/**
 * For rules about who registered a vehicle (a trader, a registrant of many): they point at a
 * zero-mileage export only when the vehicle was hardly driven. Set, the rule fires only when the
 * declared odometer is unknown or at most this many km per day since first registration (a rental
 * fleet or a dealer's demonstrator sold abroad with real mileage does not fire it).
 */
const maxKmPerDay = z.number().positive().optional();

const entityThreshold = z.object({ windowDays: days, threshold: z.number().int().min(2), weight }).strict();

/**
 * Signals over what many vehicles share (src/entity-windows.ts). They apply only to a declaration that
 * is itself a young, little-used vehicle declared used (`youngLowUse`), so a genuine used car never
 * takes weight from the company it keeps.
 */
const entitySignals = z
  .object({
    youngLowUse: z
      .object({
        maxAgeDays: days,
        maxKmPerDay: z.number().positive(),
        unknownOdometerCounts: z.boolean(),
      })
      .strict(),
    /** Bounded windows: at most this many VINs per entity (the oldest drop first). */
    maxEntries: z.number().int().min(8).max(4096),
    exporter: entityThreshold,
    transferee: entityThreshold.extend({ nearNewDays: days }).strict(),
    registrant: entityThreshold,
    cohort: z
      .object({
        spreadDays: z.number().int().min(0).max(7),
        threshold: z.number().int().min(2),
        weight,
        registrantTypes: z.array(z.enum(PARTY_TYPE_SYMBOLS)).min(1),
      })
      .strict(),
  })
  .strict();

/**
 * The 2026.3.0 format's one combined scale (`scoring` instead of `typologies`): every rule adds to one
 * score, an alert at `minAlertScore`. Kept readable so an older ruleset, or a peer mirroring one (the
 * Kafka Streams peer of ../shared/peer), is judged exactly as it was: see `CombinedScoring`.
 */
const combinedScoring = z.object({ minAlertScore: z.number().positive(), severityBands }).strict();

const rulesetFields = {
  version: z.string().regex(/^[0-9A-Za-z][0-9A-Za-z._-]{0,31}$/, 'short version string, e.g. 2026.1.0'),
  timing: z.object({ gracePeriodSeconds: z.number().int().min(0), stateTtlDays: days }).strict(),
  dataQuality,
  rules: z
    .object({
      rapidExport: z
        .object({ tiers: z.array(z.object({ maxDays: days, weight }).strict()).min(1) })
        .strict()
        .refine(
          (r) => r.tiers.every((t, i) => i === 0 || t.maxDays > r.tiers[i - 1]!.maxDays),
          'tiers must have increasing maxDays',
        ),
      nearZeroOdometer: z.object({ maxKm: z.number().min(0), weight }).strict(),
      usedButNewToTrade: z
        .object({ registrantTypes: z.array(z.enum(PARTY_TYPE_SYMBOLS)).min(1), weight, maxKmPerDay })
        .strict(),
      exportPreparation: z.object({ withinDays: days, weight }).strict(),
      deregistrationNearDeclaration: z.object({ withinDays: days, weight }).strict(),
      registrantVelocity: z
        .object({
          windowDays: z.number().int().positive(),
          threshold: z.number().int().min(2),
          weight,
          maxKmPerDay,
        })
        .strict(),
      afterSalesConfirmation: z
        .object({
          withinDays: days,
          effectiveFrom: z.iso.datetime({ offset: true }),
          jurisdictionPrefixes: z.array(z.string().min(1)),
          weight,
        })
        .strict(),
      destinations: z
        .array(destinationRule)
        .refine(
          (d) => new Set(d.map((x) => x.country)).size === d.length,
          'one rule per destination country',
        ),
      vinCheckDigitMismatch: z.object({ weight }).strict(),
    })
    .strict(),
  entitySignals: entitySignals.optional(),
};

/** A ruleset document with typologies judged apart (2026.4.0 on). */
const typologiesRuleset = z
  .object({ ...rulesetFields, typologies })
  .strict()
  .refine((r) => r.rules.destinations.every((d) => d.aggravatingOnly === undefined), {
    message: 'aggravatingOnly belongs to the combined scoring of 2026.3.0 (`scoring`), not to typologies',
    path: ['rules', 'destinations'],
  })
  .transform((r): Ruleset => r);

/**
 * A ruleset document in the combined format of 2026.3.0, normalised to the same shape (`combined`
 * set, every typology on the combined threshold and bands).
 */
const combinedRuleset = z
  .object({ ...rulesetFields, scoring: combinedScoring })
  .strict()
  .transform(({ scoring, ...r }): Ruleset => {
    const each = { threshold: scoring.minAlertScore, severityBands: scoring.severityBands };
    return {
      ...r,
      typologies: Object.fromEntries(TYPOLOGIES.map((t) => [t, each])) as Ruleset['typologies'],
      combined: scoring,
    };
  });

/**
 * How 2026.3.0 judged a declaration, when a ruleset is in its format: one score, the sum of every
 * fired rule; destination rules aggravating only unless `aggravatingOnly: false` (they fire only when
 * the rules before them reach `minAlertScore`); the check digit fires when any rule fired.
 */
export type CombinedScoring = z.infer<typeof combinedScoring>;

export interface Ruleset extends z.infer<z.ZodObject<typeof rulesetFields>> {
  typologies: z.infer<typeof typologies>;
  /** Set when the ruleset is in the combined format of 2026.3.0. */
  combined?: CombinedScoring;
}
export type DestinationRule = z.infer<typeof destinationRule>;
export type EntitySignalsConfig = z.infer<typeof entitySignals>;
export type TypologyScoring = z.infer<typeof typologyScoring>;

export class RulesetError extends Error {
  override readonly name = 'RulesetError';
}

/** Validate a parsed ruleset document; the error names every bad field. */
export function parseRuleset(doc: unknown, source = 'ruleset'): Ruleset {
  const combined = typeof doc === 'object' && doc !== null && 'scoring' in doc && !('typologies' in doc);
  const result = (combined ? combinedRuleset : typologiesRuleset).safeParse(doc);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new RulesetError(`${source} is invalid:\n${problems.join('\n')}`);
}

/** Read and validate a ruleset file (YAML or JSON, YAML being a superset). */
export function loadRuleset(file: string = DEFAULT_RULESET_FILE): Ruleset {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new RulesetError(
      `cannot read ruleset ${file}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return parseRuleset(doc, file);
}

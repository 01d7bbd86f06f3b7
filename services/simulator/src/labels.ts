/**
 * Ground-truth labels. Every simulated vehicle follows exactly one story; `zm-*` stories are the
 * zero-mileage scheme and its harder variants, everything else is legitimate traffic the detector must
 * leave alone (including deliberately hard negatives such as `legit-early-resale`).
 */
export const LABELS = [
  'legit-domestic',
  'dealer-demo',
  'fleet',
  'legit-used-export',
  'legit-new-export',
  'legit-early-resale',
  'legit-abroad-after-months',
  'legit-fleet-export',
  'legit-demo-export',
  'legit-diplomat',
  'zm-plain',
  'zm-long-wait',
  'zm-faked-odometer',
  'zm-straw-buyer',
  'zm-straw-ring',
  'zm-threshold-wait',
  'zm-split-exporters',
  'zm-padded-odometer',
] as const;

export type Label = (typeof LABELS)[number];

export const ZERO_MILEAGE_LABELS: readonly Label[] = LABELS.filter((l) => l.startsWith('zm-'));

/**
 * Scheme variants that adapted to the single-vehicle rules (see adaptive-stories.ts): each vehicle on
 * its own stays below the alert threshold; what its vehicles share gives it away.
 */
export const ADAPTIVE_LABELS: readonly Label[] = [
  'zm-straw-ring',
  'zm-threshold-wait',
  'zm-split-exporters',
  'zm-padded-odometer',
];

/** Legitimate traffic built to resemble the adaptive schemes (hard negatives). */
export const LOOK_ALIKE_LABELS: readonly Label[] = [
  'legit-early-resale',
  'legit-abroad-after-months',
  'legit-fleet-export',
  'legit-demo-export',
  'legit-diplomat',
];

export function isZeroMileageLabel(label: Label): boolean {
  return label.startsWith('zm-');
}

export const LABEL_DESCRIPTIONS: Readonly<Record<Label, string>> = {
  'legit-domestic': 'new car registered to an individual, never exported (a few resold domestically)',
  'dealer-demo': 'dealer registers a demo car, sells it to an individual months later with real mileage',
  fleet: 'ride-hailing / rental company registers a batch of identical cars (legitimate velocity)',
  'legit-used-export':
    'car registered 1-8 years before the feed, sold to an exporter with 20k-200k km, exported used',
  'legit-new-export': 'maker or licensed exporter ships a never-registered car declared NEW',
  'legit-early-resale':
    'individual sells a 3-6 month old car with plausible mileage to an exporter (hard negative)',
  'legit-abroad-after-months':
    'individual sells a 6-11 month old car with the mileage of a car in use to an exporter (hard negative)',
  'legit-fleet-export':
    'rental / ride-hailing fleet de-fleets a registration batch abroad through one exporter after 7-13 months, high mileage (hard negative)',
  'legit-demo-export':
    "dealer's demonstrator, 2,500-9,000 km of test drives over 7-12 months, sold to an exporter (hard negative)",
  'legit-diplomat':
    "a diplomatic mission's car exported by the mission when the posting ends, 7-30 months (hard negative)",
  'zm-plain':
    'trading company/dealer registers in a batch, exports within 30 days, odometer < 100 km, declared USED',
  'zm-long-wait': 'the scheme waiting 60-170 days before export to dodge short windows',
  'zm-faked-odometer': 'the scheme exporting within days but declaring 3,000-15,000 km',
  'zm-straw-buyer':
    'registered to an individual straw buyer, transferred to an exporter, exported within ~45 days',
  'zm-straw-ring':
    'adaptive: 6-30 individuals register one new car each within 2 days in one hub city; ~2 months later each passes to the same exporter (no pending-export flag); declared used after 92-115 days with 120-700 km and an after-sales reference',
  'zm-threshold-wait':
    'adaptive: a trader registers batches of 4-15 (below velocity) and exports each 1-8 days past a threshold (30, 90, 180 or 365 days) with 55-400 km and an after-sales reference',
  'zm-split-exporters':
    'adaptive: a straw-buyer ring whose cars are spread across many small exporters (a few cars each)',
  'zm-padded-odometer':
    'adaptive: the batch scheme exporting within 15-80 days, odometer padded to 60-900 km, mostly with after-sales references',
};

/**
 * Default shares of vehicles per label. Roughly: the registration feed is dominated by ordinary
 * domestic sales; exports are ~9% of vehicles and the scheme ~5%, over-represented against reality
 * so that per-variant recall is measured on thousands of cases, not dozens.
 */
export const DEFAULT_MIX: Readonly<Record<Label, number>> = {
  'legit-domestic': 0.758,
  'dealer-demo': 0.035,
  fleet: 0.045,
  'legit-used-export': 0.04,
  'legit-new-export': 0.04,
  'legit-early-resale': 0.0015,
  'legit-abroad-after-months': 0.004,
  'legit-fleet-export': 0.005,
  'legit-demo-export': 0.003,
  'legit-diplomat': 0.001,
  'zm-plain': 0.03,
  'zm-long-wait': 0.0065,
  'zm-faked-odometer': 0.0065,
  'zm-straw-buyer': 0.0065,
  'zm-straw-ring': 0.005,
  'zm-threshold-wait': 0.005,
  'zm-split-exporters': 0.004,
  'zm-padded-odometer': 0.004,
};

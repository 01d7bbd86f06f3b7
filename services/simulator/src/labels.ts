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
  'zm-plain',
  'zm-long-wait',
  'zm-faked-odometer',
  'zm-straw-buyer',
] as const;

export type Label = (typeof LABELS)[number];

export const ZERO_MILEAGE_LABELS: readonly Label[] = [
  'zm-plain',
  'zm-long-wait',
  'zm-faked-odometer',
  'zm-straw-buyer',
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
  'zm-plain':
    'trading company/dealer registers in a batch, exports within 30 days, odometer < 100 km, declared USED',
  'zm-long-wait': 'the scheme waiting 60-170 days before export to dodge short windows',
  'zm-faked-odometer': 'the scheme exporting within days but declaring 3,000-15,000 km',
  'zm-straw-buyer':
    'registered to an individual straw buyer, transferred to an exporter, exported within ~45 days',
};

/**
 * Default shares of vehicles per label. Roughly: the registration feed is dominated by ordinary
 * domestic sales; exports are ~9% of vehicles and the scheme ~5%, over-represented against reality
 * so that per-variant recall is measured on thousands of cases, not dozens.
 */
export const DEFAULT_MIX: Readonly<Record<Label, number>> = {
  'legit-domestic': 0.789,
  'dealer-demo': 0.035,
  fleet: 0.045,
  'legit-used-export': 0.04,
  'legit-new-export': 0.04,
  'legit-early-resale': 0.0015,
  'zm-plain': 0.03,
  'zm-long-wait': 0.0065,
  'zm-faked-odometer': 0.0065,
  'zm-straw-buyer': 0.0065,
};

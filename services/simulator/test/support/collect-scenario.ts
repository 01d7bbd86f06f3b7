import { generateScenario, type ScenarioOptions, type SimEvent, type VehicleTruth } from '../../src/index.js';

/** Runs a scenario once and keeps everything (small scenarios only). */
export function collect(options: ScenarioOptions): { events: SimEvent[]; vehicles: VehicleTruth[] } {
  const events: SimEvent[] = [];
  const vehicles: VehicleTruth[] = [];
  for (const item of generateScenario(options).items()) {
    if (item.kind === 'event') events.push(item.event);
    else if (item.kind === 'vehicle') vehicles.push(item.truth);
  }
  return { events, vehicles };
}

/** Tolerance for an observed share: 4 standard deviations of a binomial proportion, plus a floor. */
export function tolerance(p: number, n: number, floor = 0.002): number {
  return 4 * Math.sqrt((p * (1 - p)) / n) + floor;
}

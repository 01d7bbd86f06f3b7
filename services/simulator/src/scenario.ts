/**
 * The scenario generator. Vehicles are planned one by one in order of their first event (anchors form
 * a Poisson process over `durationDays`); each vehicle's delivered events go into a heap keyed by
 * arrival time and are released once no later vehicle can deliver anything earlier. Memory stays
 * bounded by the events still in flight, so millions of events stream without being held at once.
 */
import { DAY_MS } from '@zmwatch/schemas';
import { deliver, type TimedEvent } from './delivery.js';
import { TimeHeap } from './heap.js';
import { LABELS, type Label } from './labels.js';
import { resolveOptions, type ResolvedOptions, type ScenarioOptions } from './options.js';
import { Rng } from './rng.js';
import { planStory } from './plan-story.js';
import { IGNORABLE_NOISE, type NoiseTruth, type SimEvent, type VehicleTruth } from './types.js';
import { World } from './world.js';

export type ScenarioItem =
  | { readonly kind: 'vehicle'; readonly truth: VehicleTruth }
  | { readonly kind: 'event'; readonly event: SimEvent }
  | { readonly kind: 'noise'; readonly noise: NoiseTruth };

export interface Scenario {
  readonly options: ResolvedOptions;
  /** Events in arrival order. Each call regenerates the same sequence from the seed. */
  events(): Generator<SimEvent>;
  /** Ground truth, one entry per vehicle, in vehicle order. */
  vehicles(): Generator<VehicleTruth>;
  /**
   * One pass yielding everything: a vehicle's truth before any of its events, events in arrival order,
   * and a noise entry right after each ignorable noise record (duplicate, malformed, invalid VIN).
   */
  items(): Generator<ScenarioItem>;
}

export function generateScenario(input: ScenarioOptions): Scenario {
  const options = resolveOptions(input);
  return {
    options,
    *events() {
      for (const item of run(options, true)) if (item.kind === 'event') yield item.event;
    },
    *vehicles() {
      for (const item of run(options, false)) if (item.kind === 'vehicle') yield item.truth;
    },
    items: () => run(options, true),
  };
}

function* run(o: ResolvedOptions, withEvents: boolean): Generator<ScenarioItem> {
  const world = new World(o.seed);
  const clock = new Rng(o.seed, 'clock');
  const mix = LABELS.map((l) => [l, o.mix[l]] as const).filter(([, w]) => w > 0);
  const meanGap = (o.durationDays * DAY_MS) / o.vehicles;
  const heap = new TimeHeap<TimedEvent>();
  let seq = 0;
  let anchor = o.startTime;

  function* release(before: number): Generator<ScenarioItem> {
    while (heap.size > 0 && heap.peekTime()! < before) {
      const e = heap.pop()!;
      const event = toSimEvent(e, seq++, o.startTime);
      yield { kind: 'event', event };
      if (e.noise && IGNORABLE_NOISE.includes(e.noise)) {
        yield {
          kind: 'noise',
          noise: {
            seq: event.seq,
            topic: e.topic,
            noise: e.noise,
            vehicle: e.vehicle,
            eventId: e.value?.eventId ?? null,
            vin: e.value?.vin ?? null,
          },
        };
      }
    }
  }

  for (let vehicle = 0; vehicle < o.vehicles; vehicle++) {
    anchor += Math.max(1, Math.round(clock.exponential(meanGap)));
    if (withEvents) yield* release(anchor);
    const rng = new Rng(o.seed, 'vehicle', vehicle);
    const noiseRng = new Rng(o.seed, 'noise', vehicle);
    const label: Label = rng.weighted(mix);
    const story = planStory(label, {
      rng,
      world,
      anchor,
      badCheckDigit: noiseRng.chance(o.noise.checkDigitMismatch),
      cancelFirstDeclaration: noiseRng.chance(o.noise.cancellations),
    });
    const { events, truth } = deliver(vehicle, story.events, story.truth, noiseRng, o.noise, o.startTime);
    yield { kind: 'vehicle', truth };
    if (withEvents) for (const e of events) heap.push(e.arrival, e);
  }
  if (withEvents) yield* release(Number.POSITIVE_INFINITY);
}

function toSimEvent(e: TimedEvent, seq: number, startTime: number): SimEvent {
  return {
    seq,
    topic: e.topic,
    key: e.key,
    value: e.value,
    ...(e.value === null ? { bytes: e.bytes ?? Buffer.alloc(0) } : {}),
    eventTime: e.eventTime,
    arrivalOffsetMs: e.arrival - startTime,
    noise: e.noise,
    vehicle: e.vehicle,
  } as SimEvent;
}

/**
 * Schemes that adapted to the single-vehicle rules, and the legitimate traffic that looks like them.
 * Adaptive schemes keep every vehicle under the per-VIN thresholds (individual registrants, waits just
 * past a tier, padded odometers, after-sales references, no pending-export flag, volume split across
 * small exporters); only what the vehicles share (one city and day, one transferee, one registrant)
 * gives them away. The look-alikes share some of that — young cars exported used, organisations
 * selling batches abroad, low mileage — but not all of it: they are the hard negatives.
 */
import { DAY_MS, HOUR_MS } from '@zmwatch/schemas';
import type { Jurisdiction } from './geography.js';
import type { Label } from './labels.js';
import { makeIndividual, makeOrganisation, type SimParty } from './parties.js';
import {
  batchCar,
  car,
  newModelYear,
  registered,
  registeredCar,
  Story,
  usedExport,
  type StoryContext,
  type StoryResult,
} from './stories.js';
import type { Batch } from './world.js';

export type AdaptiveLabel =
  | 'zm-straw-ring'
  | 'zm-threshold-wait'
  | 'zm-split-exporters'
  | 'zm-padded-odometer'
  | 'legit-abroad-after-months'
  | 'legit-fleet-export'
  | 'legit-demo-export'
  | 'legit-diplomat';

interface SaleAbroad {
  readonly owner: SimParty;
  readonly j: Jurisdiction;
  /** Party the car is transferred to before export; null = the owner declares it himself. */
  readonly buyer: SimParty | null;
  readonly declarant: SimParty;
  readonly transferDays: number;
  readonly exportDays: number;
  /** Odometer at export. */
  readonly km: number;
  readonly pendingExport: number;
  readonly afterSales: number;
  readonly deregistration: number;
  readonly valueFactor: [number, number];
}

/** Registration → optional transfer → used export declaration: the shared path of every story here. */
function sellAbroad(ctx: StoryContext, s: Story, label: Label, sale: SaleAbroad, batchId: string | null) {
  const { rng } = ctx;
  const t0 = ctx.anchor;
  const at = t0 + sale.exportDays * DAY_MS;
  let earliest = t0 + DAY_MS;
  if (sale.buyer) {
    const transferAt = t0 + sale.transferDays * DAY_MS;
    s.transfer(sale.buyer, sale.j, transferAt, {
      odometerKm: rng.chance(0.3) ? null : Math.round(sale.km * (sale.transferDays / sale.exportDays)),
      priceCny: s.spec.listPriceCny * rng.float(...sale.valueFactor),
      pendingExport: rng.chance(sale.pendingExport),
    });
    earliest = transferAt;
  }
  if (rng.chance(sale.deregistration)) {
    const deregisterAt = Math.max(earliest + HOUR_MS, at + rng.float(-2, 3) * DAY_MS);
    s.deregisterForExport(sale.buyer ?? sale.owner, sale.j, deregisterAt);
  }
  const plan = usedExport({
    exporter: sale.declarant,
    odometerKm: sale.km,
    valueCny: s.spec.listPriceCny * rng.float(sale.valueFactor[0] - 0.05, sale.valueFactor[1] - 0.05),
    afterSales: rng.chance(sale.afterSales),
    at,
    earliest,
  });
  return s.result(label, registered(sale.owner, sale.j, t0), s.exportVehicle(plan, t0, sale.km), { batchId });
}

/** A trader's batch: the operator registers; the exporter (if another party) buys and declares. */
function traderParties(batch: Batch): Pick<SaleAbroad, 'owner' | 'j' | 'buyer' | 'declarant'> {
  return {
    owner: batch.operator,
    j: batch.jurisdiction,
    buyer: batch.exporter.id === batch.operator.id ? null : batch.exporter,
    declarant: batch.exporter,
  };
}

/** Individuals of one ring register a car each; ~2 months later each passes to the ring's exporter. */
function strawRing(ctx: StoryContext, split: boolean): StoryResult {
  const { rng, world, anchor: t0 } = ctx;
  const ring = world.ringBatch(t0);
  const j = ring.jurisdiction;
  const my = newModelYear(rng, t0);
  const s = new Story(ctx, car(ctx, rng.pick(ring.models), my));
  const owner = makeIndividual(rng, j);
  s.firstRegistration(owner, j, t0, [0.9, 1]);
  const declarant = split ? world.smallExporter(j) : ring.exporter;
  const exportDays = rng.float(92, 115);
  return sellAbroad(
    ctx,
    s,
    split ? 'zm-split-exporters' : 'zm-straw-ring',
    {
      owner,
      j,
      buyer: declarant,
      declarant,
      transferDays: rng.float(50, 75),
      exportDays,
      km: rng.float(120, 700),
      pendingExport: 0,
      afterSales: 0.95,
      deregistration: 0.5,
      valueFactor: [0.88, 0.98],
    },
    ring.id,
  );
}

/** A trader's small batch (below registrant velocity) exported just past one of the timing tiers. */
function thresholdWait(ctx: StoryContext): StoryResult {
  const { rng, world, anchor: t0 } = ctx;
  const my = newModelYear(rng, t0);
  const batch = world.waitBatch(my, t0);
  const s = batchCar(ctx, batch, my, [0.9, 0.98]);
  // The tier a batch dodges is the batch's choice: derived from its id so all its cars agree.
  const tier = [30, 90, 180, 365][Number(batch.id.replace(/\D/g, '')) % 4]!;
  const exportDays = tier + rng.float(1, 8);
  return sellAbroad(
    ctx,
    s,
    'zm-threshold-wait',
    {
      ...traderParties(batch),
      transferDays: exportDays - rng.float(2, 10),
      exportDays,
      km: rng.float(55, 400),
      pendingExport: 0,
      afterSales: 0.9,
      deregistration: 0.6,
      valueFactor: [0.85, 0.95],
    },
    batch.id,
  );
}

/** The scheme's fast export, odometer padded just past the near-zero limit, with after-sales refs. */
function paddedOdometer(ctx: StoryContext): StoryResult {
  const { rng, world, anchor: t0 } = ctx;
  const my = newModelYear(rng, t0);
  const batch = world.schemeBatch(my, t0);
  const s = batchCar(ctx, batch, my, [0.9, 0.98]);
  const exportDays = rng.float(15, 80);
  return sellAbroad(
    ctx,
    s,
    'zm-padded-odometer',
    {
      ...traderParties(batch),
      transferDays: exportDays - rng.float(1, 8),
      exportDays,
      km: rng.float(60, 900),
      pendingExport: 0.2,
      afterSales: 0.8,
      deregistration: 0.6,
      valueFactor: [0.85, 0.97],
    },
    batch.id,
  );
}

/** An individual genuinely selling abroad after 6-11 months, with the mileage of a car in use. */
function abroadAfterMonths(ctx: StoryContext): StoryResult {
  const { rng, world, anchor: t0 } = ctx;
  const j = world.domesticJurisdiction(rng);
  const owner = makeIndividual(rng, j);
  const my = newModelYear(rng, t0);
  const s = new Story(ctx, car(ctx, world.vehicleModel(rng, my, rng.chance(0.5)), my));
  s.firstRegistration(owner, j, t0, [0.88, 1]);
  const exportDays = rng.float(185, 330);
  const exporter = rng.chance(0.8) ? world.licensedExporter() : world.smallExporter(j);
  return sellAbroad(
    ctx,
    s,
    'legit-abroad-after-months',
    {
      owner,
      j,
      buyer: exporter,
      declarant: exporter,
      transferDays: exportDays - rng.float(2, 20),
      exportDays,
      km: exportDays * rng.float(15, 90),
      pendingExport: 0.5,
      afterSales: 0.6,
      deregistration: 0.7,
      valueFactor: [0.7, 0.85],
    },
    null,
  );
}

/** A rental or ride-hailing fleet de-fleets a registration batch abroad: one exporter, real mileage. */
function fleetExport(ctx: StoryContext): StoryResult {
  const { rng, world, anchor: t0 } = ctx;
  const sale = world.fleetSale(t0);
  const s = batchCar(ctx, sale, newModelYear(rng, t0), [0.8, 0.92]);
  // The whole batch leaves together, 7-13 months after it was registered.
  const exportDays = 200 + (Number(sale.id.replace(/\D/g, '')) % 190) + rng.float(0, 10);
  return sellAbroad(
    ctx,
    s,
    'legit-fleet-export',
    {
      owner: sale.operator,
      j: sale.jurisdiction,
      buyer: sale.exporter,
      declarant: sale.exporter,
      transferDays: exportDays - rng.float(3, 15),
      exportDays,
      km: exportDays * rng.float(60, 250),
      pendingExport: 0.6,
      afterSales: 0.7,
      deregistration: 0.8,
      valueFactor: [0.55, 0.75],
    },
    sale.id,
  );
}

/** A dealer's demonstrator, driven on test drives for 7-12 months, sold to an exporter. */
function demoExport(ctx: StoryContext): StoryResult {
  const { rng, world } = ctx;
  const j = world.domesticJurisdiction(rng);
  const dealer = world.dealer(j);
  const s = registeredCar(ctx, dealer, j, [0.85, 0.97]);
  const exportDays = rng.float(200, 365);
  const exporter = world.licensedExporter();
  return sellAbroad(
    ctx,
    s,
    'legit-demo-export',
    {
      owner: dealer,
      j,
      buyer: exporter,
      declarant: exporter,
      transferDays: exportDays - rng.float(2, 15),
      exportDays,
      km: rng.float(2_500, 9_000),
      pendingExport: 0.5,
      afterSales: 0.85,
      deregistration: 0.7,
      valueFactor: [0.75, 0.88],
    },
    null,
  );
}

/** A diplomatic mission's car going home with the diplomat after a posting: exported by the mission. */
function diplomat(ctx: StoryContext): StoryResult {
  const { rng, world } = ctx;
  const j = world.domesticJurisdiction(rng);
  const mission: SimParty = makeOrganisation(rng, 'OTHER', j);
  const s = registeredCar(ctx, mission, j, [0.95, 1]);
  const exportDays = rng.float(200, 900);
  return sellAbroad(
    ctx,
    s,
    'legit-diplomat',
    {
      owner: mission,
      j,
      buyer: null,
      declarant: mission,
      transferDays: 0,
      exportDays,
      km: exportDays * rng.float(4, 30),
      pendingExport: 0,
      afterSales: 0.5,
      deregistration: 0.9,
      valueFactor: [0.7, 0.9],
    },
    null,
  );
}

export const ADAPTIVE_STORIES: Readonly<Record<AdaptiveLabel, (ctx: StoryContext) => StoryResult>> = {
  'zm-straw-ring': (ctx) => strawRing(ctx, false),
  'zm-split-exporters': (ctx) => strawRing(ctx, true),
  'zm-threshold-wait': thresholdWait,
  'zm-padded-odometer': paddedOdometer,
  'legit-abroad-after-months': abroadAfterMonths,
  'legit-fleet-export': fleetExport,
  'legit-demo-export': demoExport,
  'legit-diplomat': diplomat,
};

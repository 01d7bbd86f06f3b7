/**
 * One story per label: the sequence of registration and customs events a vehicle goes through, with
 * the ground truth that explains it. Stories only decide what happened and when (event time); how the
 * feeds deliver it (delays, duplicates, junk) is added afterwards by delivery.ts.
 */
import {
  DAY_MS,
  HOUR_MS,
  TOPICS,
  type CustomsDeclarationEvent,
  type PartyType,
  type RegistrationEvent,
} from '@zmwatch/schemas';
import type { Maker, Model } from './catalog.js';
import { NEW_EXPORT_DESTINATIONS, portsFor, ZM_DESTINATIONS, type Jurisdiction } from './geography.js';
import { isZeroMileageLabel, type Label } from './labels.js';
import { makeIndividual, type SimParty } from './parties.js';
import {
  afterSalesRef,
  declarationFollowUp,
  declarationRecord,
  plateNumber,
  registrationRecord,
  tempExportPlate,
  type RegistrationFields,
  type VehicleSpec,
} from './records.js';
import type { Rng } from './rng.js';
import type { NoiseKind, SimTopic, VehicleTruth } from './types.js';
import type { Batch, World } from './world.js';

export interface StoryContext {
  readonly rng: Rng;
  readonly world: World;
  /** Event time of the story's first event in the feed. No event of the story is earlier. */
  readonly anchor: number;
  readonly badCheckDigit: boolean;
  /** Feed noise decided up front because it changes the story: file, cancel and re-file a declaration. */
  readonly cancelFirstDeclaration: boolean;
}

export interface PlannedEvent {
  readonly topic: SimTopic;
  readonly value: RegistrationEvent | CustomsDeclarationEvent;
  readonly noise: NoiseKind | null;
}

export type TruthCore = Omit<
  VehicleTruth,
  'vehicle' | 'noise' | 'lastArrivalOffsetMs' | 'detectableAtOffsetMs'
>;

export interface StoryResult {
  readonly events: PlannedEvent[];
  readonly truth: TruthCore;
}

export type Pick = { maker: Maker; model: Model };

export interface ExportPlan {
  readonly exporter: SimParty;
  readonly condition: 'NEW' | 'USED';
  readonly odometerKm: number | null;
  readonly destinations: readonly (readonly [string, number])[];
  readonly valueCny: number;
  readonly afterSales: boolean;
  /** Event time of the live declaration. */
  readonly at: number;
  /** No declaration (also a cancelled one) may be filed before this. */
  readonly earliest: number;
}

/** A used car sold abroad to the trade's usual destinations: what varies from one story to another. */
export type UsedExportTerms = Omit<ExportPlan, 'condition' | 'destinations'>;

export function usedExport(terms: UsedExportTerms): ExportPlan {
  return { ...terms, condition: 'USED', destinations: ZM_DESTINATIONS };
}

/** What a transfer's registration record says besides who, where and when. */
export interface TransferTerms {
  readonly odometerKm: number | null;
  readonly priceCny: number;
  readonly pendingExport?: boolean;
}

interface ExportOutcome {
  readonly declarationId: string;
  readonly cancelled: readonly string[];
  readonly destination: string;
  readonly afterSales: boolean;
}

/** Accumulates one vehicle's events. */
export class Story {
  readonly events: PlannedEvent[] = [];

  constructor(
    readonly ctx: StoryContext,
    readonly spec: VehicleSpec,
  ) {}

  get rng(): Rng {
    return this.ctx.rng;
  }

  /** Event time of the latest registration event so far (a deregistration never precedes it). */
  lastRegistrationTime = 0;

  reg(f: RegistrationFields): RegistrationEvent {
    const floor = f.eventType === 'DEREGISTRATION' ? this.lastRegistrationTime + HOUR_MS : this.ctx.anchor;
    const value = registrationRecord(this.rng, this.spec, { ...f, eventTime: Math.max(f.eventTime, floor) });
    this.lastRegistrationTime = Math.max(this.lastRegistrationTime, value.eventTime);
    this.events.push({ topic: TOPICS.registrations, value, noise: null });
    return value;
  }

  firstRegistration(party: SimParty, j: Jurisdiction, at: number, priceFactor: [number, number]): void {
    this.reg({
      eventType: 'FIRST_REGISTRATION',
      party,
      jurisdiction: j,
      eventTime: at,
      condition: 'NEW',
      odometerKm: this.rng.chance(0.4) ? null : this.rng.int(0, 15),
      priceCny: this.rng.chance(0.1) ? null : this.spec.listPriceCny * this.rng.float(...priceFactor),
      plateNumber: plateNumber(this.rng, j, this.spec),
    });
  }

  /** The car, now used, changes hands to `party`. */
  transfer(party: SimParty, j: Jurisdiction, eventTime: number, sale: TransferTerms): void {
    this.reg({ eventType: 'TRANSFER', party, jurisdiction: j, eventTime, condition: 'USED', ...sale });
  }

  /** The holder gets a temporary export plate for the car. */
  tempExportPlate(holder: SimParty, j: Jurisdiction, eventTime: number): void {
    this.reg({
      eventType: 'TEMP_EXPORT_PLATE',
      party: holder,
      jurisdiction: j,
      eventTime,
      condition: 'USED',
      odometerKm: null,
      plateNumber: tempExportPlate(this.rng, j),
    });
  }

  /** The holder takes the car off the register to export it. */
  deregisterForExport(holder: SimParty, j: Jurisdiction, eventTime: number): void {
    this.reg({
      eventType: 'DEREGISTRATION',
      party: holder,
      jurisdiction: j,
      eventTime,
      condition: 'USED',
      odometerKm: null,
      deregistrationReason: 'EXPORT',
    });
  }

  /** The story's events and its ground truth: the label's defaults, then what the story established. */
  result(label: Label, ...facts: readonly Partial<TruthCore>[]): StoryResult {
    const truth = facts.reduce<TruthCore>((t, f) => ({ ...t, ...f }), baseTruth(label, this.spec));
    return { events: this.events, truth };
  }

  /**
   * Files the export declarations (a cancelled one first when the noise says so) and returns what the
   * ground truth says about the export.
   */
  exportVehicle(
    p: ExportPlan,
    registeredAt: number | null,
    trueOdometerKm: number | null,
  ): Partial<TruthCore> {
    const { rng, spec } = this;
    const { world } = this.ctx;
    const destination = rng.weighted(p.destinations);
    const port = rng.pick(portsFor(destination));
    const fields = {
      exporter: p.exporter,
      condition: p.condition,
      odometerKm: p.odometerKm,
      destination,
      port,
      valueCny: p.valueCny,
      afterSalesRef: p.afterSales ? afterSalesRef(rng, spec, p.at - rng.float(1, 5) * DAY_MS) : null,
      licenceRef: world.licenceRefOf(p.exporter),
    };
    const cancelled: string[] = [];
    // The cancelled declaration goes 1-4 days before the live one, or as early as the story allows.
    const gap = Math.min(rng.float(1, 4) * DAY_MS, p.at - p.earliest - HOUR_MS);
    if (this.ctx.cancelFirstDeclaration && gap >= 4 * HOUR_MS) {
      const first = p.at - gap;
      const id = world.declarationId(port, first);
      const declared = declarationRecord(rng, spec, {
        ...fields,
        eventType: 'DECLARED',
        declarationId: id,
        eventTime: first,
      });
      const cancelAt = first + rng.float(2 * HOUR_MS, p.at - first - 2 * HOUR_MS);
      this.events.push({ topic: TOPICS.declarations, value: declared, noise: 'cancellation' });
      this.events.push({
        topic: TOPICS.declarations,
        value: declarationFollowUp(rng, declared, 'CANCELLED', cancelAt),
        noise: 'cancellation',
      });
      cancelled.push(id);
    }
    const declarationId = world.declarationId(port, p.at);
    const declared = declarationRecord(rng, spec, {
      ...fields,
      eventType: 'DECLARED',
      declarationId,
      eventTime: p.at,
    });
    this.events.push({ topic: TOPICS.declarations, value: declared, noise: null });
    this.events.push({
      topic: TOPICS.declarations,
      value: declarationFollowUp(rng, declared, 'CLEARED', p.at + rng.float(1, 5) * DAY_MS),
      noise: null,
    });
    return exported(
      { declarationId, cancelled, destination, afterSales: p.afterSales },
      p,
      registeredAt,
      trueOdometerKm,
    );
  }
}

export function newModelYear(rng: Rng, at: number): number {
  const d = new Date(at);
  return d.getUTCMonth() >= 7 && rng.chance(0.35) ? d.getUTCFullYear() + 1 : d.getUTCFullYear();
}

export function car(ctx: StoryContext, pick: Pick, modelYear: number): VehicleSpec {
  const { vin, checkDigitValid } = ctx.world.mint.mint(pick.maker, pick.model, modelYear, ctx.badCheckDigit);
  const [lo, hi] = pick.model.priceCny;
  return {
    vin,
    checkDigitValid,
    maker: pick.maker,
    model: pick.model,
    modelYear,
    listPriceCny: ctx.rng.float(lo, hi),
  };
}

/** A new car of the national mix (or of the export favourites), first registered to `owner` in `j`. */
export function registeredCar(
  ctx: StoryContext,
  owner: SimParty,
  j: Jurisdiction,
  priceFactor: [number, number],
  exportFavourite = false,
): Story {
  const { rng, world, anchor: t0 } = ctx;
  const my = newModelYear(rng, t0);
  const s = new Story(ctx, car(ctx, world.vehicleModel(rng, my, exportFavourite), my));
  s.firstRegistration(owner, j, t0, priceFactor);
  return s;
}

/** A car of a registration batch, first registered by the batch's operator when the story starts. */
export function batchCar(
  ctx: StoryContext,
  batch: Batch,
  modelYear: number,
  priceFactor: [number, number],
): Story {
  const s = new Story(ctx, car(ctx, ctx.rng.pick(batch.models), modelYear));
  s.firstRegistration(batch.operator, batch.jurisdiction, ctx.anchor, priceFactor);
  return s;
}

export function baseTruth(label: Label, spec: VehicleSpec): TruthCore {
  return {
    vin: spec.vin,
    label,
    isZeroMileage: isZeroMileageLabel(label),
    make: spec.maker.make,
    model: spec.model.name,
    modelYear: spec.modelYear,
    fuelType: spec.model.fuel,
    checkDigitValid: spec.checkDigitValid,
    firstRegistrationTime: null,
    registeredAt: null,
    registrantId: null,
    registrantType: null,
    jurisdiction: null,
    declarationIds: [],
    cancelledDeclarationIds: [],
    exportTime: null,
    daysToExport: null,
    declaredCondition: null,
    declaredOdometerKm: null,
    trueOdometerKm: null,
    destinationCountry: null,
    exporterId: null,
    exporterType: null,
    afterSalesConfirmation: false,
    batchId: null,
  };
}

export function registered(party: SimParty, j: Jurisdiction, at: number): Partial<TruthCore> {
  return {
    firstRegistrationTime: Math.round(at),
    registeredAt: Math.round(at),
    registrantId: party.id,
    registrantType: party.type as PartyType,
    jurisdiction: j.code,
  };
}

function exported(
  out: ExportOutcome,
  p: ExportPlan,
  registeredAt: number | null,
  trueOdometerKm: number | null,
): Partial<TruthCore> {
  return {
    declarationIds: [out.declarationId],
    cancelledDeclarationIds: out.cancelled,
    exportTime: Math.round(p.at),
    daysToExport: registeredAt === null ? null : (Math.round(p.at) - registeredAt) / DAY_MS,
    declaredCondition: p.condition,
    declaredOdometerKm: p.odometerKm === null ? null : Math.round(p.odometerKm),
    trueOdometerKm: trueOdometerKm === null ? null : Math.round(trueOdometerKm),
    destinationCountry: out.destination,
    exporterId: p.exporter.id,
    exporterType: p.exporter.type as PartyType,
    afterSalesConfirmation: out.afterSales,
  };
}

function legitDomestic(ctx: StoryContext): StoryResult {
  const { rng, world, anchor: t0 } = ctx;
  const j = world.domesticJurisdiction(rng);
  const owner = makeIndividual(rng, j);
  const s = registeredCar(ctx, owner, j, [0.88, 1]);
  if (rng.chance(0.06)) {
    const days = rng.float(20, 150);
    s.transfer(makeIndividual(rng, j), j, t0 + days * DAY_MS, {
      odometerKm: days * rng.float(20, 60),
      priceCny: s.spec.listPriceCny * rng.float(0.72, 0.9),
    });
  }
  return s.result('legit-domestic', registered(owner, j, t0));
}

function dealerDemo(ctx: StoryContext): StoryResult {
  const { rng, world, anchor: t0 } = ctx;
  const j = world.domesticJurisdiction(rng);
  const dealer = world.dealer(j);
  const s = registeredCar(ctx, dealer, j, [0.85, 0.97]);
  s.transfer(makeIndividual(rng, j), j, t0 + rng.float(20, 180) * DAY_MS, {
    odometerKm: rng.float(200, 4000),
    priceCny: s.spec.listPriceCny * rng.float(0.8, 0.92),
  });
  return s.result('dealer-demo', registered(dealer, j, t0));
}

function fleet(ctx: StoryContext): StoryResult {
  const { rng, world, anchor: t0 } = ctx;
  const batch = world.fleetBatch(t0);
  const s = batchCar(ctx, batch, newModelYear(rng, t0), [0.8, 0.92]);
  return s.result('fleet', registered(batch.operator, batch.jurisdiction, t0), { batchId: batch.id });
}

function legitUsedExport(ctx: StoryContext): StoryResult {
  const { rng, world, anchor: t0 } = ctx;
  const years = rng.float(1, 8);
  const registeredAt = Math.round(t0 - years * 365.25 * DAY_MS);
  const my = new Date(registeredAt).getUTCFullYear() - (rng.chance(0.2) ? 1 : 0);
  const s = new Story(ctx, car(ctx, world.vehicleModel(rng, my, rng.chance(0.5)), my));
  const j = rng.chance(0.5) ? world.hubJurisdiction(rng) : world.domesticJurisdiction(rng);
  const odometer = Math.min(200_000, Math.max(20_000, years * rng.float(9_000, 25_000)));
  const exporter = rng.chance(0.85) ? world.licensedExporter() : world.tradingCompany(j);
  const residual = Math.pow(0.86, years);
  s.transfer(exporter, j, t0, {
    odometerKm: odometer,
    priceCny: s.spec.listPriceCny * residual * rng.float(0.85, 1),
    pendingExport: rng.chance(0.7),
  });
  const at = t0 + rng.float(3, 40) * DAY_MS;
  if (rng.chance(0.2)) s.tempExportPlate(exporter, j, t0 + rng.float(1, 3) * DAY_MS);
  if (rng.chance(0.8)) {
    s.deregisterForExport(exporter, j, Math.max(t0 + HOUR_MS, at + rng.float(-3, 5) * DAY_MS));
  }
  const declaredOdometer = odometer + rng.int(0, 80);
  const plan = usedExport({
    exporter,
    odometerKm: declaredOdometer,
    valueCny: s.spec.listPriceCny * residual * rng.float(0.8, 0.95),
    afterSales: rng.chance(0.15),
    at,
    earliest: t0 + DAY_MS,
  });
  return s.result(
    'legit-used-export',
    { registeredAt, jurisdiction: j.code },
    s.exportVehicle(plan, registeredAt, declaredOdometer),
  );
}

function legitNewExport(ctx: StoryContext): StoryResult {
  const { rng, world, anchor: t0 } = ctx;
  const my = newModelYear(rng, t0);
  const s = new Story(ctx, car(ctx, world.vehicleModel(rng, my, rng.chance(0.7)), my));
  const exporter = rng.chance(0.4) ? world.makerExportArm(s.spec.maker) : world.licensedExporter();
  const odometer = rng.chance(0.3) ? null : rng.int(0, 30);
  const plan: ExportPlan = {
    exporter,
    condition: 'NEW',
    odometerKm: odometer,
    destinations: NEW_EXPORT_DESTINATIONS,
    valueCny: s.spec.listPriceCny * rng.float(0.82, 0.95),
    afterSales: false,
    at: t0 + rng.float(0, 4) * DAY_MS,
    earliest: t0,
  };
  return s.result('legit-new-export', s.exportVehicle(plan, null, odometer));
}

function legitEarlyResale(ctx: StoryContext): StoryResult {
  const { rng, world, anchor: t0 } = ctx;
  const j = world.domesticJurisdiction(rng);
  const owner = makeIndividual(rng, j);
  const s = registeredCar(ctx, owner, j, [0.88, 1]);
  const days = rng.float(90, 175);
  const odometer = days * rng.float(30, 110);
  const exporter = rng.chance(0.9) ? world.licensedExporter() : world.tradingCompany(j);
  const transferAt = t0 + (days - rng.float(1, 10)) * DAY_MS;
  s.transfer(exporter, j, transferAt, {
    odometerKm: odometer - rng.int(0, 60),
    priceCny: s.spec.listPriceCny * rng.float(0.75, 0.85),
    pendingExport: rng.chance(0.7),
  });
  const at = t0 + days * DAY_MS;
  if (rng.chance(0.7)) s.deregisterForExport(exporter, j, at + rng.float(-1, 3) * DAY_MS);
  const plan = usedExport({
    exporter,
    odometerKm: odometer,
    valueCny: s.spec.listPriceCny * rng.float(0.7, 0.82),
    afterSales: rng.chance(0.85),
    at,
    earliest: transferAt,
  });
  return s.result('legit-early-resale', registered(owner, j, t0), s.exportVehicle(plan, t0, odometer));
}

type SchemeVariant = 'zm-plain' | 'zm-long-wait' | 'zm-faked-odometer';

function scheme(ctx: StoryContext, variant: SchemeVariant): StoryResult {
  const { rng, world, anchor: t0 } = ctx;
  const my = newModelYear(rng, t0);
  const batch = world.schemeBatch(my, t0);
  const j = batch.jurisdiction;
  const s = batchCar(ctx, batch, my, [0.9, 0.98]);
  const { operator, exporter } = batch;
  const days =
    variant === 'zm-long-wait' ? rng.float(60, 170) : Math.max(2, rng.skewed(2, 30, 1.4) + rng.float(0, 0.5));
  const at = t0 + Math.min(days, variant === 'zm-long-wait' ? 170 : 30) * DAY_MS;
  const longWait = variant === 'zm-long-wait';
  let holder = operator;
  if (exporter.id !== operator.id && rng.chance(0.85)) {
    const transferAt = longWait
      ? at - rng.float(1, 10) * DAY_MS
      : t0 + rng.float(0.3, Math.min(5, days - 0.5)) * DAY_MS;
    s.transfer(exporter, j, transferAt, {
      odometerKm: rng.chance(0.5) ? null : rng.int(0, 40),
      priceCny: s.spec.listPriceCny * rng.float(0.85, 0.97),
      pendingExport: rng.chance(0.85),
    });
    holder = exporter;
  }
  if (rng.chance(longWait ? 0.25 : 0.65)) {
    s.tempExportPlate(
      holder,
      j,
      longWait ? at - rng.float(1, 10) * DAY_MS : t0 + rng.float(0.5, Math.max(0.6, days - 0.3)) * DAY_MS,
    );
  }
  if (rng.chance(0.75)) {
    s.deregisterForExport(holder, j, Math.max(t0 + HOUR_MS, at + rng.float(-2, 3) * DAY_MS));
  }
  const trueOdometer = rng.skewed(1, 99, 2);
  const declaredOdometer =
    variant === 'zm-faked-odometer'
      ? rng.float(3_000, 15_000)
      : longWait && rng.chance(0.1)
        ? rng.float(100, 300)
        : trueOdometer;
  const plan = usedExport({
    exporter,
    odometerKm: declaredOdometer,
    valueCny: s.spec.listPriceCny * rng.float(0.82, 0.97),
    afterSales: rng.chance(variant === 'zm-plain' ? 0.35 : variant === 'zm-long-wait' ? 0.5 : 0.3),
    at,
    earliest: t0 + DAY_MS,
  });
  return s.result(
    variant,
    registered(operator, j, t0),
    s.exportVehicle(plan, t0, variant === 'zm-faked-odometer' ? trueOdometer : declaredOdometer),
    { batchId: batch.id },
  );
}

function zmStrawBuyer(ctx: StoryContext): StoryResult {
  const { rng, world, anchor: t0 } = ctx;
  const j = world.hubJurisdiction(rng);
  const straw = world.strawBuyer(j);
  const s = registeredCar(ctx, straw, j, [0.9, 1], true);
  const exporter = rng.chance(0.6) ? world.licensedExporter() : world.tradingCompany(j);
  const transferAt = t0 + rng.float(2, 20) * DAY_MS;
  s.transfer(exporter, j, transferAt, {
    odometerKm: rng.chance(0.5) ? null : rng.int(0, 60),
    priceCny: s.spec.listPriceCny * rng.float(0.9, 1),
    pendingExport: rng.chance(0.7),
  });
  const at = transferAt + rng.float(1, 25) * DAY_MS;
  if (rng.chance(0.4)) {
    s.tempExportPlate(exporter, j, transferAt + rng.float(0.2, (at - transferAt) / DAY_MS - 0.1) * DAY_MS);
  }
  if (rng.chance(0.7)) s.deregisterForExport(exporter, j, at + rng.float(-2, 3) * DAY_MS);
  const odometer = rng.chance(0.8) ? rng.skewed(1, 99, 2) : rng.float(100, 400);
  const plan = usedExport({
    exporter,
    odometerKm: odometer,
    valueCny: s.spec.listPriceCny * rng.float(0.85, 0.97),
    afterSales: rng.chance(0.4),
    at,
    earliest: transferAt,
  });
  return s.result('zm-straw-buyer', registered(straw, j, t0), s.exportVehicle(plan, t0, odometer));
}

/** The labels whose stories are in this file; the adaptive schemes and their look-alikes are in adaptive-stories.ts. */
export type BasicLabel =
  | 'legit-domestic'
  | 'dealer-demo'
  | 'fleet'
  | 'legit-used-export'
  | 'legit-new-export'
  | 'legit-early-resale'
  | 'zm-plain'
  | 'zm-long-wait'
  | 'zm-faked-odometer'
  | 'zm-straw-buyer';

export function planBasicStory(label: BasicLabel, ctx: StoryContext): StoryResult {
  switch (label) {
    case 'legit-domestic':
      return legitDomestic(ctx);
    case 'dealer-demo':
      return dealerDemo(ctx);
    case 'fleet':
      return fleet(ctx);
    case 'legit-used-export':
      return legitUsedExport(ctx);
    case 'legit-new-export':
      return legitNewExport(ctx);
    case 'legit-early-resale':
      return legitEarlyResale(ctx);
    case 'zm-plain':
    case 'zm-long-wait':
    case 'zm-faked-odometer':
      return scheme(ctx, label);
    case 'zm-straw-buyer':
      return zmStrawBuyer(ctx);
  }
}

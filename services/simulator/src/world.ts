/**
 * State shared across vehicle stories: party pools, open registration batches, counters. Stories are
 * planned in a fixed order, so this state evolves deterministically for a seed. Batches are what gives
 * the scheme its velocity: consecutive scheme vehicles fill a handful of open batches, so one operator
 * registers 5-40 cars within hours to days in one export-hub jurisdiction.
 */
import { DAY_MS, type PartyType } from '@zmwatch/schemas';
import { EXPORT_FAVOURITES, MAKERS, modelsFor, type Maker, type Model } from './catalog.js';
import { JURISDICTIONS, type Jurisdiction } from './geography.js';
import { makeIndividual, makeOrganisation, type SimParty } from './parties.js';
import { Rng } from './rng.js';
import { VinMint } from './vins.js';

export interface Batch {
  readonly id: string;
  readonly operator: SimParty;
  readonly exporter: SimParty;
  readonly jurisdiction: Jurisdiction;
  readonly models: readonly { maker: Maker; model: Model }[];
  /** Event time of the story that opened the batch. */
  readonly openedAt: number;
  remaining: number;
}

const OPEN_SCHEME_BATCHES = 6;
const OPEN_RING_BATCHES = 1;
/** A straw-buyer ring's individuals all register within this span: "on the same days". */
const RING_SPAN_MS = 2 * DAY_MS;
const OPEN_FLEET_BATCHES = 3;
/** A batch is registered within this long, full or not: that is what makes it velocity. */
const SCHEME_BATCH_SPAN_MS = 3 * DAY_MS;
const FLEET_BATCH_SPAN_MS = 7 * DAY_MS;
const RIDE_HAILING_MODELS: readonly (readonly [string, string])[] = [
  ['BYD', 'Qin PLUS DM-i'],
  ['BYD', 'Qin EV'],
  ['BYD', 'Dolphin'],
  ['GAC Trumpchi', 'Aion S'],
  ['Geely', 'Galaxy E5'],
  ['FAW-Volkswagen', 'Sagitar'],
];

export class World {
  readonly rng: Rng;
  readonly mint: VinMint;
  private readonly dealers = new Map<string, SimParty[]>();
  private readonly tradingCompanies = new Map<string, SimParty[]>();
  private readonly strawBuyers = new Map<string, { party: SimParty; remaining: number }[]>();
  private readonly licensedExporters: SimParty[] = [];
  private readonly licenceRefs = new Map<string, string>();
  private readonly makerExportArms = new Map<string, SimParty>();
  private readonly fleetOperators: SimParty[] = [];
  private readonly schemeBatches: Batch[] = [];
  private readonly fleetBatches: Batch[] = [];
  private readonly ringBatches: Batch[] = [];
  private readonly waitBatches: Batch[] = [];
  private readonly fleetSales: Batch[] = [];
  private readonly smallExporters: SimParty[] = [];
  private batchSerial = 0;
  private declarationSerial = 0;

  constructor(seed: string) {
    this.rng = new Rng(seed, 'world');
    this.mint = new VinMint(new Rng(seed, 'vins'));
  }

  domesticJurisdiction(rng: Rng): Jurisdiction {
    return rng.weighted(JURISDICTIONS.map((j) => [j, j.weight] as const));
  }

  hubJurisdiction(rng: Rng): Jurisdiction {
    return rng.weighted(JURISDICTIONS.filter((j) => j.hubWeight > 0).map((j) => [j, j.hubWeight] as const));
  }

  /** A maker/model weighted by domestic sales, or among export favourites. */
  vehicleModel(rng: Rng, modelYear: number, exportFavourite = false): { maker: Maker; model: Model } {
    const makers = exportFavourite ? MAKERS.filter((mk) => EXPORT_FAVOURITES.includes(mk.make)) : MAKERS;
    const maker = rng.weighted(makers.map((mk) => [mk, mk.weight] as const));
    const model = rng.weighted(modelsFor(maker, modelYear).map((md) => [md, md.weight] as const));
    return { maker, model };
  }

  dealer(j: Jurisdiction): SimParty {
    return this.poolMember(this.dealers, j, 'DEALER', 24);
  }

  tradingCompany(j: Jurisdiction): SimParty {
    return this.poolMember(this.tradingCompanies, j, 'TRADING_COMPANY', 30);
  }

  /** Licensed used-car exporters (a national pool registered in hub jurisdictions). */
  licensedExporter(): SimParty {
    if (this.licensedExporters.length < 60 && (this.licensedExporters.length < 8 || this.rng.chance(0.1))) {
      const party = makeOrganisation(this.rng, 'LICENSED_EXPORTER', this.hubJurisdiction(this.rng));
      this.licensedExporters.push(party);
      this.licenceRefs.set(party.id, `UCE-${this.rng.int(2019, 2025)}-${this.rng.chars('0123456789', 6)}`);
      return party;
    }
    return this.rng.pick(this.licensedExporters);
  }

  licenceRefOf(party: SimParty): string | null {
    return this.licenceRefs.get(party.id) ?? null;
  }

  makerExportArm(maker: Maker): SimParty {
    let arm = this.makerExportArms.get(maker.make);
    if (!arm) {
      arm = makeOrganisation(this.rng, 'MANUFACTURER', this.domesticJurisdiction(this.rng));
      this.makerExportArms.set(maker.make, arm);
    }
    return arm;
  }

  /** Next open batch of the scheme; operators are repeat offenders 60% of the time. */
  schemeBatch(modelYear: number, now: number): Batch {
    closeOld(this.schemeBatches, now, SCHEME_BATCH_SPAN_MS);
    if (this.schemeBatches.length < OPEN_SCHEME_BATCHES) {
      const j = this.hubJurisdiction(this.rng);
      const kind = this.rng.weighted<PartyType>([
        ['TRADING_COMPANY', 55],
        ['DEALER', 25],
        ['LICENSED_EXPORTER', 20],
      ]);
      const operator =
        kind === 'DEALER'
          ? this.dealer(j)
          : kind === 'LICENSED_EXPORTER'
            ? this.licensedExporter()
            : this.tradingCompany(j);
      const exporter =
        kind === 'LICENSED_EXPORTER'
          ? operator
          : this.rng.chance(0.75)
            ? this.licensedExporter()
            : kind === 'TRADING_COMPANY'
              ? operator
              : this.tradingCompany(j);
      const models = Array.from({ length: this.rng.int(1, 3) }, () =>
        this.vehicleModel(this.rng, modelYear, true),
      );
      this.schemeBatches.push({
        id: `batch-${++this.batchSerial}`,
        operator,
        exporter,
        jurisdiction: j,
        models,
        openedAt: now,
        remaining: this.rng.int(5, 40),
      });
    }
    return this.takeFrom(this.schemeBatches);
  }

  fleetBatch(now: number): Batch {
    closeOld(this.fleetBatches, now, FLEET_BATCH_SPAN_MS);
    if (this.fleetBatches.length < OPEN_FLEET_BATCHES) {
      const j = this.rng.weighted(JURISDICTIONS.map((x) => [x, x.weight] as const));
      const operator =
        this.fleetOperators.length < 40 && this.rng.chance(0.5)
          ? this.pushed(this.fleetOperators, makeOrganisation(this.rng, 'OTHER', j))
          : this.fleetOperators.length > 0
            ? this.rng.pick(this.fleetOperators)
            : this.pushed(this.fleetOperators, makeOrganisation(this.rng, 'OTHER', j));
      const [make, name] = this.rng.pick(RIDE_HAILING_MODELS);
      const maker = MAKERS.find((mk) => mk.make === make)!;
      const model = maker.models.find((md) => md.name === name)!;
      this.fleetBatches.push({
        id: `fleet-${++this.batchSerial}`,
        operator,
        exporter: operator,
        jurisdiction: JURISDICTIONS.find((x) => x.code === operator.jurisdiction)!,
        models: [{ maker, model }],
        openedAt: now,
        remaining: this.rng.int(10, 80),
      });
    }
    return this.takeFrom(this.fleetBatches);
  }

  /**
   * A straw-buyer ring: one organiser, many individuals registering one new car each in one hub city
   * within two days; the cars later converge on the ring's exporter (or, split, on many small ones).
   */
  ringBatch(now: number): Batch {
    closeOld(this.ringBatches, now, RING_SPAN_MS);
    if (this.ringBatches.length < OPEN_RING_BATCHES) {
      const j = this.hubJurisdiction(this.rng);
      const exporter = this.rng.chance(0.5) ? this.licensedExporter() : this.tradingCompany(j);
      this.ringBatches.push({
        id: `ring-${++this.batchSerial}`,
        operator: exporter,
        exporter,
        jurisdiction: j,
        models: Array.from({ length: this.rng.int(1, 3) }, () =>
          this.vehicleModel(this.rng, new Date(now).getUTCFullYear(), true),
        ),
        openedAt: now,
        remaining: this.rng.int(6, 30),
      });
    }
    return this.takeFrom(this.ringBatches);
  }

  /** A trader registering small batches (below registrant velocity) that wait just past a threshold. */
  waitBatch(modelYear: number, now: number): Batch {
    closeOld(this.waitBatches, now, SCHEME_BATCH_SPAN_MS);
    if (this.waitBatches.length < OPEN_SCHEME_BATCHES) {
      const j = this.hubJurisdiction(this.rng);
      const operator = this.rng.chance(0.7) ? this.tradingCompany(j) : this.dealer(j);
      this.waitBatches.push({
        id: `wait-${++this.batchSerial}`,
        operator,
        exporter: this.rng.chance(0.6) ? this.licensedExporter() : this.smallExporter(j),
        jurisdiction: j,
        models: Array.from({ length: this.rng.int(1, 2) }, () =>
          this.vehicleModel(this.rng, modelYear, true),
        ),
        openedAt: now,
        remaining: this.rng.int(4, 15),
      });
    }
    return this.takeFrom(this.waitBatches);
  }

  /** A rental or ride-hailing fleet de-fleeting a registration batch abroad through one exporter. */
  fleetSale(now: number): Batch {
    closeOld(this.fleetSales, now, FLEET_BATCH_SPAN_MS);
    if (this.fleetSales.length < OPEN_FLEET_BATCHES) {
      const j = this.rng.weighted(JURISDICTIONS.map((x) => [x, x.weight] as const));
      const [make, name] = this.rng.pick(RIDE_HAILING_MODELS);
      const maker = MAKERS.find((mk) => mk.make === make)!;
      const model = maker.models.find((md) => md.name === name)!;
      this.fleetSales.push({
        id: `fleet-sale-${++this.batchSerial}`,
        operator: makeOrganisation(this.rng, 'OTHER', j),
        exporter: this.licensedExporter(),
        jurisdiction: j,
        models: [{ maker, model }],
        openedAt: now,
        remaining: this.rng.int(10, 60),
      });
    }
    return this.takeFrom(this.fleetSales);
  }

  /** Many small exporters (a few cars each): how a scheme splits its volume. */
  smallExporter(j: Jurisdiction): SimParty {
    if (this.smallExporters.length < 400 && (this.smallExporters.length < 20 || this.rng.chance(0.5)))
      return this.pushed(this.smallExporters, makeOrganisation(this.rng, 'TRADING_COMPANY', j));
    return this.rng.pick(this.smallExporters);
  }

  /** Straw buyers in a hub: each lends their name to 1-4 cars. */
  strawBuyer(j: Jurisdiction): SimParty {
    const pool = this.strawBuyers.get(j.code) ?? [];
    this.strawBuyers.set(j.code, pool);
    const open = pool.filter((s) => s.remaining > 0);
    if (open.length === 0 || this.rng.chance(0.35)) {
      const s = { party: makeIndividual(this.rng, j), remaining: this.rng.int(0, 3) };
      pool.push(s);
      if (pool.length > 40) pool.shift();
      return s.party;
    }
    const s = this.rng.pick(open);
    s.remaining--;
    return s.party;
  }

  /** An 18-digit customs declaration number: 4-digit customs district, year, export flag, serial. */
  declarationId(port: string, eventTime: number): string {
    const district = String(1000 + (hashPort(port) % 8000)).padStart(4, '0');
    const year = new Date(eventTime).getUTCFullYear();
    return `${district}${year}0${String(++this.declarationSerial).padStart(9, '0')}`;
  }

  private poolMember(
    pools: Map<string, SimParty[]>,
    j: Jurisdiction,
    type: PartyType,
    size: number,
  ): SimParty {
    const pool = pools.get(j.code) ?? [];
    pools.set(j.code, pool);
    if (pool.length < size && (pool.length === 0 || this.rng.chance(0.2))) {
      return this.pushed(pool, makeOrganisation(this.rng, type, j));
    }
    return this.rng.pick(pool);
  }

  private pushed(pool: SimParty[], party: SimParty): SimParty {
    pool.push(party);
    return party;
  }

  private takeFrom(open: Batch[]): Batch {
    const i = this.rng.int(0, open.length - 1);
    const batch = open[i]!;
    batch.remaining--;
    if (batch.remaining <= 0) open.splice(i, 1);
    return batch;
  }
}

function closeOld(open: Batch[], now: number, spanMs: number): void {
  for (let i = open.length - 1; i >= 0; i--) if (now - open[i]!.openedAt > spanMs) open.splice(i, 1);
}

function hashPort(port: string): number {
  let h = 7;
  for (let i = 0; i < port.length; i++) h = (h * 31 + port.charCodeAt(i)) >>> 0;
  return h;
}

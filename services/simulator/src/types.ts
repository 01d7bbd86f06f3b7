/** What the simulator emits: events in arrival order, and the ground truth to score detections against. */
import type {
  CustomsDeclarationEvent,
  FuelType,
  PartyType,
  RegistrationEvent,
  TOPICS,
} from '@zmwatch/schemas';
import type { Label } from './labels.js';

export type RegistrationTopic = typeof TOPICS.registrations;
export type DeclarationTopic = typeof TOPICS.declarations;
export type SimTopic = RegistrationTopic | DeclarationTopic;

/**
 * Noise a record carries. `duplicate`, `malformed` and `invalid-vin` records add no information (a
 * correct consumer ignores or dead-letters them); `late`, `out-of-order`, `amendment` and
 * `cancellation` are real events delivered the way real feeds deliver them.
 */
export type NoiseKind =
  'duplicate' | 'malformed' | 'invalid-vin' | 'late' | 'out-of-order' | 'amendment' | 'cancellation';

/** Noise kinds of records a consumer must not count as new information. */
export const IGNORABLE_NOISE: readonly NoiseKind[] = ['duplicate', 'malformed', 'invalid-vin'];

interface SimEventBase {
  /** 0-based position in arrival order. */
  readonly seq: number;
  /** Message key: the VIN as the feed sent it (a mangled one for `invalid-vin`), null when absent. */
  readonly key: string | null;
  /** Simulated event time (ms); null for malformed records. */
  readonly eventTime: number | null;
  /** Simulated arrival time minus the scenario start (ms); non-decreasing along the stream. */
  readonly arrivalOffsetMs: number;
  readonly noise: NoiseKind | null;
  /** Index of the vehicle story the record belongs to. */
  readonly vehicle: number;
}

export interface SimRegistrationEvent extends SimEventBase {
  readonly topic: RegistrationTopic;
  readonly value: RegistrationEvent;
  readonly bytes?: undefined;
}

export interface SimDeclarationEvent extends SimEventBase {
  readonly topic: DeclarationTopic;
  readonly value: CustomsDeclarationEvent;
  readonly bytes?: undefined;
}

/** An undecodable record: raw bytes to be produced as-is. */
export interface SimMalformedEvent extends SimEventBase {
  readonly topic: SimTopic;
  readonly value: null;
  readonly bytes: Buffer;
}

export type SimEvent = SimRegistrationEvent | SimDeclarationEvent | SimMalformedEvent;

/** Ground truth of one vehicle. Times are simulated event times (UTC ms). */
export interface VehicleTruth {
  readonly vehicle: number;
  readonly vin: string;
  readonly label: Label;
  readonly isZeroMileage: boolean;
  readonly make: string;
  readonly model: string;
  readonly modelYear: number;
  readonly fuelType: FuelType;
  readonly checkDigitValid: boolean;
  /** First registration as it appears in the feed; null when it predates the feed or never happened. */
  readonly firstRegistrationTime: number | null;
  /** When the car was really first registered (also for registrations before the feed); null if never. */
  readonly registeredAt: number | null;
  readonly registrantId: string | null;
  readonly registrantType: PartyType | null;
  readonly jurisdiction: string | null;
  /** Live export declarations (the export that happened). Empty when not exported. */
  readonly declarationIds: readonly string[];
  /** Declarations that were filed and then CANCELLED (noise: no export happened under them). */
  readonly cancelledDeclarationIds: readonly string[];
  /** Event time of the live DECLARED event; null when not exported. */
  readonly exportTime: number | null;
  /** Days from first registration (real, even before the feed) to export; null when either is missing. */
  readonly daysToExport: number | null;
  readonly declaredCondition: 'NEW' | 'USED' | null;
  readonly declaredOdometerKm: number | null;
  /** Odometer the car really had at export. */
  readonly trueOdometerKm: number | null;
  readonly destinationCountry: string | null;
  readonly exporterId: string | null;
  readonly exporterType: PartyType | null;
  readonly afterSalesConfirmation: boolean;
  /** Id of the registration batch (velocity) the car belongs to, for scheme and fleet stories. */
  readonly batchId: string | null;
  /** Arrival offset (ms from scenario start) of the vehicle's last real (non-noise-record) event. */
  readonly lastArrivalOffsetMs: number;
  /**
   * Arrival offset by which everything needed to judge the export has arrived (the live DECLARED event
   * and, when in the feed, the first registration); null when not exported. Scoring a stream cut short
   * only counts vehicles whose offset was reached.
   */
  readonly detectableAtOffsetMs: number | null;
  readonly noise: {
    /** Registration-topic events arrived after the first declaration. */
    readonly outOfOrder: boolean;
    /** How long after the first declaration's arrival the first registration arrived (ms); null if before. */
    readonly registrationArrivedAfterDeclarationMs: number | null;
    readonly lateEvents: number;
    readonly duplicates: number;
    readonly amendments: number;
    readonly malformed: number;
    readonly invalidVins: number;
  };
}

/** A record the ground truth marks as noise (only the ignorable kinds are listed one by one). */
export interface NoiseTruth {
  readonly seq: number;
  readonly topic: SimTopic;
  readonly noise: NoiseKind;
  readonly vehicle: number;
  readonly eventId: string | null;
  readonly vin: string | null;
}

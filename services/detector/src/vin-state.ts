import {
  DEREGISTRATION_REASON_SYMBOLS,
  PARTY_TYPE_SYMBOLS,
  VEHICLE_CONDITION_SYMBOLS,
  type DeregistrationReason,
  type PartyType,
  type VehicleCondition,
} from '@zmwatch/schemas';
import type { Published, WithdrawnBy } from './revision.js';

/**
 * What the rules need to know about one VIN, kept in Redis as one packed string (see packState).
 * Times are UTC epoch milliseconds unless the name says seconds.
 */
export interface VinState {
  /** Epoch seconds after which the sweeper removes the entry. */
  expireAt: number;
  registration?: FirstRegistration;
  /** Latest ownership transfer: who holds the registration now. */
  lastTransfer?: { time: number; partyId: string; partyType: PartyType };
  /** Earliest transfer the authority flagged "pending export". */
  pendingExportTransferAt?: number;
  /** Earliest temporary export plate. */
  tempExportPlateAt?: number;
  /** Earliest deregistration. */
  deregistration?: { time: number; reason: DeregistrationReason };
  declarations: DeclarationEntry[];
}

export interface FirstRegistration {
  time: number;
  jurisdiction: string;
  partyId: string;
  partyType: PartyType;
  condition: VehicleCondition;
}

/**
 * pending: waiting for the VIN's first registration (grace period);
 * evaluated: scored below the alert threshold, re-evaluated whenever the VIN's state changes;
 * alerted: an alert was produced and acknowledged under ruleset `alertedVersion` (`published` says
 *   which revision, when absent: revision 0 written before revisions existed);
 * cancelled: withdrawn by customs (CANCELLED or REJECTED); only the id and time are kept, plus, when
 *   the declaration had alerted, what its alert needs for the WITHDRAWN revision (`alerted`).
 */
export type DeclarationStatus = 'pending' | 'evaluated' | 'alerted' | 'cancelled';

export interface DeclarationFacts {
  exporterId: string;
  exporterType: PartyType;
  declaredCondition: VehicleCondition;
  declaredOdometerKm: number | null;
  destinationCountry: string;
  hasAfterSalesRef: boolean;
}

export interface OpenDeclaration extends DeclarationFacts {
  declarationId: string;
  status: 'pending' | 'evaluated' | 'alerted';
  alertedVersion?: string;
  /** The last revision published for the alert under `alertedVersion` (status alerted). */
  published?: Published;
  /**
   * Epoch seconds at which the declaration is evaluated once more without new events of its own,
   * so that what other VINs changed meanwhile (the registrant's velocity) is taken into account.
   */
  recheckAt?: number;
  /** eventTime of the latest applied version of the declaration. */
  eventTime: number;
  /** Epoch seconds at which the declaration was first seen (Kafka timestamp): the grace clock. */
  firstSeenAt: number;
}

export interface CancelledDeclaration {
  declarationId: string;
  status: 'cancelled';
  /** eventTime of the cancellation or rejection. */
  eventTime: number;
  withdrawnBy: WithdrawnBy;
  /** Set when the declaration had alerted: the alert's last version, to publish its withdrawal. */
  alerted?: AlertedMemory;
}

/** What a cancelled declaration keeps of the version that alerted. */
export interface AlertedMemory extends DeclarationFacts {
  /** eventTime of the declaration version that alerted. */
  declarationTime: number;
  firstSeenAt: number;
  alertedVersion: string;
  published: Published;
}

export type DeclarationEntry = OpenDeclaration | CancelledDeclaration;

export function emptyState(): VinState {
  return { expireAt: 0, declarations: [] };
}

// ---------------------------------------------------------------------------------------------
// Packed layout. A VIN is one entry of a state bucket (one Redis string, see bucket-blob.ts); its
// value must stay small (the memory target
// is <= 100 bytes per tracked VIN including the 17-byte field), so the common case, a VIN with only
// a first registration, packs to ~45 bytes:
//
//   <expireAt b36 s>;<dueAt b36 s or empty>;R<time b36 ms>,<jurisdiction>,<partyId>,<flags b36>
//
// Sections after the two-field header, separated by ';', start with a tag:
//   R  first registration   time,jurisdiction,partyId,(partyType*3+condition)
//   T  last transfer        time,partyId,partyType
//   P  pending-export transfer time     X  temporary export plate time
//   G  deregistration       time,reason
//   D  declaration          id,status,time,firstSeenAt,exporterId,(exporterType*6+condition*2+hasRef),odometer,dest[,alertedVersion]
//      cancelled           id,c,time
// Enum values are stored as their index in the Avro symbol list (symbols are only ever appended).
// The sweeper reads only the header (readStateHeader, called by the store's scan), so the rest can
// evolve with this file alone.
// ---------------------------------------------------------------------------------------------

const b36 = (n: number): string => Math.round(n).toString(36);
const unb36 = (s: string): number => {
  const n = parseInt(s, 36);
  if (!Number.isFinite(n)) throw new StateFormatError(`bad number ${JSON.stringify(s)}`);
  return n;
};

// Free-text fields may contain the separators (and newline, which separates VINs in a bucket, see
// bucket-blob.ts); escape them and the escape char percent-style.
const ESCAPED: Record<string, string> = { '%': '%25', ',': '%2C', ';': '%3B', '\n': '%0A' };
const NEEDS_ESCAPE = /[%,;\n]/;
const esc = (s: string): string => (NEEDS_ESCAPE.test(s) ? s.replace(/[%,;\n]/g, (c) => ESCAPED[c]!) : s);
const unesc = (s: string): string =>
  s.includes('%') ? s.replace(/%(25|2C|3B|0A)/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))) : s;

export class StateFormatError extends Error {
  override readonly name = 'StateFormatError';
}

function idx<T extends string>(symbols: readonly T[], value: T): number {
  const i = symbols.indexOf(value);
  return i < 0 ? 0 : i; // index 0 is each enum's "unknown/other" symbol
}
function sym<T extends string>(symbols: readonly T[], i: number): T {
  return symbols[i] ?? symbols[0]!;
}

const STATUS_CODE = { pending: 'p', evaluated: 'e', alerted: 'a', cancelled: 'c' } as const;
const CODE_STATUS: Record<string, DeclarationStatus> = {
  p: 'pending',
  e: 'evaluated',
  a: 'alerted',
  c: 'cancelled',
};

/**
 * Earliest time (epoch seconds) the sweeper must re-process the VIN: a pending declaration due
 * without a registration, or a revision held back by the rate limit; 0 if none.
 */
export function dueAt(state: VinState, graceSeconds: number): number {
  let due = 0;
  for (const d of state.declarations) {
    let t: number | undefined;
    if (d.status === 'cancelled') continue;
    if (d.status === 'pending') t = d.firstSeenAt + graceSeconds;
    else {
      t = d.recheckAt;
      const r = d.status === 'alerted' ? d.published?.revisionDueAt : undefined;
      if (r !== undefined && (t === undefined || r < t)) t = r;
    }
    if (t !== undefined && (due === 0 || t < due)) due = t;
  }
  return due;
}

/**
 * The two header fields of a packed state without unpacking the rest: its expiry and its grace
 * deadline (undefined when no declaration is pending), epoch seconds (NaN when unreadable).
 */
export function readStateHeader(packed: string): { expireAt: number; dueAt: number | undefined } {
  const a = packed.indexOf(';');
  const d = packed.slice(a + 1, packed.indexOf(';', a + 1));
  return { expireAt: parseInt(packed.slice(0, a), 36), dueAt: d === '' ? undefined : parseInt(d, 36) };
}

// Published: revision,detectedAt(ms),publishedAt(s),fingerprint,withdrawn(0/1),revisionDueAt(s or empty)
const packPublished = (p: Published): string =>
  b36(p.revision) +
  ',' +
  b36(p.detectedAt) +
  ',' +
  b36(p.publishedAt) +
  ',' +
  p.fingerprint +
  ',' +
  (p.withdrawn ? '1' : '0') +
  ',' +
  (p.revisionDueAt === undefined ? '' : b36(p.revisionDueAt));
function unpackPublished(f: readonly string[], at: number): Published | undefined {
  if (f[at] === undefined) return undefined;
  const p: Published = {
    revision: unb36(f[at]!),
    detectedAt: unb36(f[at + 1] ?? ''),
    publishedAt: unb36(f[at + 2] ?? ''),
    fingerprint: f[at + 3] ?? '',
    withdrawn: f[at + 4] === '1',
  };
  if (f[at + 5]) p.revisionDueAt = unb36(f[at + 5]!);
  return p;
}
const factFlags = (d: DeclarationFacts): number =>
  idx(PARTY_TYPE_SYMBOLS, d.exporterType) * 6 +
  idx(VEHICLE_CONDITION_SYMBOLS, d.declaredCondition) * 2 +
  (d.hasAfterSalesRef ? 1 : 0);
// exporterId,flags,odometer,destination
const packFacts = (d: DeclarationFacts): string =>
  esc(d.exporterId) +
  ',' +
  b36(factFlags(d)) +
  ',' +
  (d.declaredOdometerKm === null ? '' : b36(d.declaredOdometerKm)) +
  ',' +
  esc(d.destinationCountry);
function unpackFacts(f: readonly string[], at: number): DeclarationFacts {
  const flags = unb36(f[at + 1] ?? '0');
  return {
    exporterId: unesc(f[at] ?? ''),
    exporterType: sym(PARTY_TYPE_SYMBOLS, Math.floor(flags / 6)),
    declaredCondition: sym(VEHICLE_CONDITION_SYMBOLS, Math.floor(flags / 2) % 3),
    hasAfterSalesRef: flags % 2 === 1,
    declaredOdometerKm: f[at + 2] ? unb36(f[at + 2]!) : null,
    destinationCountry: unesc(f[at + 3] ?? ''),
  };
}

export function packState(state: VinState, graceSeconds: number): string {
  const due = dueAt(state, graceSeconds);
  // String concatenation, not parts.join: this runs for every VIN a batch changes.
  let out = b36(state.expireAt) + ';' + (due ? b36(due) : '');
  const r = state.registration;
  if (r) {
    const flags = idx(PARTY_TYPE_SYMBOLS, r.partyType) * 3 + idx(VEHICLE_CONDITION_SYMBOLS, r.condition);
    out += ';R' + b36(r.time) + ',' + esc(r.jurisdiction) + ',' + esc(r.partyId) + ',' + b36(flags);
  }
  const t = state.lastTransfer;
  if (t) out += ';T' + b36(t.time) + ',' + esc(t.partyId) + ',' + b36(idx(PARTY_TYPE_SYMBOLS, t.partyType));
  if (state.pendingExportTransferAt !== undefined) out += ';P' + b36(state.pendingExportTransferAt);
  if (state.tempExportPlateAt !== undefined) out += ';X' + b36(state.tempExportPlateAt);
  const g = state.deregistration;
  if (g) out += ';G' + b36(g.time) + ',' + b36(idx(DEREGISTRATION_REASON_SYMBOLS, g.reason));
  for (const d of state.declarations) {
    if (d.status === 'cancelled') {
      // id,c,time[,r] (REJECTED; CANCELLED is the default) [then, if it had alerted:
      // ,exporterId,flags,odometer,dest,declarationTime,firstSeenAt,alertedVersion,<published>]
      out += ';D' + esc(d.declarationId) + ',c,' + b36(d.eventTime);
      const m = d.alerted;
      if (m) {
        out += ',' + (d.withdrawnBy === 'REJECTED' ? 'r' : '') + ',' + packFacts(m);
        out += ',' + b36(m.declarationTime) + ',' + b36(m.firstSeenAt) + ',' + esc(m.alertedVersion);
        out += ',' + packPublished(m.published);
      } else if (d.withdrawnBy === 'REJECTED') out += ',r';
      continue;
    }
    out +=
      ';D' +
      esc(d.declarationId) +
      ',' +
      STATUS_CODE[d.status] +
      ',' +
      b36(d.eventTime) +
      ',' +
      b36(d.firstSeenAt) +
      ',' +
      packFacts(d);
    // [,recheckAt] for evaluated ones; alerted: ,alertedVersion,recheckAt or empty[,<published>]
    if (d.status === 'alerted' && d.alertedVersion !== undefined) {
      out += ',' + esc(d.alertedVersion);
      if (d.published || d.recheckAt !== undefined)
        out += ',' + (d.recheckAt === undefined ? '' : b36(d.recheckAt));
      if (d.published) out += ',' + packPublished(d.published);
    } else if (d.recheckAt !== undefined) out += ',' + b36(d.recheckAt);
  }
  return out;
}

export function unpackState(packed: string): VinState {
  const parts = packed.split(';');
  if (parts.length < 2)
    throw new StateFormatError(`state has no header: ${JSON.stringify(packed.slice(0, 40))}`);
  const state: VinState = { expireAt: unb36(parts[0]!), declarations: [] };
  for (let i = 2; i < parts.length; i++) {
    const p = parts[i]!;
    const f = p.slice(1).split(',');
    switch (p[0]) {
      case 'R': {
        const flags = unb36(f[3] ?? '0');
        state.registration = {
          time: unb36(f[0]!),
          jurisdiction: unesc(f[1] ?? ''),
          partyId: unesc(f[2] ?? ''),
          partyType: sym(PARTY_TYPE_SYMBOLS, Math.floor(flags / 3)),
          condition: sym(VEHICLE_CONDITION_SYMBOLS, flags % 3),
        };
        break;
      }
      case 'T':
        state.lastTransfer = {
          time: unb36(f[0]!),
          partyId: unesc(f[1] ?? ''),
          partyType: sym(PARTY_TYPE_SYMBOLS, unb36(f[2] ?? '0')),
        };
        break;
      case 'P':
        state.pendingExportTransferAt = unb36(f[0]!);
        break;
      case 'X':
        state.tempExportPlateAt = unb36(f[0]!);
        break;
      case 'G':
        state.deregistration = {
          time: unb36(f[0]!),
          reason: sym(DEREGISTRATION_REASON_SYMBOLS, unb36(f[1] ?? '0')),
        };
        break;
      case 'D': {
        const status = CODE_STATUS[f[1] ?? ''];
        if (!status) throw new StateFormatError(`bad declaration status in ${JSON.stringify(p)}`);
        if (status === 'cancelled') {
          const tomb: CancelledDeclaration = {
            declarationId: unesc(f[0]!),
            status,
            eventTime: unb36(f[2]!),
            withdrawnBy: f[3] === 'r' ? 'REJECTED' : 'CANCELLED',
          };
          const published = f.length > 4 ? unpackPublished(f, 11) : undefined;
          if (published) {
            tomb.alerted = {
              ...unpackFacts(f, 4),
              declarationTime: unb36(f[8]!),
              firstSeenAt: unb36(f[9]!),
              alertedVersion: unesc(f[10] ?? ''),
              published,
            };
          }
          state.declarations.push(tomb);
          break;
        }
        const d: OpenDeclaration = {
          declarationId: unesc(f[0]!),
          status,
          eventTime: unb36(f[2]!),
          firstSeenAt: unb36(f[3]!),
          ...unpackFacts(f, 4),
        };
        if (status === 'alerted') {
          if (f[8] !== undefined) d.alertedVersion = unesc(f[8]);
          if (f[9]) d.recheckAt = unb36(f[9]);
          const published = unpackPublished(f, 10);
          if (published) d.published = published;
        } else if (f[8]) d.recheckAt = unb36(f[8]);
        state.declarations.push(d);
        break;
      }
      default:
        throw new StateFormatError(`unknown state section ${JSON.stringify(p.slice(0, 20))}`);
    }
  }
  return state;
}

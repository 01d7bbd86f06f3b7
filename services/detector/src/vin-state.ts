import {
  DEREGISTRATION_REASON_SYMBOLS,
  PARTY_TYPE_SYMBOLS,
  VEHICLE_CONDITION_SYMBOLS,
  type DeregistrationReason,
  type PartyType,
  type VehicleCondition,
} from '@zmwatch/schemas';
import type { Published, WithdrawnBy } from './revision.js';
import {
  codes,
  Cursor,
  digits,
  field,
  flag,
  group,
  int,
  intOrNull,
  optInt,
  optText,
  b36,
  readB36,
  section,
  sectionWithVariants,
  StateFormatError,
  text,
  Writer,
  writeSection,
  readSection,
  type Field,
  type Section,
} from './state-codec.js';

export { StateFormatError } from './state-codec.js';

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
  /**
   * Sections this release does not know (written by a newer one), verbatim without their ';': kept
   * and written back after the known ones, so a rollback forgets nothing. Absent when there are none.
   */
  keptSections?: string[];
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
// Packed layout (format version 2). A VIN is one entry of a state bucket (one Redis string, see
// bucket-blob.ts). Its value must stay small (the memory target is <= 100 bytes per tracked VIN,
// the 17-byte key included), so the common case, a VIN with only a first registration, packs to
// 46 bytes:
//
//   tvrs00~2;;Rmm6zh1c0,CN-GD,91440300MA5DEALER1,7
//
// Header: expireAt, '~' and the format version (base 36), ';', dueAt (dueAt(); empty when nothing
// is due), both epoch seconds. The version sits where the release before it (version 1, no mark)
// still reads the header (its parseInt stops at '~'), so rolling back to it keeps every VIN.
// Sections follow, each ';' then a one-letter tag, declared once below as ordered field codecs
// (state-codec.ts), which both packState and unpackState walk: numbers are base 36 (times in epoch
// ms, fields named ...At in epoch seconds, as in VinState), enums are their index in the Avro symbol
// list (symbols are only ever appended; small enums share one field as a mixed-radix number), free
// text is percent-escaped, trailing empty fields are left out.
//
//   R  first registration      time, jurisdiction, partyId, partyType*3+condition
//   T  last transfer           time, partyId, partyType
//   P  pending-export transfer time
//   X  temporary export plate  time
//   G  deregistration          time, reason
//   D  declaration, one section each, its fields chosen by its status (the second field):
//      p, e (pending, evaluated)  id, status, eventTime, firstSeenAt, <facts>, recheckAt
//      a (alerted)                id, status, eventTime, firstSeenAt, <facts>, alertedVersion, recheckAt, <published>
//      c (cancelled)              id, status, eventTime, withdrawnBy ('' CANCELLED, r REJECTED),
//                                 and if it had alerted: <facts>, declarationTime, firstSeenAt, alertedVersion, <published>
//   <facts>      exporterId, exporterType*6+declaredCondition*2+hasAfterSalesRef, declaredOdometerKm, destinationCountry
//   <published>  revision, detectedAt, publishedAt, fingerprint, withdrawn (0/1), revisionDueAt,
//                revisionDueForEntity ('e' while a held-back change came from the reach-back alone)
//
// Version 1, written before the format had a version, has no mark and writes an empty trailing
// field after <published>; its sections are the same, read by the same declarations. Evolution:
// append a field to a section (older readers ignore it, and drop it when they rewrite the VIN);
// anything an older release must carry over goes in a new section tag: a section (or a declaration
// status) a release does not know is kept verbatim in `keptSections` and written back, never a
// reset (version 1's reader, which predates this rule, resets on one). Golden fixtures:
// test/fixtures/legacy-states.json (version 1, real bytes from main before the version) and
// test/fixtures/states-v2.json; version 1's frozen reader (test/fixtures/unversioned-reader.ts)
// reads what this release writes.
// The sweeper reads only the header (readStateHeader, called by the store's scan).
// ---------------------------------------------------------------------------------------------

/** The packed format this release writes. */
export const STATE_FORMAT_VERSION = 2;
const VERSION_MARK = '~';
const VERSION_SUFFIX = VERSION_MARK + b36(STATE_FORMAT_VERSION);

const BOOLEANS = [false, true] as const;

const FACTS: readonly Field[] = [
  field('exporterId', text),
  digits(
    { key: 'exporterType', symbols: PARTY_TYPE_SYMBOLS, radix: PARTY_TYPE_SYMBOLS.length },
    { key: 'declaredCondition', symbols: VEHICLE_CONDITION_SYMBOLS, radix: 3 },
    { key: 'hasAfterSalesRef', symbols: BOOLEANS, radix: 2 },
  ),
  field('declaredOdometerKm', intOrNull),
  field('destinationCountry', text),
];

const PUBLISHED = group('published', [
  field('revision', int),
  field('detectedAt', int),
  field('publishedAt', int),
  field('fingerprint', text),
  field('withdrawn', flag),
  field('revisionDueAt', optInt),
  // 'e' or empty (left out): appended in 2026-12, older readers ignore it.
  field<true>('revisionDueForEntity', { write: () => 'e', read: () => true }),
]);

/** A declaration's status, the code that selects DECLARATION's variant. */
const STATUS_CODE = { pending: 'p', evaluated: 'e', alerted: 'a', cancelled: 'c' } as const;
const STATUS = field('status', codes<DeclarationStatus>(STATUS_CODE));
const OPEN: readonly Field[] = [
  field('declarationId', text),
  STATUS,
  field('eventTime', int),
  field('firstSeenAt', int),
  ...FACTS,
];
const PENDING_OR_EVALUATED: readonly Field[] = [...OPEN, field('recheckAt', optInt)];

const DECLARATION = sectionWithVariants<DeclarationEntry>('D', 1, (d) => STATUS_CODE[d.status], {
  p: PENDING_OR_EVALUATED,
  e: PENDING_OR_EVALUATED,
  a: [...OPEN, field('alertedVersion', optText), field('recheckAt', optInt), PUBLISHED],
  c: [
    field('declarationId', text),
    STATUS,
    field('eventTime', int),
    field('withdrawnBy', codes<WithdrawnBy>({ CANCELLED: '', REJECTED: 'r' }, 'CANCELLED')),
    group('alerted', [
      ...FACTS,
      field('declarationTime', int),
      field('firstSeenAt', int),
      field('alertedVersion', text),
      PUBLISHED,
    ]),
  ],
});

/** One-per-VIN sections: where each lives in the state. */
interface Single {
  section: Section<never>;
  get(s: VinState): object | undefined;
  set(s: VinState, v: Record<string, unknown>): void;
}
const at = (key: string): Pick<Single, 'get' | 'set'> => ({
  get: (s) => (s as unknown as Record<string, object | undefined>)[key],
  set: (s, v) => ((s as unknown as Record<string, unknown>)[key] = v),
});
/** A section holding one number of the state itself. */
const atNumber = (key: 'pendingExportTransferAt' | 'tempExportPlateAt'): Pick<Single, 'get' | 'set'> => ({
  get: (s) => (s[key] === undefined ? undefined : { v: s[key] }),
  set: (s, v) => (s[key] = v.v as number),
});

const SINGLES: readonly Single[] = [
  {
    section: section('R', [
      field('time', int),
      field('jurisdiction', text),
      field('partyId', text),
      digits(
        { key: 'partyType', symbols: PARTY_TYPE_SYMBOLS, radix: PARTY_TYPE_SYMBOLS.length },
        { key: 'condition', symbols: VEHICLE_CONDITION_SYMBOLS, radix: 3 },
      ),
    ]),
    ...at('registration'),
  },
  {
    section: section('T', [
      field('time', int),
      field('partyId', text),
      digits({ key: 'partyType', symbols: PARTY_TYPE_SYMBOLS, radix: PARTY_TYPE_SYMBOLS.length }),
    ]),
    ...at('lastTransfer'),
  },
  { section: section('P', [field('v', int)]), ...atNumber('pendingExportTransferAt') },
  { section: section('X', [field('v', int)]), ...atNumber('tempExportPlateAt') },
  {
    section: section('G', [
      field('time', int),
      digits({
        key: 'reason',
        symbols: DEREGISTRATION_REASON_SYMBOLS,
        radix: DEREGISTRATION_REASON_SYMBOLS.length,
      }),
    ]),
    ...at('deregistration'),
  },
];
const SINGLE_BY_TAG = new Map(SINGLES.map((s) => [s.section.tag, s]));

/**
 * Earliest time (epoch seconds) the sweeper must re-process the VIN: a pending declaration due
 * without a registration, a recheck, or a revision held back by the rate limit; 0 if none.
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
 * The header, `<expireAt>[~<version>];<dueAt>` (version 1 has no mark; dueAt may be empty): its two
 * fields and where it ends (the ';' before the first section, or the length).
 */
function readHeader(packed: string): { expireAt: number; dueAt: number | undefined; end: number } {
  const semi = packed.indexOf(';');
  if (semi < 0) throw new StateFormatError(`state has no header: ${JSON.stringify(packed.slice(0, 40))}`);
  const mark = packed.indexOf(VERSION_MARK);
  let end = packed.indexOf(';', semi + 1);
  if (end < 0) end = packed.length;
  return {
    expireAt: readB36(packed, 0, mark >= 0 && mark < semi ? mark : semi),
    dueAt: end === semi + 1 ? undefined : readB36(packed, semi + 1, end),
    end,
  };
}

/**
 * The two header fields of a packed state without unpacking the rest: its expiry and the earliest
 * time the sweeper must re-process the VIN (dueAt(): a grace deadline, a recheck or a deferred
 * revision; undefined when none), epoch seconds. An unreadable header reads as expireAt NaN (neither
 * expired nor due: the sweeper leaves the VIN to its next event, which replaces the state).
 */
export function readStateHeader(packed: string): { expireAt: number; dueAt: number | undefined } {
  try {
    const { expireAt, dueAt } = readHeader(packed);
    return { expireAt, dueAt };
  } catch (err) {
    if (err instanceof StateFormatError) return { expireAt: NaN, dueAt: undefined };
    throw err;
  }
}

export function packState(state: VinState, graceSeconds: number): string {
  const due = dueAt(state, graceSeconds);
  const w = new Writer();
  w.out = b36(state.expireAt) + VERSION_SUFFIX + ';' + (due ? b36(due) : '');
  for (const s of SINGLES) {
    const v = s.get(state);
    if (v !== undefined) writeSection(w, s.section, v as never);
  }
  for (const d of state.declarations) writeSection(w, DECLARATION, d);
  if (state.keptSections) for (const k of state.keptSections) w.out += ';' + k;
  return w.out;
}

const cursor = new Cursor();

export function unpackState(packed: string): VinState {
  const header = readHeader(packed);
  const state: VinState = { expireAt: header.expireAt, declarations: [] };
  let at = header.end < packed.length ? header.end : -1;
  while (at >= 0) {
    const c = cursor;
    c.enter(packed, at + 1);
    const tag = packed[at + 1];
    let known = false;
    if (tag === DECLARATION.tag) {
      const d = readSection(c, DECLARATION);
      if (d) {
        state.declarations.push(d);
        known = true;
      }
    } else {
      const single = tag === undefined ? undefined : SINGLE_BY_TAG.get(tag);
      if (single) {
        const v = readSection(c, single.section);
        if (v) single.set(state, v as Record<string, unknown>);
        known = true;
      }
    }
    if (!known) (state.keptSections ??= []).push(c.section());
    at = c.end < packed.length ? c.end : -1;
  }
  return state;
}

import {
  getContract,
  isCanonicalVin,
  maxLengthOf,
  numberRangeOf,
  TOPICS,
  WIRE_HEADER_BYTES,
  type Contract,
  type CustomsDeclarationEvent,
  type RegistrationEvent,
} from '@zmwatch/schemas';
import { AvroCursor, InternTable } from './avro-cursor.js';

/**
 * The detector's fast path for records written with the current schema of their topic (the writer
 * id the codec itself writes, so also a registry's id for it): the Avro body is read straight into
 * the event the detector keeps, with the contract's value ranges (`VALUE_RANGES`), the canonical-VIN
 * check and the non-blank declaration id checked in the same pass — no intermediate avsc record, no
 * second walk over it. It returns `undefined` for anything else (a truncated or malformed body, a
 * value out of range, a VIN to normalise or reject, trailing bytes): the caller then takes the
 * generic path (codec decode, `assertInRange`, VIN normalisation), which produces the same event for
 * a good record and the same dead-letter class and message for a bad one. Other writer ids (older
 * versions, a newer writer through the registry) always take the generic path.
 *
 * The readers below follow the current .avsc field by field. `SHAPES` states the field list they
 * were written for; when a schema changes, `createDirectReaders` finds the shape differs and returns
 * no reader for that topic (everything takes the generic path) and test/foreign/direct-decode.test.ts fails until
 * the reader is brought up to date.
 */
export interface DirectReaders {
  registration?: (body: Buffer) => RegistrationEvent | undefined;
  declaration?: (body: Buffer) => CustomsDeclarationEvent | undefined;
}

/** The field list (name:type, records in braces, unions with |) each reader below was written for. */
export const SHAPES = {
  registration:
    'eventId:string eventType:enum vin:string vinCheckDigitValid:boolean jurisdiction:string ' +
    'party:{id:string type:enum} pendingExport:boolean deregistrationReason:null|enum condition:enum ' +
    'make:string model:string modelYear:int fuelType:enum odometerKm:null|int priceCny:null|double ' +
    'plateNumber:null|string sourceSystem:string eventTime:long recordedAt:long',
  declaration:
    'eventId:string eventType:enum declarationId:string vin:string vinCheckDigitValid:boolean ' +
    'exporterId:string exporterType:enum declaredCondition:enum declaredOdometerKm:null|int ' +
    'destinationCountry:string portOfExit:string hsCode:string declaredValue:double currency:string ' +
    'afterSalesConfirmationRef:null|string exportLicenceRef:null|string eventTime:long recordedAt:long',
} as const;

type Node = Contract['node'];

/** A schema node's shape in the notation of SHAPES. */
export function shapeOf(node: Node): string {
  switch (node.kind) {
    case 'primitive':
      return node.name;
    case 'enum':
      return 'enum';
    case 'union':
      return node.branches.map(shapeOf).join('|');
    case 'record':
      return node.fields.map((f) => `${f.name}:${fieldShape(f.type)}`).join(' ');
    default:
      return node.kind;
  }
}

function fieldShape(node: Node): string {
  return node.kind === 'record' ? `{${shapeOf(node)}}` : shapeOf(node);
}

/** The enum symbols of a (possibly nested, possibly nullable) field, in schema order. */
function symbols(node: Node, path: string): readonly string[] {
  let at: Node = node;
  for (const name of path.split('.')) {
    if (at.kind !== 'record') throw new Error(`direct reader: ${path} is not a field path`);
    const field = at.fields.find((f) => f.name === name);
    if (!field) throw new Error(`direct reader: no field ${path}`);
    at = field.type;
  }
  if (at.kind === 'union') at = at.branches.find((b) => b.kind === 'enum') ?? at;
  if (at.kind !== 'enum') throw new Error(`direct reader: ${path} is not an enum`);
  return at.symbols;
}

function range(field: string): { min: number; max: number } {
  const r = numberRangeOf(field);
  if (!r) throw new Error(`direct reader: ${field} has no value range`);
  return r;
}

/** 1 for the characters a canonical VIN may hold (isCanonicalVin's alphabet), by ASCII code. */
const VIN_CHAR = new Uint8Array(128).map((_, c) =>
  isCanonicalVin(String.fromCharCode(c).repeat(17)) ? 1 : 0,
);
const VIN_BYTES = 17;

/**
 * A VIN already canonical (17 characters of isCanonicalVin's alphabet, so also within `max` and free
 * of control characters), else refused: the generic path normalises or rejects it.
 */
function readVin(c: AvroCursor, max: number): string {
  const len = c.long();
  const p = c.pos;
  const b = c.buf;
  if (len !== VIN_BYTES || len > max || p + VIN_BYTES > c.end) {
    c.ok = false;
    return '';
  }
  for (let i = p; i < p + VIN_BYTES; i++)
    if (b[i]! >= 128 || VIN_CHAR[b[i]!] === 0) {
      c.ok = false;
      return '';
    }
  c.pos = p + VIN_BYTES;
  // prettier-ignore
  return String.fromCharCode(
    b[p]!, b[p + 1]!, b[p + 2]!, b[p + 3]!, b[p + 4]!, b[p + 5]!, b[p + 6]!, b[p + 7]!, b[p + 8]!,
    b[p + 9]!, b[p + 10]!, b[p + 11]!, b[p + 12]!, b[p + 13]!, b[p + 14]!, b[p + 15]!, b[p + 16]!,
  );
}

/** Builds the readers for the topics whose current schema still has the shape they were written for. */
export function createDirectReaders(): DirectReaders {
  const readers: DirectReaders = {};
  const c = new AvroCursor();
  // Each field's limits by its name, as rangeProblems looks them up (once here, not per record).
  const len = maxLengthOf;

  const reg = getContract(TOPICS.registrations).node;
  if (shapeOf(reg) === SHAPES.registration) {
    const eventTypes = symbols(reg, 'eventType') as RegistrationEvent['eventType'][];
    const partyTypes = symbols(reg, 'party.type') as RegistrationEvent['party']['type'][];
    const reasons = symbols(reg, 'deregistrationReason') as NonNullable<
      RegistrationEvent['deregistrationReason']
    >[];
    const conditions = symbols(reg, 'condition') as RegistrationEvent['condition'][];
    const fuels = symbols(reg, 'fuelType') as RegistrationEvent['fuelType'][];
    const [eventId, vin, jurisdiction, partyId, make, model, plate, source] = [
      'eventId',
      'vin',
      'jurisdiction',
      'id',
      'make',
      'model',
      'plateNumber',
      'sourceSystem',
    ].map(len) as [number, number, number, number, number, number, number, number];
    const year = range('modelYear');
    const odometer = range('odometerKm');
    const price = range('priceCny');
    const eventTime = range('eventTime');
    const recordedAt = range('recordedAt');
    const jurisdictions = new InternTable();
    const makes = new InternTable();
    const models = new InternTable();
    const systems = new InternTable();
    readers.registration = (body) => {
      c.reset(body, WIRE_HEADER_BYTES);
      // Property initialisers run in source order: the order of the schema's fields.
      const event: RegistrationEvent = {
        eventId: c.string(eventId),
        eventType: eventTypes[c.index(eventTypes.length)]!,
        vin: readVin(c, vin),
        vinCheckDigitValid: c.boolean(),
        jurisdiction: c.text(jurisdiction, jurisdictions),
        party: { id: c.string(partyId), type: partyTypes[c.index(partyTypes.length)]! },
        pendingExport: c.boolean(),
        deregistrationReason: c.index(2) === 0 ? null : reasons[c.index(reasons.length)]!,
        condition: conditions[c.index(conditions.length)]!,
        make: c.text(make, makes),
        model: c.text(model, models),
        modelYear: c.ranged(c.long(), year.min, year.max),
        fuelType: fuels[c.index(fuels.length)]!,
        odometerKm: c.index(2) === 0 ? null : c.ranged(c.long(), odometer.min, odometer.max),
        priceCny: c.index(2) === 0 ? null : c.ranged(c.double(), price.min, price.max),
        plateNumber: c.index(2) === 0 ? null : c.string(plate),
        sourceSystem: c.text(source, systems),
        eventTime: c.ranged(c.long(), eventTime.min, eventTime.max),
        recordedAt: c.ranged(c.long(), recordedAt.min, recordedAt.max),
      };
      return c.done() ? event : undefined;
    };
  }

  const decl = getContract(TOPICS.declarations).node;
  if (shapeOf(decl) === SHAPES.declaration) {
    const eventTypes = symbols(decl, 'eventType') as CustomsDeclarationEvent['eventType'][];
    const partyTypes = symbols(decl, 'exporterType') as CustomsDeclarationEvent['exporterType'][];
    const conditions = symbols(decl, 'declaredCondition') as CustomsDeclarationEvent['declaredCondition'][];
    const [eventId, declarationId, vin, exporterId, country, port, hsCode, currency, afterSales, licence] = [
      'eventId',
      'declarationId',
      'vin',
      'exporterId',
      'destinationCountry',
      'portOfExit',
      'hsCode',
      'currency',
      'afterSalesConfirmationRef',
      'exportLicenceRef',
    ].map(len) as [number, number, number, number, number, number, number, number, number, number];
    const odometer = range('declaredOdometerKm');
    const value = range('declaredValue');
    const eventTime = range('eventTime');
    const recordedAt = range('recordedAt');
    const exporters = new InternTable(12);
    const countries = new InternTable();
    const ports = new InternTable();
    const hsCodes = new InternTable();
    const currencies = new InternTable(6);
    readers.declaration = (body) => {
      c.reset(body, WIRE_HEADER_BYTES);
      const event: CustomsDeclarationEvent = {
        eventId: c.string(eventId),
        eventType: eventTypes[c.index(eventTypes.length)]!,
        declarationId: c.string(declarationId),
        vin: readVin(c, vin),
        vinCheckDigitValid: c.boolean(),
        exporterId: c.text(exporterId, exporters),
        exporterType: partyTypes[c.index(partyTypes.length)]!,
        declaredCondition: conditions[c.index(conditions.length)]!,
        declaredOdometerKm: c.index(2) === 0 ? null : c.ranged(c.long(), odometer.min, odometer.max),
        destinationCountry: c.text(country, countries),
        portOfExit: c.text(port, ports),
        hsCode: c.text(hsCode, hsCodes),
        declaredValue: c.ranged(c.double(), value.min, value.max),
        currency: c.text(currency, currencies),
        afterSalesConfirmationRef: c.index(2) === 0 ? null : c.string(afterSales),
        exportLicenceRef: c.index(2) === 0 ? null : c.string(licence),
        eventTime: c.ranged(c.long(), eventTime.min, eventTime.max),
        recordedAt: c.ranged(c.long(), recordedAt.min, recordedAt.max),
      };
      // A blank declaration id is dead-lettered by the generic path (InvalidRecord).
      return c.done() && event.declarationId.trim() !== '' ? event : undefined;
    };
  }
  return readers;
}

/**
 * The current (reader) contract of each topic: the latest catalog version of its `<topic>-value`
 * subject, as an avsc Type (unions unwrapped, timestamps as epoch-ms numbers) plus its schema tree.
 */
import avro, { type Schema, type Type } from 'avsc';
import { latestCatalogEntries, readSchemaFile } from './avro-files.js';
import { boundedTypeHook } from './avro-guard.js';
import { InvalidRecordError } from './errors.js';
import { resolveSchema, type AvroSchemaJson, type Node } from './schema-walk.js';
import { isTopic, topicOfSubject, type Topic } from './topics.js';

/** avsc options used for every type: unions must be unambiguous null-or-X and are unwrapped. */
export const AVSC_OPTIONS = { wrapUnions: 'never', omitRecordMethods: true } as const;

export interface Contract {
  readonly topic: Topic;
  readonly subject: string;
  /** Record full name, e.g. dev.zmwatch.v1.RegistrationEvent. */
  readonly fullName: string;
  readonly schema: Schema;
  readonly type: Type;
  readonly node: Node;
  /** Id of this schema in the embedded catalog. */
  readonly embeddedId: number;
  readonly version: number;
}

let contracts: ReadonlyMap<Topic, Contract> | undefined;

/** Parses a schema into a hardened avsc Type with the package's options. */
export function typeForSchema(schema: Schema): Type {
  return avro.Type.forSchema(schema, { ...AVSC_OPTIONS, typeHook: boundedTypeHook });
}

export function getContracts(): ReadonlyMap<Topic, Contract> {
  if (contracts) return contracts;
  const map = new Map<Topic, Contract>();
  for (const e of latestCatalogEntries()) {
    const topic = topicOfSubject(e.subject);
    if (!topic || !isTopic(topic)) continue;
    const schema = readSchemaFile(e.file);
    const type = typeForSchema(schema);
    map.set(topic, {
      topic,
      subject: e.subject,
      fullName: type.name ?? '',
      schema,
      type,
      node: resolveSchema(schema as AvroSchemaJson),
      embeddedId: e.id,
      version: e.version,
    });
  }
  contracts = map;
  return map;
}

export function getContract(topic: Topic): Contract {
  const c = getContracts().get(topic);
  if (!c) throw new Error(`no contract for topic ${topic}`);
  return c;
}

/** Field-path problems of `value` against `type` (empty when valid). Paths are dot-joined. */
export function validationProblems(type: Type, value: unknown): { path: string; value: unknown }[] {
  const problems: { path: string; value: unknown }[] = [];
  type.isValid(value, {
    noUndeclaredFields: true,
    errorHook: (path: string[], val: unknown, t: Type) => {
      if (t.typeName === 'record' && val !== null && typeof val === 'object') {
        // avsc reports undeclared fields at the record itself; name them instead.
        const declared = new Set((t as unknown as { fields: { name: string }[] }).fields.map((f) => f.name));
        const extra = Object.keys(val).filter((k) => !declared.has(k));
        if (extra.length > 0) {
          for (const k of extra)
            problems.push({ path: [...path, k].join('.'), value: (val as Record<string, unknown>)[k] });
          return;
        }
      }
      problems.push({ path: path.join('.'), value: val });
    },
  });
  return problems;
}

/** Throws InvalidRecordError naming each bad field path when `value` does not match `type`. */
export function assertValid(type: Type, value: unknown): void {
  if (type.isValid(value, { noUndeclaredFields: true })) return;
  throw new InvalidRecordError(type.name ?? type.typeName, validationProblems(type, value));
}

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Schema } from 'avsc';

/** Directory holding the checked-in `.avsc` files and `catalog.json`. */
export const AVRO_DIR = fileURLToPath(new URL('../avro/', import.meta.url));

export interface CatalogFileEntry {
  /** Stable schema id written in the wire header; never reused. */
  readonly id: number;
  /** Confluent subject, `<topic>-value`. */
  readonly subject: string;
  /** 1-based version within the subject. */
  readonly version: number;
  /** Path of the `.avsc` file relative to {@link AVRO_DIR}. */
  readonly file: string;
}

let catalogFileCache: readonly CatalogFileEntry[] | undefined;

/** Reads and validates `schemas/avro/catalog.json` (memoised). */
export function readCatalogFile(): readonly CatalogFileEntry[] {
  if (catalogFileCache) return catalogFileCache;
  const raw = JSON.parse(readFileSync(`${AVRO_DIR}catalog.json`, 'utf8')) as { schemas?: unknown };
  if (!Array.isArray(raw.schemas)) throw new Error('catalog.json: missing "schemas" array');
  const entries: CatalogFileEntry[] = [];
  const ids = new Set<number>();
  const subjectVersions = new Set<string>();
  for (const e of raw.schemas as Record<string, unknown>[]) {
    const { id, subject, version, file } = e;
    if (
      typeof id !== 'number' ||
      !Number.isInteger(id) ||
      id <= 0 ||
      typeof subject !== 'string' ||
      typeof version !== 'number' ||
      typeof file !== 'string'
    ) {
      throw new Error(`catalog.json: malformed entry ${JSON.stringify(e)}`);
    }
    if (ids.has(id)) throw new Error(`catalog.json: schema id ${id} used twice`);
    if (subjectVersions.has(`${subject}@${version}`))
      throw new Error(`catalog.json: ${subject} version ${version} listed twice`);
    ids.add(id);
    subjectVersions.add(`${subject}@${version}`);
    entries.push({ id, subject, version, file });
  }
  catalogFileCache = entries;
  return entries;
}

const schemaCache = new Map<string, Schema>();

/** Parses one `.avsc` file (relative to {@link AVRO_DIR}); memoised. */
export function readSchemaFile(file: string): Schema {
  let schema = schemaCache.get(file);
  if (!schema) {
    schema = JSON.parse(readFileSync(`${AVRO_DIR}${file}`, 'utf8')) as Schema;
    schemaCache.set(file, schema);
  }
  return schema;
}

/** The highest version of every subject in the catalog: the schemas the code reads and writes. */
export function latestCatalogEntries(): readonly CatalogFileEntry[] {
  const latest = new Map<string, CatalogFileEntry>();
  for (const e of readCatalogFile()) {
    const cur = latest.get(e.subject);
    if (!cur || e.version > cur.version) latest.set(e.subject, e);
  }
  const firstId = new Map<string, number>();
  for (const e of readCatalogFile()) firstId.set(e.subject, Math.min(firstId.get(e.subject) ?? e.id, e.id));
  return [...latest.values()].sort((a, b) => firstId.get(a.subject)! - firstId.get(b.subject)!);
}

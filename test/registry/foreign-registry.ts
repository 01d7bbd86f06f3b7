/**
 * The foreign producer's side of the Schema Registry for the registry tests: register_and_encode.py
 * (a plain HTTP POST to the Confluent API and fastavro, in the venv of test/foreign) registers a
 * writer schema and encodes records under the id the registry answered.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '@zmwatch/infra';
import { foreignPython } from '../foreign/foreign-producer.js';

const WRITER = join(REPO_ROOT, 'test', 'registry', 'register_and_encode.py');

export type AvroRecordSchema = {
  type: 'record';
  name: string;
  fields: Array<{ name: string; type: unknown; default?: unknown }>;
};

/** A checked-in contract schema (schemas/avro/<file>), parsed. */
export function contractSchema(file: string): AvroRecordSchema {
  return JSON.parse(readFileSync(join(REPO_ROOT, 'schemas', 'avro', file), 'utf8')) as AvroRecordSchema;
}

/** `schema` plus an optional string field (default null), as a producer's next version adds one. */
export function withOptionalField(schema: AvroRecordSchema, name: string): AvroRecordSchema {
  const s = structuredClone(schema);
  s.fields.push({ name, type: ['null', 'string'], default: null });
  return s;
}

/** Appends `symbol` to the named enum wherever it is defined in `schema` (in place; returns it). */
export function withEnumSymbol(schema: AvroRecordSchema, enumName: string, symbol: string): AvroRecordSchema {
  let found = false;
  const walk = (t: unknown): void => {
    if (Array.isArray(t)) return t.forEach(walk);
    if (!t || typeof t !== 'object') return;
    const o = t as Record<string, unknown>;
    if (o.type === 'enum' && o.name === enumName) {
      (o.symbols as string[]).push(symbol);
      found = true;
    }
    for (const f of (o.fields as Array<{ type: unknown }> | undefined) ?? []) walk(f.type);
    walk(o.items);
    walk(o.values);
    if (typeof o.type === 'object') walk(o.type);
  };
  walk(schema);
  if (!found) throw new Error(`no enum ${enumName} in ${schema.name}`);
  return schema;
}

/** The foreign client registers `schema` under `subject` and encodes `records` with the id it got. */
export function foreignRegisterAndEncode(
  url: string,
  subject: string,
  schema: AvroRecordSchema,
  records: object[],
): Promise<{ id: number; frames: Buffer[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'zm-foreign-schema-'));
  const file = join(dir, 'schema.json');
  writeFileSync(file, JSON.stringify(schema));
  return new Promise((resolve, reject) => {
    const child = execFile(
      foreignPython(),
      [WRITER, '--registry', url, '--subject', subject, '--schema', file],
      { timeout: 60_000 },
      (err, stdout, stderr) => {
        rmSync(dir, { recursive: true, force: true });
        if (err) return reject(new Error(`register_and_encode.py: ${stderr || err.message}`));
        const out = JSON.parse(stdout) as { id: number; frames: string[] };
        resolve({ id: out.id, frames: out.frames.map((f) => Buffer.from(f, 'base64')) });
      },
    );
    child.stdin!.end(records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  });
}

/** PUT /config/{subject}: the registry's compatibility rule for the subject. */
export async function setCompatibility(url: string, subject: string, level: string): Promise<void> {
  const res = await fetch(`${url}/config/${subject}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ compatibility: level }),
  });
  if (res.status !== 200) throw new Error(`PUT /config/${subject}: HTTP ${res.status} ${await res.text()}`);
}

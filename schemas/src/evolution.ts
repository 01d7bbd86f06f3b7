/**
 * Schema evolution rules: every `avro/<name>/v<N>.avsc` must be both backward compatible (v<N> reads
 * data written with v<N-1>) and forward compatible (v<N-1> reads data written with v<N>) — Confluent's
 * FULL_TRANSITIVE between neighbours — checked with avsc resolvers, which implement Avro resolution.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Schema } from 'avsc';
import { AVRO_DIR, readSchemaFile } from './avro-files.js';
import { typeForSchema } from './contracts.js';

export interface CompatibilityReport {
  /** The newer schema can read data written with the older one. */
  readonly backward: { ok: true } | { ok: false; error: string };
  /** The older schema can read data written with the newer one. */
  readonly forward: { ok: true } | { ok: false; error: string };
}

function canRead(reader: Schema, writer: Schema): { ok: true } | { ok: false; error: string } {
  try {
    const r = typeForSchema(reader);
    const w = typeForSchema(writer);
    if (r.name !== w.name) return { ok: false, error: `record renamed: ${w.name} -> ${r.name}` };
    r.createResolver(w);
    return { ok: true };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

/** Compatibility of `newer` against `older`, both ways. */
export function checkCompatibility(older: Schema, newer: Schema): CompatibilityReport {
  return { backward: canRead(newer, older), forward: canRead(older, newer) };
}

export interface SchemaVersionFile {
  readonly name: string;
  readonly version: number;
  /** Path relative to the avro directory, e.g. `registration/v2.avsc`. */
  readonly file: string;
}

/** Every `<name>/v<N>.avsc` under the avro directory, grouped by name and sorted by version. */
export function listSchemaVersions(dir: string = AVRO_DIR): Map<string, SchemaVersionFile[]> {
  const out = new Map<string, SchemaVersionFile[]>();
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    if (!d.isDirectory()) continue;
    const versions: SchemaVersionFile[] = [];
    for (const f of readdirSync(`${dir}${d.name}`)) {
      const m = /^v(\d+)\.avsc$/.exec(f);
      if (m) versions.push({ name: d.name, version: Number(m[1]), file: `${d.name}/${f}` });
    }
    versions.sort((a, b) => a.version - b.version);
    out.set(d.name, versions);
  }
  return out;
}

export interface EvolutionProblem {
  readonly name: string;
  readonly from: number;
  readonly to: number;
  readonly direction: 'backward' | 'forward' | 'numbering';
  readonly error: string;
}

/** Checks each schema version against the previous one, both ways. Empty result = all compatible. */
export function checkAllEvolution(dir: string = AVRO_DIR): EvolutionProblem[] {
  const problems: EvolutionProblem[] = [];
  for (const [name, versions] of listSchemaVersions(dir)) {
    versions.forEach((v, i) => {
      if (v.version !== i + 1) {
        problems.push({
          name,
          from: i,
          to: v.version,
          direction: 'numbering',
          error: `expected v${i + 1}.avsc, found ${v.file}`,
        });
      }
    });
    for (let i = 1; i < versions.length; i++) {
      const prev = versions[i - 1]!;
      const next = versions[i]!;
      const load = (f: SchemaVersionFile): Schema =>
        dir === AVRO_DIR
          ? readSchemaFile(f.file)
          : (JSON.parse(readFileSync(`${dir}${f.file}`, 'utf8')) as Schema);
      const report = checkCompatibility(load(prev), load(next));
      for (const direction of ['backward', 'forward'] as const) {
        const r = report[direction];
        if (!r.ok) problems.push({ name, from: prev.version, to: next.version, direction, error: r.error });
      }
    }
  }
  return problems;
}

import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Schema } from 'avsc';
import { checkAllEvolution, checkCompatibility } from '../src/index.js';
import { AVRO_DIR, readCatalogFile, readSchemaFile } from '../src/avro-files.js';
import { listSchemaVersions } from '../src/evolution.js';
import { resolveSchema, isTimestampMillis, type AvroSchemaJson, type Node } from '../src/schema-walk.js';

type MutableSchema = {
  name: string;
  fields: { name: string; type: unknown; default?: unknown; doc?: string }[];
};
const clone = (file: string) => structuredClone(readSchemaFile(file)) as unknown as MutableSchema;

describe('schema evolution: every version is compatible with the previous one, both ways', () => {
  it('walks every schema directory and finds no backward or forward incompatibility', () => {
    const versions = listSchemaVersions();
    assert.deepEqual([...versions.keys()].sort(), [
      'access-audit',
      'alert',
      'case-outcome',
      'declaration',
      'registration',
    ]);
    assert.ok(versions.get('registration')!.length >= 2, 'registration keeps v1 and v2 side by side');
    assert.ok(versions.get('declaration')!.length >= 2, 'declaration keeps v1 and v2 side by side');
    assert.ok(versions.get('alert')!.length >= 2, 'alert keeps v1 and v2 side by side');
    assert.deepEqual(checkAllEvolution(), []);
  });

  it('alert v1 <-> v2 (revisions, status, parties, timeline, numeric facts) resolve both ways', () => {
    assert.deepEqual(checkCompatibility(readSchemaFile('alert/v1.avsc'), readSchemaFile('alert/v2.avsc')), {
      backward: { ok: true },
      forward: { ok: true },
    });
    // ...and the check is not vacuous: v2 without the default on `revision` is not backward compatible.
    const noDefault = clone('alert/v2.avsc');
    delete noDefault.fields.find((f) => f.name === 'revision')!.default;
    const r = checkCompatibility(readSchemaFile('alert/v1.avsc'), noDefault as unknown as Schema);
    assert.equal(r.backward.ok, false);
  });

  it('alert v2 <-> v3 (typologies, rule typology, entity evidence) resolve both ways', () => {
    assert.deepEqual(checkCompatibility(readSchemaFile('alert/v2.avsc'), readSchemaFile('alert/v3.avsc')), {
      backward: { ok: true },
      forward: { ok: true },
    });
    assert.deepEqual(checkCompatibility(readSchemaFile('alert/v1.avsc'), readSchemaFile('alert/v3.avsc')), {
      backward: { ok: true },
      forward: { ok: true },
    });
    // ...and not vacuously: v3 without the default on `typologies` cannot read v2 records.
    const noDefault = clone('alert/v3.avsc');
    delete noDefault.fields.find((f) => f.name === 'typologies')!.default;
    assert.equal(
      checkCompatibility(readSchemaFile('alert/v2.avsc'), noDefault as unknown as Schema).backward.ok,
      false,
    );
  });

  it('every .avsc file is in catalog.json and every catalog entry points at one; ids are unique', () => {
    const files = [...listSchemaVersions().values()]
      .flat()
      .map((v) => v.file)
      .sort();
    const catalog = readCatalogFile();
    assert.deepEqual(catalog.map((e) => e.file).sort(), files);
    assert.equal(new Set(catalog.map((e) => e.id)).size, catalog.length);
    for (const e of catalog) assert.equal(e.file, `${e.file.split('/')[0]}/v${e.version}.avsc`);
  });
});

describe('schema evolution: the checker catches breaking changes', () => {
  it('a new required field without default breaks backward compatibility', () => {
    const next = clone('registration/v2.avsc');
    next.fields.push({ name: 'colour', type: 'string', doc: 'paint' });
    const r = checkCompatibility(readSchemaFile('registration/v2.avsc'), next as unknown as Schema);
    assert.equal(r.backward.ok, false);
    assert.equal(r.forward.ok, true);
  });

  it('removing a field that has no default breaks forward compatibility', () => {
    const next = clone('alert/v1.avsc');
    next.fields = next.fields.filter((f) => f.name !== 'exporterId');
    const r = checkCompatibility(readSchemaFile('alert/v1.avsc'), next as unknown as Schema);
    assert.equal(r.backward.ok, true);
    assert.equal(r.forward.ok, false);
  });

  it('adding an enum symbol breaks forward compatibility when the old enum has no default', () => {
    const old = clone('case-outcome/v1.avsc');
    const decision = old.fields.find((f) => f.name === 'decision')!.type as {
      default?: string;
      symbols: string[];
    };
    delete decision.default;
    const next = structuredClone(old);
    (next.fields.find((f) => f.name === 'decision')!.type as { symbols: string[] }).symbols.push('ESCALATED');
    const r = checkCompatibility(old as unknown as Schema, next as unknown as Schema);
    assert.equal(r.forward.ok, false);
    // ...and is fine with the default our schemas carry
    const withDefault = clone('case-outcome/v1.avsc');
    const next2 = structuredClone(withDefault);
    (next2.fields.find((f) => f.name === 'decision')!.type as { symbols: string[] }).symbols.push(
      'ESCALATED',
    );
    assert.deepEqual(checkCompatibility(withDefault as unknown as Schema, next2 as unknown as Schema), {
      backward: { ok: true },
      forward: { ok: true },
    });
  });

  it('changing a field type or renaming the record is reported', () => {
    const typeChange = clone('alert/v1.avsc');
    typeChange.fields.find((f) => f.name === 'score')!.type = 'string';
    const r1 = checkCompatibility(readSchemaFile('alert/v1.avsc'), typeChange as unknown as Schema);
    assert.equal(r1.backward.ok || r1.forward.ok, false);
    const renamed = clone('alert/v1.avsc');
    renamed.name = 'Alarm';
    assert.equal(
      checkCompatibility(readSchemaFile('alert/v1.avsc'), renamed as unknown as Schema).backward.ok,
      false,
    );
  });

  it('checkAllEvolution fails on a directory holding a breaking v2 (what CI would see)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zm-evo-'));
    try {
      mkdirSync(join(dir, 'alert'));
      writeFileSync(join(dir, 'alert', 'v1.avsc'), JSON.stringify(readSchemaFile('alert/v1.avsc')));
      const v2 = clone('alert/v1.avsc');
      v2.fields.push({ name: 'ticket', type: 'string', doc: 'required, no default' });
      writeFileSync(join(dir, 'alert', 'v2.avsc'), JSON.stringify(v2));
      const problems = checkAllEvolution(`${dir}/`);
      assert.equal(problems.length, 1);
      assert.equal(problems[0]!.direction, 'backward');
      assert.equal(problems[0]!.name, 'alert');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('schema conventions', () => {
  const files = readdirSync(AVRO_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => readdirSync(join(AVRO_DIR, d.name)).map((f) => `${d.name}/${f}`));

  for (const file of files) {
    it(`${file}: namespace, doc on every field, enum defaults, null-default optionals, timestamp-millis times`, () => {
      const raw = readSchemaFile(file) as unknown as { namespace?: string; doc?: string };
      assert.match(raw.namespace ?? '', /^dev\.zmwatch\.v\d+$/);
      assert.ok(raw.doc, 'record doc');
      const seen = new Set<Node>();
      const visit = (n: Node, where: string): void => {
        if (seen.has(n)) return;
        seen.add(n);
        if (n.kind === 'record') {
          assert.ok(n.doc, `${where}: record ${n.name} has a doc`);
          for (const f of n.fields) {
            assert.ok(f.doc, `${where}.${f.name}: doc`);
            if (f.type.kind === 'union') {
              const first = f.type.branches[0]!;
              assert.ok(first.kind === 'primitive' && first.name === 'null', `${f.name}: null first`);
              assert.ok(
                f.hasDefault && f.defaultValue === null,
                `${where}.${f.name}: optional field defaults to null`,
              );
            }
            if (/(Time|At)$/.test(f.name)) {
              const t = f.type.kind === 'union' ? f.type.branches[1]! : f.type;
              assert.ok(isTimestampMillis(t), `${where}.${f.name}: timestamp-millis`);
            }
            visit(f.type, `${where}.${f.name}`);
          }
        } else if (n.kind === 'enum') {
          assert.ok(
            n.default && n.symbols.includes(n.default),
            `${where}: enum ${n.name} has a default symbol`,
          );
        } else if (n.kind === 'union') n.branches.forEach((b) => visit(b, where));
        else if (n.kind === 'array') visit(n.items, where);
        else if (n.kind === 'map') visit(n.values, where);
      };
      visit(resolveSchema(raw as AvroSchemaJson), file);
    });
  }
});

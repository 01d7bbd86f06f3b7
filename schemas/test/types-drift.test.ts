import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { generateTypesSource, GENERATED_TYPES_PATH } from '../src/codegen.js';
import {
  ALL_TOPICS,
  FUEL_TYPE_SYMBOLS,
  PARTY_TYPE_SYMBOLS,
  type RegistrationEvent,
  type TopicRecordMap,
} from '../src/index.js';
import { getContracts } from '../src/contracts.js';
import { readSchemaFile } from '../src/avro-files.js';

describe('generated TypeScript types match the .avsc files', () => {
  it('src/generated/types.ts is exactly what gen-types produces from the schemas (run schemas/scripts/gen-types.ts)', async () => {
    const checkedIn = readFileSync(GENERATED_TYPES_PATH, 'utf8');
    assert.equal(checkedIn, await generateTypesSource());
  });

  it('enum symbol constants come from the latest schemas', () => {
    const reg = readSchemaFile('registration/v2.avsc') as unknown as {
      fields: { name: string; type: { symbols?: string[] } }[];
    };
    assert.deepEqual([...FUEL_TYPE_SYMBOLS], reg.fields.find((f) => f.name === 'fuelType')!.type.symbols);
    assert.ok(PARTY_TYPE_SYMBOLS.includes('LICENSED_EXPORTER'));
  });

  it('TopicRecordMap covers every topic with a contract', () => {
    assert.deepEqual([...getContracts().keys()].sort(), [...ALL_TOPICS].sort());
    // compile-time: the map's keys are exactly the topics
    const keys: Record<keyof TopicRecordMap, true> = {
      'vehicle.registrations.v1': true,
      'customs.declarations.v1': true,
      'zm.alerts.v1': true,
      'zm.case-outcomes.v1': true,
      'zm.access-audit.v1': true,
    };
    assert.equal(Object.keys(keys).length, ALL_TOPICS.length);
    const _typed: TopicRecordMap['vehicle.registrations.v1'] extends RegistrationEvent ? true : false = true;
    assert.ok(_typed);
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createCodec,
  createEmbeddedCatalog,
  SchemaRegistryError,
  TOPICS,
  UnknownSchemaIdError,
  type SchemaCatalog,
} from '@zmwatch/schemas';
import { makeAlert } from '@zmwatch/test-support/cases';
import { randomVin } from '@zmwatch/test-support/vins';
import { decodeFeedAlert } from '../src/alerts/decode-feed-alert.js';

const embedded = await createCodec();

/** A registry-backed codec with an in-memory "registry" that serves the alert schema as id 7777. */
async function registryCodec(failures: number) {
  const alertSchema = (await createEmbeddedCatalog().schemaById(embedded.schemaIdFor(TOPICS.alerts))).schema;
  const state = { failures, fetches: 0 };
  const catalog: SchemaCatalog = {
    kind: 'registry',
    idFor: () => Promise.resolve(9000),
    schemaById(id) {
      state.fetches++;
      if (state.failures-- > 0) return Promise.reject(new SchemaRegistryError('unreachable', undefined));
      return id === 7777
        ? Promise.resolve({ id, schema: alertSchema })
        : Promise.reject(new UnknownSchemaIdError(id));
    },
    preload: () => Promise.resolve([]),
  };
  return { codec: await createCodec({ catalog }), state };
}

function framedAs(id: number) {
  const alert = makeAlert(randomVin());
  const bytes = embedded.encode(TOPICS.alerts, alert);
  bytes.writeUInt32BE(id, 1);
  return { alert, bytes };
}

test('an unseen writer id is fetched; while the registry is down the feed waits and retries instead of skipping', async () => {
  const { codec, state } = await registryCodec(2);
  const { alert, bytes } = framedAs(7777);
  const retries: number[] = [];
  const got = await decodeFeedAlert(codec, bytes, {
    isRunning: () => true,
    onRetry: (_err, attempt) => retries.push(attempt),
    maxDelayMs: 20,
  });
  assert.deepEqual(retries, [0, 1]);
  assert.equal(state.fetches, 3);
  assert.deepEqual(JSON.parse(JSON.stringify(got)), alert);
});

test('a feed that stops while waiting gives the alert up (undefined) instead of hanging its shutdown', async () => {
  const { codec } = await registryCodec(1_000);
  let running = true;
  const got = await decodeFeedAlert(codec, framedAs(7777).bytes, {
    isRunning: () => running,
    onRetry: () => (running = false),
    maxDelayMs: 20,
  });
  assert.equal(got, undefined);
});

test('an alert that can never decode (unknown id) rejects at once, for the caller to log and skip', async () => {
  const { codec } = await registryCodec(0);
  await assert.rejects(
    decodeFeedAlert(codec, framedAs(4242).bytes, {
      isRunning: () => true,
      onRetry: () => assert.fail('no retry'),
    }),
    UnknownSchemaIdError,
  );
});

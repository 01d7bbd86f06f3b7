/**
 * The console against the real local stack (Kafka for the feed and ops views; the case backend is a
 * stub here, the browser tests in test/e2e use the real workflows): live alert feed over SSE,
 * lag with time lag read from Kafka, dead letters listed and replayed through the API.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import {
  buildDeadLetter,
  contractPartition,
  createCodec,
  DAY_MS,
  repartitionTopicFor,
  type Codec,
  type RegistrationEvent,
} from '@zmwatch/schemas';
import { makeAlert } from '@zmwatch/test-support/cases';
import { randomVin } from '@zmwatch/test-support/vins';
import { createApp, type ConsoleApp } from '../src/app.js';
import { parseUsers } from '../src/auth/users.js';
import { DEFAULT_AUDIT, DEFAULT_SECURITY, DEFAULT_USERS_FILE } from '../src/config.js';
import { stackAddresses } from '@zmwatch/kit';

const brokers = stackAddresses().brokers;
const run = `console-it-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const alertsTopic = `${run}.zm.alerts.v1`;
const auditTopic = `${run}.zm.access-audit.v1`;
const inputTopic = `${run}.input`;
const feedTopic = `${run}.registrations`;
const missingFeed = `${run}.no-such-feed`;
const kafka = new Kafka({ clientId: run, brokers, logLevel: logLevel.NOTHING });
let admin: Admin;
let producer: Producer;
let codec: Codec;
let app: ConsoleApp;

const noCases = {
  listQueue: async () => ({ cases: [], nextPageToken: null }),
  listCases: async () => ({ cases: [], nextPageToken: null }),
  listBreached: async () => ({ cases: [], nextPageToken: null }),
  readCase: async () => null,
  claim: async () => {
    throw new Error('unused');
  },
  release: async () => {
    throw new Error('unused');
  },
  addNote: async () => {
    throw new Error('unused');
  },
  decide: async () => {
    throw new Error('unused');
  },
  reassign: async () => {
    throw new Error('unused');
  },
};

before(async () => {
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic: alertsTopic, numPartitions: 3 },
      { topic: inputTopic, numPartitions: 2 },
      { topic: `${inputTopic}.dlq`, numPartitions: 1 },
      { topic: feedTopic, numPartitions: 3 },
      { topic: repartitionTopicFor(feedTopic), numPartitions: 3 },
    ],
  });
  producer = kafka.producer();
  await producer.connect();
  codec = await createCodec();
  app = createApp(
    {
      host: '127.0.0.1',
      port: 0,
      users: parseUsers(readFileSync(DEFAULT_USERS_FILE, 'utf8'), 'users'),
      secureCookie: false,
      sessionIdleMs: 600_000,
      sessionMaxMs: 600_000,
      security: { ...DEFAULT_SECURITY, metricsListener: { host: '127.0.0.1', port: 0 } },
      brokers,
      temporalAddress: 'unused',
      temporalNamespace: 'default',
      casesTaskQueue: 'unused',
      queues: ['standard'],
      alertsTopic,
      feedSize: 20,
      lag: {
        intervalMs: 300,
        windowSize: 3,
        historySize: 50,
        groupPattern: `^${run}-`,
        topicPattern: `^${run}\\.`,
      },
      feedCheck: { topics: [feedTopic, missingFeed], sample: 100, cacheMs: 60_000 },
      audit: { ...DEFAULT_AUDIT, topic: auditTopic, flushIntervalMs: 50 },
      logLevel: 'silent',
    },
    { cases: noCases },
  );
  await app.start();
  for (let i = 0; i < 100 && !(await fetch(`${app.url}/readyz`)).ok; i++)
    await new Promise((r) => setTimeout(r, 200));
});

after(async () => {
  await app.stop();
  await producer.disconnect();
  await admin
    .deleteTopics({
      topics: [
        alertsTopic,
        inputTopic,
        `${inputTopic}.dlq`,
        feedTopic,
        repartitionTopicFor(feedTopic),
        auditTopic,
      ],
    })
    .catch(() => undefined);
  await admin.disconnect();
});

async function session(user: string) {
  const res = await fetch(`${app.url}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: user, password: `${user}-demo` }),
  });
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  return { cookie: res.headers.get('set-cookie')!.split(';')[0]!, csrf: csrfToken };
}

async function poll<T>(what: string, probe: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('alerts produced after start reach the feed, and SSE subscribers get them with the severity filter', async () => {
  const customs = await session('customs');
  const ctrl = new AbortController();
  const stream = await fetch(`${app.url}/api/alerts/stream?severity=CRITICAL`, {
    headers: { cookie: customs.cookie },
    signal: ctrl.signal,
  });
  assert.equal(stream.status, 200);
  assert.match(stream.headers.get('content-type') ?? '', /text\/event-stream/);
  const critical = makeAlert(randomVin(), { severity: 'CRITICAL' });
  const low = makeAlert(randomVin(), { severity: 'LOW' });
  await producer.send({
    topic: alertsTopic,
    messages: [low, critical].map((a) => ({ key: a.vin, value: codec.encode('zm.alerts.v1', a) })),
  });
  const reader = stream.body!.getReader();
  let text = '';
  await poll('the critical alert on the stream', async () => {
    const { value } = await reader.read();
    text += Buffer.from(value ?? new Uint8Array()).toString('utf8');
    return text.includes(critical.vin) ? true : undefined;
  });
  ctrl.abort();
  assert.ok(!text.includes(low.vin), 'LOW filtered out on the server');
  assert.match(text, /event: alert\nid: \d+-\d+\ndata: \{"alertId":"zma-/);

  const recent = await fetch(`${app.url}/api/alerts/recent`, { headers: { cookie: customs.cookie } });
  const vins = ((await recent.json()) as { alerts: Array<{ vin: string }> }).alerts.map((a) => a.vin);
  assert.ok(vins.includes(low.vin) && vins.includes(critical.vin));
  // By typology: these alerts reached zero-mileage only.
  const byTypology = async (t: string) =>
    (
      (await (
        await fetch(`${app.url}/api/alerts/recent?typology=${t}`, { headers: { cookie: customs.cookie } })
      ).json()) as { alerts: Array<{ vin: string }> }
    ).alerts.map((a) => a.vin);
  assert.ok((await byTypology('ZERO_MILEAGE')).includes(critical.vin));
  assert.ok(!(await byTypology('RING_OR_TRADER')).includes(critical.vin));
});

test('ops sees a stopped group with offset and time lag, and its chart', async () => {
  const groupId = `${run}-worker`;
  await producer.send({
    topic: inputTopic,
    messages: [
      { key: 'a', value: 'x', partition: 0 },
      { key: 'b', value: 'y', partition: 0 },
    ],
  });
  await admin.setOffsets({ groupId, topic: inputTopic, partitions: [{ partition: 0, offset: '0' }] });
  const ops = await session('ops');
  const group = await poll('the group in the lag view', async () => {
    const res = await fetch(`${app.url}/api/ops/lag`, { headers: { cookie: ops.cookie } });
    const body = (await res.json()) as {
      groups: Array<{ groupId: string; status: string; totalLag: number; maxTimeLagMs: number | null }>;
    };
    // setOffsets joins briefly as a member: wait until the group is seen empty.
    return body.groups.find((g) => g.groupId === groupId && g.status === 'STOPPED');
  });
  assert.equal(group.status, 'STOPPED', JSON.stringify(group));
  assert.equal(group.totalLag, 2);
  assert.ok(group.maxTimeLagMs !== null && group.maxTimeLagMs >= 0);
  const chart = await fetch(`${app.url}/api/ops/lag/${encodeURIComponent(groupId)}/chart.svg`, {
    headers: { cookie: ops.cookie },
  });
  assert.equal(chart.headers.get('content-type'), 'image/svg+xml; charset=utf-8');
  assert.match(await chart.text(), /<path d="M/);
  const metrics = await (await fetch(`${app.metricsUrl}/metrics`)).text();
  assert.match(
    metrics,
    new RegExp(`zm_consumer_lag_messages\\{group="${groupId}",topic="${inputTopic}",partition="0"[^}]*\\} 2`),
  );
  await admin.deleteGroups([groupId]).catch(() => undefined);
});

test('dead letters are listed decoded with their error and replayed to the source topic', async () => {
  const letter = buildDeadLetter({
    topic: inputTopic,
    partition: 1,
    message: {
      key: Buffer.from('VIN1'),
      value: codec.encode('zm.alerts.v1', makeAlert(randomVin())),
      offset: '7',
      headers: { trace: 't1' },
    },
    error: Object.assign(new Error('schema mismatch'), { code: 'SchemaMismatch' }),
    service: 'detector',
  });
  await producer.send({
    topic: letter.topic,
    messages: [{ key: letter.key, value: letter.value, headers: letter.headers }],
  });
  const ops = await session('ops');
  const list = await fetch(`${app.url}/api/ops/dlq/${inputTopic}.dlq/letters`, {
    headers: { cookie: ops.cookie },
  });
  const { letters } = (await list.json()) as {
    letters: Array<{
      offset: string;
      errorClass: string;
      source: { offset: string };
      decoded: { topic?: string };
    }>;
  };
  assert.equal(letters.length, 1);
  assert.equal(letters[0]!.errorClass, 'SchemaMismatch');
  assert.equal(letters[0]!.source.offset, '7');
  assert.equal(letters[0]!.decoded.topic, 'zm.alerts.v1');

  const analyst = await session('analyst');
  const refused = await fetch(`${app.url}/api/ops/dlq/${inputTopic}.dlq/replay`, {
    method: 'POST',
    headers: { cookie: analyst.cookie, 'x-csrf-token': analyst.csrf, 'content-type': 'application/json' },
    body: JSON.stringify({ letters: [{ partition: 0, offset: 0 }] }),
  });
  assert.equal(refused.status, 403);
  const before =
    Number((await admin.fetchTopicOffsets(inputTopic)).find((o) => o.partition === 0)!.high) +
    Number((await admin.fetchTopicOffsets(inputTopic)).find((o) => o.partition === 1)!.high);
  const replay = await fetch(`${app.url}/api/ops/dlq/${inputTopic}.dlq/replay`, {
    method: 'POST',
    headers: { cookie: ops.cookie, 'x-csrf-token': ops.csrf, 'content-type': 'application/json' },
    body: JSON.stringify({
      letters: [
        { partition: 0, offset: 0 },
        { partition: 0, offset: 99 },
      ],
    }),
  });
  const body = (await replay.json()) as { replayed: number; results: Array<{ ok: boolean; error?: string }> };
  assert.equal(replay.status, 200, JSON.stringify(body));
  assert.equal(body.replayed, 1);
  assert.match(body.results[1]!.error ?? '', /no dead letter/);
  const afterOffsets = await admin.fetchTopicOffsets(inputTopic);
  assert.equal(
    afterOffsets.reduce((s, o) => s + Number(o.high), 0),
    before + 1,
  );
});

function registration(vin: string): RegistrationEvent {
  const t = Date.now() - 60_000;
  return {
    eventId: `reg-${vin}`,
    eventType: 'FIRST_REGISTRATION',
    vin,
    vinCheckDigitValid: true,
    jurisdiction: 'CN-GD',
    party: { id: 'P1', type: 'TRADING_COMPANY' },
    pendingExport: false,
    deregistrationReason: null,
    condition: 'NEW',
    make: 'BYD',
    model: 'Song',
    modelYear: 2026,
    fuelType: 'PHEV',
    odometerKm: 3,
    priceCny: 159800,
    plateNumber: null,
    sourceSystem: 'test',
    eventTime: t,
    recordedAt: t,
  };
}

test('ops sees the feed check of the input topics (cached) and the re-route counts', async () => {
  // Three records where the contract puts them, three where a CRC32 partitioner (librdkafka's
  // default) does, one keyed in lower case.
  const crcPartition = (key: string) => crc32(Buffer.from(key)) % 3;
  const misplaced: string[] = [];
  while (misplaced.length < 3) {
    const v = randomVin();
    if (crcPartition(v) !== contractPartition(v, 3)) misplaced.push(v);
  }
  const placed = [randomVin(), randomVin(), randomVin()];
  const lower = randomVin();
  const value = (v: string) => codec.encode('vehicle.registrations.v1', registration(v));
  await producer.send({
    topic: feedTopic,
    messages: [
      ...placed.map((v) => ({ key: v, value: value(v), partition: contractPartition(v, 3) })),
      ...misplaced.map((v) => ({ key: v, value: value(v), partition: crcPartition(v) })),
      { key: lower.toLowerCase(), value: value(lower), partition: 0 },
    ],
  });
  await producer.send({
    topic: repartitionTopicFor(feedTopic),
    messages: misplaced
      .slice(0, 2)
      .map((v) => ({ key: v, value: value(v), partition: contractPartition(v, 3) })),
  });

  const analyst = await session('analyst');
  assert.equal(
    (await fetch(`${app.url}/api/ops/feeds`, { headers: { cookie: analyst.cookie } })).status,
    403,
  );

  const ops = await session('ops');
  interface Health {
    at: number;
    missing: string[];
    report: {
      ok: boolean;
      problems: string[];
      topics: Array<{
        topic: string;
        sampled: number;
        partitions: number;
        wrongPartition: { count: number; likelyPartitioner: string | null };
        keyNotVin: { count: number };
      }>;
    };
    reroutes: Array<{ topic: string; repartitionTopic: string; records: number | null }>;
  }
  const feeds = async (query = '') => {
    const res = await fetch(`${app.url}/api/ops/feeds${query}`, { headers: { cookie: ops.cookie } });
    assert.equal(res.status, 200);
    return (await res.json()) as Health;
  };
  const first = await feeds();
  assert.deepEqual(first.missing, [missingFeed]);
  assert.equal(first.report.ok, false);
  const [t] = first.report.topics;
  assert.equal(t!.topic, feedTopic);
  assert.equal(t!.partitions, 3);
  assert.equal(t!.sampled, 7);
  assert.equal(t!.wrongPartition.count, 3);
  assert.equal(t!.wrongPartition.likelyPartitioner, 'crc32');
  assert.equal(t!.keyNotVin.count, 1);
  assert.equal(first.report.problems.length, 2);
  assert.deepEqual(first.reroutes, [
    { topic: feedTopic, repartitionTopic: repartitionTopicFor(feedTopic), records: 2 },
  ]);

  const v = randomVin();
  await producer.send({
    topic: feedTopic,
    messages: [{ key: v, value: value(v), partition: contractPartition(v, 3) }],
  });
  const cached = await feeds();
  assert.equal(cached.at, first.at, 'a page refresh within the cache time reuses the check');
  assert.equal(cached.report.topics[0]!.sampled, 7);
  const fresh = await feeds('?refresh=1');
  assert.ok(fresh.at > first.at);
  assert.equal(fresh.report.topics[0]!.sampled, 8);
});

test('the access audit: supervisors read who viewed what and export it; analysts may not; retention is set', async () => {
  const supervisor = await session('supervisor');
  const analyst = await session('analyst');
  const refused = await fetch(`${app.url}/api/audit`, { headers: { cookie: analyst.cookie } });
  assert.equal(refused.status, 403, 'analysts do not read the audit');

  const first = await fetch(`${app.url}/api/audit?limit=10`, { headers: { cookie: supervisor.cookie } });
  assert.equal(first.status, 200);
  assert.equal(
    ((await first.json()) as { retentionDays: number }).retentionDays,
    DEFAULT_AUDIT.retentionDays,
  );
  // That read is itself an access, written to the topic within the flush interval.
  type Page = { entries: Array<Record<string, unknown>>; truncated: boolean; undecodable: number };
  const page = await poll('the audit read recorded', async () => {
    const res = await fetch(`${app.url}/api/audit?user=supervisor&action=view_audit`, {
      headers: { cookie: supervisor.cookie },
    });
    const p = (await res.json()) as Page;
    return p.entries.length > 0 ? p : undefined;
  });
  const entry = page.entries[0]!;
  assert.equal(entry.userId, 'supervisor');
  assert.equal(entry.role, 'supervisor');
  assert.equal(entry.action, 'VIEW_AUDIT');
  assert.equal(entry.clientAddress, '127.0.0.1');
  assert.equal(page.undecodable, 0);
  assert.ok(
    page.entries.every((e) => e.userId === 'supervisor'),
    'the refused analyst read was not recorded as an access',
  );

  const csv = await fetch(`${app.url}/api/audit.csv?user=supervisor`, {
    headers: { cookie: supervisor.cookie },
  });
  assert.equal(csv.status, 200);
  assert.match(csv.headers.get('content-disposition') ?? '', /zmwatch-access-audit\.csv/);
  const lines = (await csv.text()).trimEnd().split('\r\n');
  assert.equal(
    lines[0],
    'at,userId,role,action,subjectKind,subjectId,clientAddress,detail,userAgent,accessId',
  );
  assert.ok(lines.slice(1).some((l) => l.includes(',supervisor,supervisor,VIEW_AUDIT,audit,')));
  // The export is recorded too.
  await poll('the export recorded', async () => {
    const res = await fetch(`${app.url}/api/audit?action=EXPORT_CSV`, {
      headers: { cookie: supervisor.cookie },
    });
    return ((await res.json()) as Page).entries.some((e) => e.subjectKind === 'audit') ? true : undefined;
  });
  const bad = await fetch(`${app.url}/api/audit?since=yesterday`, { headers: { cookie: supervisor.cookie } });
  assert.equal(bad.status, 400);
  assert.match(((await bad.json()) as { error: string }).error, /since must be an ISO 8601 time/);

  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: 2, name: auditTopic, configNames: ['retention.ms'] }],
  });
  assert.equal(
    described.resources[0]!.configEntries.find((c) => c.configName === 'retention.ms')?.configValue,
    String(DEFAULT_AUDIT.retentionDays * DAY_MS),
  );
});

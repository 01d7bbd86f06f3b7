/**
 * TLS and mutual TLS against real servers, configured the way a service is (the ZM_*_TLS*
 * variables through kit's parsers): a private KRaft broker whose only client listener is SSL and
 * requires client certificates, a private redis-server listening on TLS only (plaintext port 0,
 * client certificates required), and the stack's Temporal dev server behind a TLS terminator that
 * requires client certificates (the dev server itself has no TLS settings; production Temporal
 * terminates mTLS in its frontend or in a proxy like this one). Certificates come from a
 * throw-away CA made with openssl; a second, untrusted CA signs the certificates that must fail.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { logLevel } from 'kafkajs';
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import {
  createKafka,
  createLogger,
  createRedis,
  DEFAULT_PORTS,
  loadKafkaSecurity,
  loadRedisConnection,
  loadTemporalTls,
  temporalTlsOptions,
  type RedisClient,
} from '@zmwatch/kit';
import { kafkaNodeComponent, redisNodeComponent, REPO_ROOT } from '@zmwatch/infra';
import { stack, uniqueName } from '@zmwatch/test-support/stack';
import { privateSettings, startPrivate } from './private-server.js';
import { makeTestPki, SERVER_ALT_NAME, type TestPki } from './test-pki.js';
import { startTlsFront, type TlsFront } from './tls-front.js';
import { kafkaRoundTrip, stateStoreRoundTrip } from './round-trips.js';

const pkiDir = join(REPO_ROOT, '.zmwatch', uniqueName('tls-pki'));
const pki: TestPki = makeTestPki(pkiDir);

const kafkaNode = {
  id: 1,
  port: DEFAULT_PORTS.tlsTestKafka,
  controllerPort: DEFAULT_PORTS.tlsTestKafkaController,
};
const REDIS_URL = `rediss://127.0.0.1:${DEFAULT_PORTS.tlsTestRedis}`;
const TEMPORAL_FRONT = `127.0.0.1:${DEFAULT_PORTS.tlsTestTemporal}`;

/** The TLS variables of one prefix with the given CA and client certificate. */
function tlsVars(prefix: string, ca: string, client?: { certFile: string; keyFile: string }) {
  return {
    [prefix]: 'true',
    [`${prefix}_CA_FILE`]: ca,
    ...(client ? { [`${prefix}_CERT_FILE`]: client.certFile, [`${prefix}_KEY_FILE`]: client.keyFile } : {}),
  };
}

function redisFromEnv(env: Record<string, string>): RedisClient {
  const redis = createRedis(loadRedisConnection({ ZM_REDIS_URL: REDIS_URL, ...env }), {
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  return redis;
}

function kafkaFromEnv(env: Record<string, string>, retries = 8) {
  return createKafka({
    retry: { initialRetryTime: 200, retries },
    clientId: 'tls-test',
    brokers: [`127.0.0.1:${kafkaNode.port}`],
    logger: createLogger('tls-test', 'silent'),
    level: logLevel.NOTHING,
    security: loadKafkaSecurity(env),
  });
}

/** What a client that must be refused saw; fails if it was let in. */
async function refusalOf(attempt: () => Promise<unknown>): Promise<string> {
  try {
    await attempt();
  } catch (err) {
    return String((err as Error).message);
  }
  assert.fail('the server accepted the client');
}

const servers: Array<{ stop(): Promise<void> }> = [];
let front: TlsFront | undefined;

before(async () => {
  const redisSettings = privateSettings('redis-tls');
  const redis = redisNodeComponent(redisSettings, {
    name: 'redis-tls',
    port: DEFAULT_PORTS.tlsTestRedis,
    extraConf: [
      'port 0', // no plaintext listener at all
      `tls-port ${DEFAULT_PORTS.tlsTestRedis}`,
      `tls-cert-file ${pki.server.certFile}`,
      `tls-key-file ${pki.server.keyFile}`,
      `tls-ca-cert-file ${pki.caFile}`,
      'tls-auth-clients yes',
    ],
  });
  const probeWithTls = {
    ...redis,
    async health() {
      const c = redisFromEnv(tlsVars('ZM_REDIS_TLS', pki.caFile, pki.client));
      c.on('error', () => {});
      try {
        await c.connect();
        return await c.ping();
      } finally {
        c.disconnect();
      }
    },
  };
  const kafkaSettings = privateSettings('kafka-tls');
  const kafka = kafkaNodeComponent(kafkaSettings, {
    name: 'kafka-tls',
    node: kafkaNode,
    voters: [kafkaNode],
    replicationFactor: 1,
    heap: { min: '128m', max: '384m' },
    tls: { ...pki.server, caFile: pki.caFile, clientAuth: true },
  });
  const [host, port] = stack.temporalAddress.split(':');
  const [r, k, f] = await Promise.all([
    startPrivate(redisSettings, probeWithTls, 15_000),
    startPrivate(kafkaSettings, kafka, 60_000),
    startTlsFront({
      port: DEFAULT_PORTS.tlsTestTemporal,
      target: { host: host!, port: Number(port) },
      server: pki.server,
      caFile: pki.caFile,
    }),
  ]);
  servers.push(r, k);
  front = f;
});

after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await front?.close();
  rmSync(pkiDir, { recursive: true, force: true });
});

test("redis over mutual TLS from ZM_REDIS_URL=rediss:// and ZM_REDIS_TLS_*: the detector's state store writes and reads", async () => {
  const redis = redisFromEnv(tlsVars('ZM_REDIS_TLS', pki.caFile, pki.client));
  await redis.connect();
  try {
    await stateStoreRoundTrip(redis, uniqueName('zmtls'));
  } finally {
    redis.disconnect();
  }
});

test('redis TLS refuses: no client certificate, a certificate of another CA, a server not signed by the configured CA, plaintext', async () => {
  const attempt =
    (env: Record<string, string>, url = REDIS_URL) =>
    async () => {
      const c = createRedis(loadRedisConnection({ ZM_REDIS_URL: url, ...env }), {
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      const seen: string[] = [];
      c.on('error', (e: Error) => seen.push(e.message));
      try {
        await c.connect();
        await c.ping();
      } catch (err) {
        throw new Error([...seen, (err as Error).message].join('; '));
      } finally {
        c.disconnect();
      }
    };
  // Redis ends the handshake of a client without a certificate; ioredis sees the socket close.
  assert.match(await refusalOf(attempt(tlsVars('ZM_REDIS_TLS', pki.caFile))), /./);
  assert.match(await refusalOf(attempt(tlsVars('ZM_REDIS_TLS', pki.caFile, pki.rogueClient))), /./);
  assert.match(
    await refusalOf(attempt(tlsVars('ZM_REDIS_TLS', pki.rogueCaFile, pki.client))),
    /self[- ]signed|unable to verify|certificate/i,
  );
  assert.match(
    await refusalOf(attempt({}, `redis://127.0.0.1:${DEFAULT_PORTS.tlsTestRedis}`)),
    /./,
    'a plaintext client gets nothing from a TLS-only server',
  );
});

test('kafka over mutual TLS from ZM_KAFKA_TLS_*: create a topic, produce, consume in a group', async () => {
  await kafkaRoundTrip(kafkaFromEnv(tlsVars('ZM_KAFKA_TLS', pki.caFile, pki.client)), 'kit-tls');
});

test('kafka TLS refuses: no client certificate, another CA, an untrusted broker, plaintext', async () => {
  const attempt = (env: Record<string, string>) => async () => {
    // One attempt: a refused handshake is not going to succeed on the next try.
    const admin = kafkaFromEnv(env, 0).admin({ retry: { retries: 0 } });
    try {
      await admin.connect();
      await admin.listTopics();
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  };
  await refusalOf(attempt(tlsVars('ZM_KAFKA_TLS', pki.caFile)));
  await refusalOf(attempt(tlsVars('ZM_KAFKA_TLS', pki.caFile, pki.rogueClient)));
  assert.match(
    await refusalOf(attempt(tlsVars('ZM_KAFKA_TLS', pki.rogueCaFile, pki.client))),
    /self[- ]signed|unable to verify|certificate/i,
  );
  await refusalOf(attempt({}));
});

test('temporal over mutual TLS from ZM_TEMPORAL_TLS_*: the client (console, escalator) and the worker connection (case worker) reach the namespace', async () => {
  const tls = loadTemporalTls({
    ...tlsVars('ZM_TEMPORAL_TLS', pki.caFile, pki.client),
    ZM_TEMPORAL_TLS_SERVER_NAME: SERVER_ALT_NAME,
  });
  const before = front!.accepted.length;
  const connection = await Connection.connect({ address: TEMPORAL_FRONT, ...temporalTlsOptions(tls) });
  try {
    const ns = await connection.workflowService.describeNamespace({ namespace: 'default' });
    assert.equal(ns.namespaceInfo?.name, 'default');
  } finally {
    await connection.close();
  }
  const native = await NativeConnection.connect({ address: TEMPORAL_FRONT, ...temporalTlsOptions(tls) });
  try {
    const info = await native.workflowService.getSystemInfo({});
    assert.ok(info.serverVersion, 'the worker connection talks to the server');
  } finally {
    await native.close();
  }
  assert.ok(
    front!.accepted.slice(before).every((cn) => cn === 'zm-service') && front!.accepted.length > before,
    `handshakes presented the service certificate: ${front!.accepted.slice(before).join(', ')}`,
  );
});

test('temporal TLS refuses: no client certificate, another CA, a server name the certificate does not carry', async () => {
  const attempt = (env: Record<string, string>) => async () => {
    const connection = await Connection.connect({
      address: TEMPORAL_FRONT,
      connectTimeout: 3_000,
      ...temporalTlsOptions(loadTemporalTls(env)),
    });
    try {
      await connection.workflowService.describeNamespace({ namespace: 'default' });
    } finally {
      await connection.close();
    }
  };
  await refusalOf(attempt(tlsVars('ZM_TEMPORAL_TLS', pki.caFile)));
  await refusalOf(attempt(tlsVars('ZM_TEMPORAL_TLS', pki.caFile, pki.rogueClient)));
  await refusalOf(
    attempt({
      ...tlsVars('ZM_TEMPORAL_TLS', pki.caFile, pki.client),
      ZM_TEMPORAL_TLS_SERVER_NAME: 'someone-else.example',
    }),
  );
});

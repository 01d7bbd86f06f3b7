import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import { REPO_ROOT, VERSIONS, type KafkaNodeSettings, type StackSettings } from '../settings.js';
import { runStep, spawnDetached } from '../process.js';
import type { Component } from './component.js';

const CLUSTER_ID = 'zmwatchLocalKRaft0001A'; // fixed: the data dir is per clone, so one id is enough
const LOG4J = `-Dlog4j2.configurationFile=${join(REPO_ROOT, 'infra', 'kafka', 'log4j2.properties')}`;

/**
 * Request threads of a development broker. The defaults (3 network threads, 8 request handlers, 10
 * background threads) are sized for a server of its own; here the broker shares 2 cores with the
 * pipeline, and every thread that wakes (a fetch that completes every 100 ms tick, a poll timeout)
 * waits for a core among the others' — what the load average counts (bench/README.md "Third
 * round": Kafka's `data-plane-kafka-*` threads were runnable ~0.7 of the time for 0.1 core of CPU).
 */
export const KAFKA_DEV_THREADS = [
  'num.network.threads=1',
  'num.io.threads=2',
  'background.threads=2',
] as const;
/** G1 with one parallel and one concurrent GC thread (2 and 1 by default on 2 cores): same reasoning. */
export const KAFKA_DEV_JVM_FLAGS = ['-XX:ParallelGCThreads=1', '-XX:ConcGCThreads=1'] as const;

export const kafkaHome = (s: StackSettings) => join(s.cacheDir, `kafka-${VERSIONS.kafka}`);
const classpath = (s: StackSettings) => join(kafkaHome(s), 'libs', '*');

/** Maven-resolves the Kafka jars into the cache once (shared by every node and profile). */
export async function installKafka(s: StackSettings): Promise<void> {
  const home = kafkaHome(s);
  const libs = join(home, 'libs');
  if (existsSync(join(libs, `kafka_2.13-${VERSIONS.kafka}.jar`))) return;
  mkdirSync(home, { recursive: true });
  copyFileSync(join(REPO_ROOT, 'infra', 'kafka', 'pom.xml'), join(home, 'pom.xml'));
  const tmp = `${libs}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  runStep(`resolving Kafka ${VERSIONS.kafka} jars from Maven Central into ${libs} (first run only)`, 'mvn', [
    '-q',
    '-B',
    '-f',
    join(home, 'pom.xml'),
    'dependency:copy-dependencies',
    `-DoutputDirectory=${tmp}`,
    '-DincludeScope=runtime',
  ]);
  rmSync(libs, { recursive: true, force: true });
  renameSync(tmp, libs);
}

export interface KafkaNodeOptions {
  /** Component name and file stem (`kafka`, `kafka-2`). */
  name: string;
  node: KafkaNodeSettings;
  /** Every controller of the quorum (this node's included). */
  voters: KafkaNodeSettings[];
  /** Replication factor of the internal topics (offsets, transactions) and the broker defaults. */
  replicationFactor: number;
  heap: { min: string; max: string };
  /**
   * SASL/SCRAM instead of PLAINTEXT on the client listener (the controller listener stays
   * PLAINTEXT on loopback): users are created when the storage is formatted.
   */
  scram?: { mechanism: 'SCRAM-SHA-512'; users: Array<{ username: string; password: string }> };
  /**
   * TLS on the client listener (SSL, or SASL_SSL together with `scram`), from PEM files; with
   * `clientAuth` every client must present a certificate signed by `caFile` (mutual TLS). The
   * broker's own inter-broker client uses the same certificate.
   */
  tls?: { certFile: string; keyFile: string; caFile: string; clientAuth: boolean };
}

/** The security protocol of the client listener these options ask for. */
function listenerProtocol(o: KafkaNodeOptions): string {
  if (o.tls) return o.scram ? 'SASL_SSL' : 'SSL';
  return o.scram ? 'SASL_PLAINTEXT' : 'PLAINTEXT';
}

/** One KRaft node that is both broker and controller. */
export function kafkaNodeComponent(s: StackSettings, o: KafkaNodeOptions): Component {
  const dataDir = join(s.runDir, 'data', o.name);
  const confDir = join(s.runDir, 'conf');
  const propsFile = join(confDir, `${o.name}-server.properties`);
  const listener = listenerProtocol(o);
  // Kafka reads a PEM key store as one file holding the (unencrypted PKCS#8) key and the chain.
  const keystoreFile = join(confDir, `${o.name}-keystore.pem`);
  const minIsr = Math.min(2, o.replicationFactor);
  const sasl: SASLOptions | undefined = o.scram
    ? { mechanism: 'scram-sha-512', ...o.scram.users[0]! }
    : undefined;

  function writeProps(): void {
    mkdirSync(confDir, { recursive: true });
    if (o.tls)
      writeFileSync(
        keystoreFile,
        readFileSync(o.tls.keyFile, 'utf8') + readFileSync(o.tls.certFile, 'utf8'),
        {
          mode: 0o600,
        },
      );
    writeFileSync(
      propsFile,
      [
        'process.roles=broker,controller',
        `node.id=${o.node.id}`,
        `controller.quorum.voters=${o.voters.map((v) => `${v.id}@${s.host}:${v.controllerPort}`).join(',')}`,
        `listeners=${listener}://${s.host}:${o.node.port},CONTROLLER://${s.host}:${o.node.controllerPort}`,
        `advertised.listeners=${listener}://${s.host}:${o.node.port}`,
        'controller.listener.names=CONTROLLER',
        `listener.security.protocol.map=${listener}:${listener},CONTROLLER:PLAINTEXT`,
        `inter.broker.listener.name=${listener}`,
        ...(o.scram
          ? [
              `sasl.enabled.mechanisms=${o.scram.mechanism}`,
              `sasl.mechanism.inter.broker.protocol=${o.scram.mechanism}`,
              `listener.name.${listener.toLowerCase()}.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${o.scram.users[0]!.username}" password="${o.scram.users[0]!.password}";`,
            ]
          : []),
        ...(o.tls
          ? [
              'ssl.keystore.type=PEM',
              `ssl.keystore.location=${keystoreFile}`,
              'ssl.truststore.type=PEM',
              `ssl.truststore.location=${o.tls.caFile}`,
              `ssl.client.auth=${o.tls.clientAuth ? 'required' : 'none'}`,
            ]
          : []),
        `log.dirs=${dataDir}`,
        // Internal topics cannot have more replicas than there are brokers.
        `offsets.topic.replication.factor=${o.replicationFactor}`,
        'offsets.topic.num.partitions=12',
        `transaction.state.log.replication.factor=${o.replicationFactor}`,
        `transaction.state.log.min.isr=${minIsr}`,
        'transaction.state.log.num.partitions=4',
        `share.coordinator.state.topic.replication.factor=${o.replicationFactor}`,
        `default.replication.factor=${o.replicationFactor}`,
        `min.insync.replicas=${minIsr}`,
        // Tests start many short-lived groups; waiting 3 s for more members only slows them down.
        'group.initial.rebalance.delay.ms=0',
        // Topics are declared in infra/topics.yaml and created explicitly; a typo must not create one.
        'auto.create.topics.enable=false',
        'num.partitions=1',
        // A development broker beside the whole pipeline on a 2-core machine (KAFKA_DEV_THREADS).
        ...KAFKA_DEV_THREADS,
        '',
      ].join('\n'),
    );
  }

  return {
    name: o.name,
    group: 'kafka',
    logFile: join(s.runDir, 'logs', `${o.name}.log`),
    pidFile: join(s.runDir, 'run', `${o.name}.pid`),
    version: () => `Apache Kafka ${VERSIONS.kafka} (KRaft, kafka_2.13 from Maven Central)`,
    address: () => `${s.host}:${o.node.port}`,
    install: () => installKafka(s),
    async start() {
      writeProps();
      if (!existsSync(join(dataDir, 'meta.properties'))) {
        mkdirSync(dataDir, { recursive: true });
        const scram = (o.scram?.users ?? []).flatMap((u) => [
          '--add-scram',
          `${o.scram!.mechanism}=[name=${u.username},password=${u.password}]`,
        ]);
        const r = spawnSync(
          'java',
          [
            '-cp',
            classpath(s),
            LOG4J,
            'kafka.tools.StorageTool',
            'format',
            '-t',
            CLUSTER_ID,
            '-c',
            propsFile,
            ...scram,
          ],
          { encoding: 'utf8' },
        );
        if (r.status !== 0) throw new Error(`kafka: formatting ${dataDir} failed:\n${r.stdout}\n${r.stderr}`);
      }
      spawnDetached(
        'java',
        [
          `-Xms${o.heap.min}`,
          `-Xmx${o.heap.max}`,
          '-XX:+UseG1GC',
          ...KAFKA_DEV_JVM_FLAGS,
          '-Djava.awt.headless=true',
          LOG4J,
          '-cp',
          classpath(s),
          'kafka.Kafka',
          propsFile,
        ],
        { logFile: this.logFile, pidFile: this.pidFile },
      );
    },
    async health() {
      const kafka = new Kafka({
        clientId: 'zmwatch-stack',
        brokers: [this.address()],
        logLevel: logLevel.NOTHING,
        connectionTimeout: 1500,
        requestTimeout: 3000,
        retry: { retries: 0 },
        ...(sasl ? { sasl } : {}),
        ...(o.tls
          ? {
              ssl: {
                ca: readFileSync(o.tls.caFile),
                cert: readFileSync(o.tls.certFile),
                key: readFileSync(o.tls.keyFile),
              },
            }
          : {}),
      });
      const admin = kafka.admin();
      try {
        await admin.connect();
        const cluster = await admin.describeCluster();
        return `${cluster.brokers.length} broker(s), controller ${cluster.controller}`;
      } finally {
        await admin.disconnect().catch(() => {});
      }
    },
  };
}

/** The profile's Kafka: one node (`kafka`) or, on the cluster profile, `kafka-1`…`kafka-3`. */
export function kafkaComponents(s: StackSettings): Component[] {
  const cluster = s.kafkaNodes.length > 1;
  return s.kafkaNodes.map((node) =>
    kafkaNodeComponent(s, {
      name: cluster ? `kafka-${node.id}` : 'kafka',
      node,
      voters: s.kafkaNodes,
      replicationFactor: s.kafkaNodes.length,
      // Three JVMs share the machine on the cluster profile.
      heap: cluster ? { min: '128m', max: '384m' } : { min: '256m', max: '1g' },
    }),
  );
}

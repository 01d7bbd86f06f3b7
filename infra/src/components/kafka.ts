import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Kafka, logLevel } from 'kafkajs';
import { REPO_ROOT, VERSIONS, type StackSettings } from '../settings.js';
import { runStep, spawnDetached } from '../process.js';
import type { Component } from './component.js';

const CLUSTER_ID = 'zmwatchLocalKRaft0001A'; // fixed: the data dir is per clone, so one id is enough

export function kafkaComponent(s: StackSettings): Component {
  const home = join(s.cacheDir, `kafka-${VERSIONS.kafka}`);
  const libs = join(home, 'libs');
  const dataDir = join(s.runDir, 'data', 'kafka');
  const confDir = join(s.runDir, 'conf');
  const propsFile = join(confDir, 'kafka-server.properties');
  const classpath = join(libs, '*');

  function writeProps(): void {
    mkdirSync(confDir, { recursive: true });
    writeFileSync(
      propsFile,
      [
        'process.roles=broker,controller',
        'node.id=1',
        `controller.quorum.voters=1@${s.host}:${s.kafkaControllerPort}`,
        `listeners=PLAINTEXT://${s.host}:${s.kafkaPort},CONTROLLER://${s.host}:${s.kafkaControllerPort}`,
        `advertised.listeners=PLAINTEXT://${s.host}:${s.kafkaPort}`,
        'controller.listener.names=CONTROLLER',
        'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
        'inter.broker.listener.name=PLAINTEXT',
        `log.dirs=${dataDir}`,
        // Single node: internal topics cannot have more than one replica.
        'offsets.topic.replication.factor=1',
        'offsets.topic.num.partitions=12',
        'transaction.state.log.replication.factor=1',
        'transaction.state.log.min.isr=1',
        'transaction.state.log.num.partitions=4',
        'share.coordinator.state.topic.replication.factor=1',
        // Tests start many short-lived groups; waiting 3 s for more members only slows them down.
        'group.initial.rebalance.delay.ms=0',
        // Topics are declared in infra/topics.yaml and created explicitly; a typo must not create one.
        'auto.create.topics.enable=false',
        'num.partitions=1',
        '',
      ].join('\n'),
    );
  }

  return {
    name: 'kafka',
    logFile: join(s.runDir, 'logs', 'kafka.log'),
    pidFile: join(s.runDir, 'run', 'kafka.pid'),
    version: () => `Apache Kafka ${VERSIONS.kafka} (KRaft, kafka_2.13 from Maven Central)`,
    address: () => `${s.host}:${s.kafkaPort}`,
    async install() {
      if (existsSync(join(libs, `kafka_2.13-${VERSIONS.kafka}.jar`))) return;
      mkdirSync(home, { recursive: true });
      copyFileSync(join(REPO_ROOT, 'infra', 'kafka', 'pom.xml'), join(home, 'pom.xml'));
      const tmp = `${libs}.tmp`;
      rmSync(tmp, { recursive: true, force: true });
      runStep(
        `resolving Kafka ${VERSIONS.kafka} jars from Maven Central into ${libs} (first run only)`,
        'mvn',
        [
          '-q',
          '-B',
          '-f',
          join(home, 'pom.xml'),
          'dependency:copy-dependencies',
          `-DoutputDirectory=${tmp}`,
          '-DincludeScope=runtime',
        ],
      );
      rmSync(libs, { recursive: true, force: true });
      renameSync(tmp, libs);
    },
    async start() {
      writeProps();
      if (!existsSync(join(dataDir, 'meta.properties'))) {
        mkdirSync(dataDir, { recursive: true });
        const r = spawnSync(
          'java',
          [
            '-cp',
            classpath,
            `-Dlog4j2.configurationFile=${join(REPO_ROOT, 'infra', 'kafka', 'log4j2.properties')}`,
            'kafka.tools.StorageTool',
            'format',
            '-t',
            CLUSTER_ID,
            '-c',
            propsFile,
          ],
          { encoding: 'utf8' },
        );
        if (r.status !== 0) throw new Error(`kafka: formatting ${dataDir} failed:\n${r.stdout}\n${r.stderr}`);
      }
      spawnDetached(
        'java',
        [
          '-Xms256m',
          '-Xmx1g',
          '-XX:+UseG1GC',
          '-Djava.awt.headless=true',
          `-Dlog4j2.configurationFile=${join(REPO_ROOT, 'infra', 'kafka', 'log4j2.properties')}`,
          '-cp',
          classpath,
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

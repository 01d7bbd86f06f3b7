// Start-up checks against the real Kafka and Redis: the detector refuses input topics it cannot work with.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { growPartitions } from '@zmwatch/kit';
import { repartitionTopicFor } from '@zmwatch/schemas';
import { createApp } from '../src/app.js';
import { loadRuleset } from '../src/ruleset.js';
import { testConfig, testTopicNames } from '@zmwatch/test-support/detector-pipeline';
import { deleteRedisKeys, quietLogger, testKafka, uniqueName } from '@zmwatch/test-support/stack';

const ruleset = loadRuleset();

describe('detector start-up checks (real Kafka + Redis)', { timeout: 60_000 }, () => {
  it('refuses input topics that are missing or not co-partitioned, naming them; creates missing repartition topics and grows smaller ones', async () => {
    const id = uniqueName('zmdetcfg');
    const kafka = testKafka(id);
    const admin = kafka.admin();
    await admin.connect();
    const topics = testTopicNames(id);
    const app = () => createApp(testConfig(id, topics, {}, ruleset), { logger: quietLogger });
    try {
      const missing = app();
      await assert.rejects(missing.start(), (err: Error) => {
        assert.equal(err.name, 'ConfigError');
        assert.match(err.message, new RegExp(`${topics.registrations}, ${topics.declarations} do not exist`));
        return true;
      });
      await missing.stop();
      await admin.createTopics({
        waitForLeaders: true,
        topics: [
          { topic: topics.registrations, numPartitions: 6 },
          { topic: topics.declarations, numPartitions: 3 },
        ],
      });
      const skewed = app();
      await assert.rejects(skewed.start(), (err: Error) => {
        assert.equal(err.name, 'ConfigError');
        assert.match(err.message, /not co-partitioned/);
        assert.match(err.message, new RegExp(`${topics.registrations}: 6, ${topics.declarations}: 3`));
        return true;
      });
      await skewed.stop();
      await growPartitions(admin, [topics.declarations], 6);
      await admin.createTopics({
        waitForLeaders: true,
        topics: [{ topic: repartitionTopicFor(topics.declarations), numPartitions: 2 }],
      });
      const grows = app();
      await grows.start();
      await grows.stop();
      const grown = await admin.fetchTopicMetadata({ topics: [repartitionTopicFor(topics.declarations)] });
      assert.equal(
        grown.topics[0]!.partitions.length,
        6,
        'a repartition topic smaller than the state is grown',
      );
      const created = await admin.fetchTopicMetadata({ topics: [repartitionTopicFor(topics.registrations)] });
      assert.equal(
        created.topics[0]!.partitions.length,
        6,
        "a missing repartition topic is created with the inputs' partition count",
      );
    } finally {
      await admin
        .deleteTopics({
          topics: [
            topics.registrations,
            topics.declarations,
            repartitionTopicFor(topics.registrations),
            repartitionTopicFor(topics.declarations),
          ],
        })
        .catch(() => undefined);
      await admin.disconnect();
      await deleteRedisKeys(id);
    }
  });
});

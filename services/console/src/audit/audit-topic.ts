import type { Admin } from 'kafkajs';
import type { Logger } from '@zmwatch/kit';
import { DAY_MS } from '@zmwatch/schemas';

/**
 * The audit topic with the configured retention: created when missing (one partition: one order), and
 * its `retention.ms` set when it differs, so ZM_CONSOLE_AUDIT_RETENTION_DAYS is what the broker keeps.
 */
export async function ensureAuditTopic(
  admin: Admin,
  topic: string,
  retentionDays: number,
  logger: Logger,
): Promise<void> {
  const retentionMs = String(retentionDays * DAY_MS);
  const existing = await admin.listTopics();
  if (!existing.includes(topic)) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'retention.ms', value: retentionMs }] }],
    });
    logger.info({ topic, retentionDays }, 'access audit topic created');
    return;
  }
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: 2, name: topic, configNames: ['retention.ms'] }],
  });
  const current = described.resources[0]?.configEntries.find((c) => c.configName === 'retention.ms');
  if (current?.configValue === retentionMs) return;
  await admin.alterConfigs({
    validateOnly: false,
    resources: [{ type: 2, name: topic, configEntries: [{ name: 'retention.ms', value: retentionMs }] }],
  });
  logger.info({ topic, retentionDays, was: current?.configValue }, 'access audit retention set');
}

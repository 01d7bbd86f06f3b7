import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Admin } from 'kafkajs';
import { parse } from 'yaml';
import { HOUR_MS } from '@zmwatch/schemas';
import { REPO_ROOT } from './repository.js';

export interface TopicSpec {
  name: string;
  partitions: number;
  retentionHours: number;
  replicationFactor: number;
  /** Topic-level min.insync.replicas (absent: the broker's default). */
  minInsyncReplicas?: number;
  copartitionGroup?: string;
}

/** The topics every deployment has (the stack creates them; `zmwatch replay --create-topics` follows them). */
export const TOPICS_FILE = join(REPO_ROOT, 'infra', 'topics.yaml');

interface Durability {
  replicationFactor?: number;
  minInsyncReplicas?: number;
}

/**
 * Reads and validates infra/topics.yaml, including that co-partitioned topics agree on partitions.
 * A stack profile (`profiles.<name>` in the file) overrides the defaults' replication settings.
 */
export function loadTopicSpecs(file = TOPICS_FILE, profile = 'single'): TopicSpec[] {
  const doc = parse(readFileSync(file, 'utf8')) as {
    defaults?: Durability;
    profiles?: Record<string, Durability>;
    topics?: unknown[];
  };
  if (!Array.isArray(doc.topics)) throw new Error(`${file}: expected a "topics" list`);
  const durability = { ...doc.defaults, ...doc.profiles?.[profile] };
  const rf = durability.replicationFactor ?? 1;
  const minIsr = durability.minInsyncReplicas;
  if (!Number.isInteger(rf) || rf < 1)
    throw new Error(`${file}: replicationFactor must be a positive integer`);
  if (minIsr !== undefined && (!Number.isInteger(minIsr) || minIsr < 1 || minIsr > rf))
    throw new Error(`${file}: minInsyncReplicas must be an integer from 1 to the replication factor (${rf})`);
  const specs = doc.topics.map((t, i) => {
    const o = t as Record<string, unknown>;
    const where = `${file}: topics[${i}]`;
    if (typeof o.name !== 'string' || !/^[a-zA-Z0-9._-]+$/.test(o.name))
      throw new Error(`${where}: bad name ${String(o.name)}`);
    if (!Number.isInteger(o.partitions) || (o.partitions as number) < 1)
      throw new Error(`${where} (${o.name}): partitions must be a positive integer`);
    if (typeof o.retentionHours !== 'number' || o.retentionHours <= 0)
      throw new Error(`${where} (${o.name}): retentionHours must be positive`);
    const spec: TopicSpec = {
      name: o.name,
      partitions: o.partitions as number,
      retentionHours: o.retentionHours,
      replicationFactor: rf,
    };
    if (minIsr !== undefined) spec.minInsyncReplicas = minIsr;
    if (typeof o.copartitionGroup === 'string') spec.copartitionGroup = o.copartitionGroup;
    return spec;
  });
  const groups = new Map<string, TopicSpec[]>();
  for (const s of specs)
    if (s.copartitionGroup) groups.set(s.copartitionGroup, [...(groups.get(s.copartitionGroup) ?? []), s]);
  for (const [g, members] of groups) {
    if (new Set(members.map((m) => m.partitions)).size > 1) {
      throw new Error(
        `${file}: co-partitioned group ${g} has different partition counts: ${members.map((m) => `${m.name}=${m.partitions}`).join(', ')}`,
      );
    }
  }
  return specs;
}

/**
 * Creates missing topics and verifies existing ones. Fewer partitions than declared is an error, never
 * silently "fixed"; more is accepted (partitions added to a running deployment).
 */
export async function ensureTopics(
  admin: Admin,
  specs: TopicSpec[],
): Promise<{ created: string[]; verified: string[] }> {
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((s) => !existing.has(s.name));
  if (missing.length > 0) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((s) => ({
        topic: s.name,
        numPartitions: s.partitions,
        replicationFactor: s.replicationFactor,
        configEntries: [
          { name: 'retention.ms', value: String(Math.round(s.retentionHours * HOUR_MS)) },
          ...(s.minInsyncReplicas !== undefined
            ? [{ name: 'min.insync.replicas', value: String(s.minInsyncReplicas) }]
            : []),
        ],
      })),
    });
  }
  const present = specs.filter((s) => existing.has(s.name));
  if (present.length > 0) {
    const meta = await admin.fetchTopicMetadata({ topics: present.map((s) => s.name) });
    for (const t of meta.topics) {
      const want = present.find((s) => s.name === t.name)!;
      // More partitions than declared is how a growing deployment scales out (the detector re-routes
      // records to where their VIN's state is until `zmwatch state migrate`); fewer means the topic
      // is not the one the file describes.
      if (t.partitions.length < want.partitions) {
        throw new Error(
          `topic ${t.name} has ${t.partitions.length} partitions but infra/topics.yaml says ${want.partitions}; fix the file or recreate the topic`,
        );
      }
      // Fewer replicas than declared would lose records with a broker: never accepted silently.
      const replicas = Math.min(...t.partitions.map((p) => p.replicas.length));
      if (replicas < want.replicationFactor) {
        throw new Error(
          `topic ${t.name} has ${replicas} replica(s) per partition but infra/topics.yaml says ${want.replicationFactor}; reassign its partitions or recreate the topic`,
        );
      }
    }
  }
  return { created: missing.map((s) => s.name), verified: present.map((s) => s.name) };
}

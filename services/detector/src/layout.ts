import { ConfigError } from '@zmwatch/kit';
import type { KeyLayout } from './keys.js';

export const LAYOUT_FORMAT = 'partition-buckets-v1';

/**
 * What `<prefix>:layout` records: the bucket counts and the partition count the state was written
 * with. The partition count is the STATE's, not necessarily the input topics': when partitions are
 * added to the inputs, the detector keeps placing and keeping VINs by the recorded count (records on
 * the new partitions are re-routed to where their state is, see placement.ts), so nothing is lost
 * while the pipeline runs; `zmwatch state migrate --partitions N` later moves the state to the new
 * count, with the detectors stopped. `migratingTo` is set while a migration runs.
 */
export interface StoredLayout {
  format: typeof LAYOUT_FORMAT;
  partitions: number;
  bucketsPerPartition: number;
  velocityBucketsPerPartition: number;
  migratingTo?: number;
}

export function layoutRecord(layout: KeyLayout, partitions: number): StoredLayout {
  return {
    format: LAYOUT_FORMAT,
    partitions,
    bucketsPerPartition: layout.bucketsPerPartition,
    velocityBucketsPerPartition: layout.velocityBucketsPerPartition,
  };
}

export function parseStoredLayout(raw: string, prefix: string): StoredLayout {
  let v: Partial<StoredLayout>;
  try {
    v = JSON.parse(raw) as Partial<StoredLayout>;
  } catch {
    throw new ConfigError(`the state layout under prefix "${prefix}" is not readable: ${raw.slice(0, 80)}`);
  }
  if (
    v.format !== LAYOUT_FORMAT ||
    !Number.isInteger(v.partitions) ||
    !Number.isInteger(v.bucketsPerPartition) ||
    !Number.isInteger(v.velocityBucketsPerPartition)
  )
    throw new ConfigError(
      `the state layout under prefix "${prefix}" is not a ${LAYOUT_FORMAT} layout: ${raw}`,
    );
  return v as StoredLayout;
}

/**
 * The partition count this process must use: the stored layout's, or on first use the inputs'
 * common count. Refuses (ConfigError) inputs that disagree on first use (nothing is laid out yet, so
 * it is a misconfiguration), other bucket counts, a migration in progress, and inputs with fewer
 * partitions than the state (topics recreated smaller). Inputs with MORE partitions than the state
 * are fine: partitions were added and the state is not migrated yet (see the module comment).
 */
export function partitionsForLayout(
  stored: StoredLayout | undefined,
  layout: KeyLayout,
  inputs: ReadonlyArray<{ name: string; partitions: number }>,
): number {
  const p = layout.prefix;
  const fewest = Math.min(...inputs.map((t) => t.partitions));
  const listed = inputs.map((t) => `${t.name}: ${t.partitions}`).join(', ');
  if (!stored) {
    if (new Set(inputs.map((t) => t.partitions)).size !== 1)
      throw new ConfigError(
        `input topics are not co-partitioned (${listed}): a VIN's registrations and declarations must share a partition number`,
      );
    return fewest;
  }
  if (
    stored.bucketsPerPartition !== layout.bucketsPerPartition ||
    stored.velocityBucketsPerPartition !== layout.velocityBucketsPerPartition
  )
    throw new ConfigError(
      `the detector state under prefix "${p}" was written with ${stored.bucketsPerPartition} state and ${stored.velocityBucketsPerPartition} velocity buckets per partition, ` +
        `this process has ${layout.bucketsPerPartition} and ${layout.velocityBucketsPerPartition}: a different bucket count would not find the state. ` +
        'Restore the previous settings, or use a new ZM_DETECTOR_KEY_PREFIX (and replay the inputs).',
    );
  if (stored.migratingTo !== undefined)
    throw new ConfigError(
      `the detector state under prefix "${p}" is being migrated from ${stored.partitions} to ${stored.migratingTo} partitions: ` +
        'wait for `zmwatch state migrate` to finish (or run it again to complete an interrupted migration)',
    );
  if (fewest < stored.partitions)
    throw new ConfigError(
      `the detector state under prefix "${p}" is laid out for ${stored.partitions} partitions but the input topics have fewer (${listed}): ` +
        'they were recreated smaller. Use a new ZM_DETECTOR_KEY_PREFIX and replay the inputs.',
    );
  return stored.partitions;
}

import { errorMessage, type BatchConsumer, type Logger } from '@zmwatch/kit';
import type { InputTopics } from './decode.js';
import type { StateStore } from './redis-store.js';

export interface GroupMembership {
  /** True between joining the consumer group and a consumer crash (readiness). */
  readonly joined: boolean;
  /** Partition numbers this process owns now, on either input topic, ascending (the sweeper's). */
  readonly owned: readonly number[];
}

/**
 * Follows the consumer's group membership: on every join the cached buckets are dropped (another
 * process may have written them meanwhile) and the owned partitions recorded.
 */
export function trackGroupMembership(
  consumer: BatchConsumer,
  topics: InputTopics,
  store: StateStore,
  logger: Logger,
): GroupMembership {
  let joined = false;
  let owned: number[] = [];
  const c = consumer.consumer;
  c.on(c.events.GROUP_JOIN, (e) => {
    joined = true;
    // Buckets cached for partitions we may have lost (or lost and got back) are no longer ours to trust.
    store.invalidate();
    const assigned = e.payload.memberAssignment;
    const reg = (assigned[topics.registrations] ?? []).join(',');
    const decl = (assigned[topics.declarations] ?? []).join(',');
    if (reg !== decl)
      logger.warn(
        { groupProtocol: e.payload.groupProtocol, registrations: reg, declarations: decl },
        'the input topics are not co-assigned (another group member without the co-partitioned assignor?): processes will share partitions and retry conflicting writes',
      );
    owned = [
      ...new Set([...(assigned[topics.registrations] ?? []), ...(assigned[topics.declarations] ?? [])]),
    ].sort((a, b) => a - b);
    logger.info(
      { groupId: e.payload.groupId, memberId: e.payload.memberId, assignment: e.payload.memberAssignment },
      'joined consumer group',
    );
  });
  c.on(c.events.CRASH, (e) => {
    joined = false;
    logger.error({ err: errorMessage(e.payload.error), restart: e.payload.restart }, 'consumer crashed');
  });
  return {
    get joined() {
      return joined;
    },
    get owned() {
      return owned;
    },
  };
}

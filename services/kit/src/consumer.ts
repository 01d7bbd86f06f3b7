import type { Consumer, ConsumerConfig, Kafka } from 'kafkajs';

/**
 * A kafkajs consumer whose disconnect() is final. kafkajs 2.2.4 restarts a crashed consumer (a dead
 * broker exhausts its retries) from a timer, and its disconnect() does not end that cycle: a crash
 * handler already past its own disconnect schedules the restart after ours, and every restart that
 * fails (the broker or the topics gone) crashes and schedules the next. That timer chain kept the
 * process alive for good, which is why the Kafka-restart convergence test's process never exited.
 * Here, once disconnect() is called, a crash is never restarted (`retry.restartOnFailure` answers
 * no). A restart that was already joining the group when disconnect() was called may still finish
 * joining; its runner then ends at its first failure, without a restart.
 */
export function createConsumer(kafka: Kafka, config: ConsumerConfig): Consumer {
  let stopping = false;
  const userRestart = config.retry?.restartOnFailure;
  const consumer = kafka.consumer({
    ...config,
    retry: {
      retries: 5, // kafkajs's consumer default, which a retry object of our own would replace
      ...config.retry,
      restartOnFailure: async (e) => !stopping && (userRestart ? await userRestart(e) : true),
    },
  });
  const disconnect = consumer.disconnect;
  return {
    ...consumer,
    async disconnect() {
      stopping = true;
      await disconnect();
    },
  };
}

/** Public surface of @zmwatch/schemas: the zmwatch event contracts, codec, VIN rules and NDJSON interchange. */
export * from './generated/types.js';
export {
  TOPICS,
  ALL_TOPICS,
  isTopic,
  subjectFor,
  topicOfSubject,
  dlqTopicFor,
  type Topic,
} from './topics.js';

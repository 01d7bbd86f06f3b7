export {
  stackUp,
  stackDown,
  stackStatus,
  components,
  type ComponentStatus,
  type ComponentName,
} from './stack.js';
export { stackSettings, clientEnv, VERSIONS, REPO_ROOT, type StackSettings } from './settings.js';
export { loadTopicSpecs, ensureTopics, type TopicSpec } from './topics.js';
export { searchAttributes, temporalBinary } from './components/temporal.js';
export { formatStatusTable } from './format.js';
export { stackCli } from './main.js';

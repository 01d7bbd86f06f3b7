export {
  stackUp,
  stackDown,
  stackStatus,
  components,
  type ComponentStatus,
  type ComponentName,
} from './stack.js';
export {
  stackSettings,
  clientEnv,
  brokerList,
  PROFILES,
  VERSIONS,
  REPO_ROOT,
  type StackSettings,
  type StackProfile,
} from './settings.js';
export { kafkaNodeComponent, type KafkaNodeOptions } from './components/kafka.js';
export { redisNodeComponent, redisProbe, type RedisNodeOptions } from './components/redis.js';
export type { Component } from './components/component.js';
export { searchAttributes, temporalBinary } from './components/temporal.js';
export { formatStatusTable } from './format.js';
export { stopPid, waitFor, readPid, isAlive } from './process.js';
export { stackCli } from './stack-cli.js';
export {
  apicurioRegistry,
  registryOptions,
  installApicurio,
  registryJava,
  ccompatUrl,
  type RegistryInstance,
  type RegistryOptions,
} from './registry.js';
export { IN_CI, missingTool } from './test-skips.js';
export { COMPILED_NODE_FLAGS, compiledPath, DIST_DIR, SERVICE_MAINS } from './compiled.js';
export { ENTRY_POINT, IMAGE_REF, IMAGE_UID, imagePaths, type ImagePaths } from './image/image-settings.js';

export { loadDemoConfig, type DemoConfig } from './config.js';
export { formatSummary, type DemoSummary } from './summary.js';
export {
  DEMO_METRICS_PORTS,
  demoServiceSpecs,
  startDemoServices,
  type DemoServices,
  type DemoServicesOptions,
} from './demo-services.js';
export { startAlertCollector, type AlertTally, type CollectedAlert } from './alert-collector.js';
export { createDemoLog } from './demo-log.js';
export { SERVICE_MAINS, serviceArgs, type ServiceName, type ServiceRuntime } from './services.js';

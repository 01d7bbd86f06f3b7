export { createApp, type EscalatorApp, type EscalatorDeps } from './app.js';
export { ESCALATOR_BATCHING, loadConfig, type EscalatorConfig } from './config.js';
export { createAlertDecoder } from './decode-alert.js';
export type { EscalatorMetrics } from './metrics.js';

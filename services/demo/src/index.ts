export { loadDemoConfig, type DemoConfig } from './config.js';
export { formatSummary, type DemoSummary } from './summary.js';

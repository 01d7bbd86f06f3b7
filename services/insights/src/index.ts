/** Public surface of @zmwatch/insights: the analytics sink, its figures and the report client. */
export { createApp, type InsightsApp, type InsightsDeps } from './app.js';
export { loadConfig, type InsightsConfig } from './config.js';
export { openStore, openReadOnly, type InsightsStore } from './store.js';
export type { InsightsRecord } from './records.js';
export { runReport, runReportPart, summarise, REPORT_PARTS, type ReportPart } from './figures.js';
export * from './client.js';

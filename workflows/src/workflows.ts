// The single entry point the workflow bundler loads: export workflow functions only (no worker code).
export { caseWorkflow } from './workflows/case-workflow.js';

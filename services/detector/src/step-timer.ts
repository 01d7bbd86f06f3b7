import type { DetectorMetrics } from './metrics.js';

/** Adds the time since the previous step (or since creation) to `zm_detector_step_seconds_total{step}`. */
export function createStepTimer(metrics: DetectorMetrics): (step: string) => void {
  let mark = performance.now();
  return (step) => {
    const t = performance.now();
    metrics.stepSeconds.inc({ step }, (t - mark) / 1000);
    mark = t;
  };
}

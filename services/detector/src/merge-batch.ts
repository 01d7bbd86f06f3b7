import type { Logger } from '@zmwatch/kit';
import { mergeEventsInPlace, type MergeResult } from './apply-events.js';
import type { DetectorMetrics } from './metrics.js';
import type { Ruleset } from './ruleset.js';
import { StateFormatError, unpackState, type VinState } from './vin-state.js';
import type { MergedVin, VinWork } from './vin-work.js';

export interface MergeContext {
  ruleset: Ruleset;
  logger: Logger;
  metrics: DetectorMetrics;
}

/**
 * Step 2 (pure but for logs and metrics): unpack each VIN's state, merge its events and find the
 * declarations due. `raw[i]` is the packed state of `work[i]` (undefined when absent).
 */
export function mergeBatch(
  work: readonly VinWork[],
  raw: ReadonlyArray<string | undefined>,
  nowS: number,
  ctx: MergeContext,
): MergedVin[] {
  return work.map((w, i) => {
    const before = raw[i];
    // The unpacked state is nobody else's (the batch keeps the packed string): merged without a copy.
    const result = mergeEventsInPlace(unpackOrFresh(w.vin, before, ctx.logger), w.events, ctx.ruleset, nowS);
    if (ctx.logger.isLevelEnabled('debug')) {
      ctx.logger.debug(
        {
          vin: w.vin,
          events: w.events.map((e) => [e.event.eventType, e.event.eventTime, e.source?.offset]),
          before,
          due: result.due.map((d) => d.declarationId),
        },
        'merged',
      );
    }
    reportNotes(w, result, ctx);
    return { work: w, before, result };
  });
}

function unpackOrFresh(vin: string, packed: string | undefined, logger: Logger): VinState | undefined {
  if (packed === undefined) return undefined;
  try {
    return unpackState(packed);
  } catch (err) {
    if (!(err instanceof StateFormatError)) throw err;
    // Unreadable state can never become readable: start the VIN afresh rather than block the partition.
    logger.error({ vin, err: err.message }, 'unreadable VIN state replaced');
    return undefined;
  }
}

function reportNotes(w: VinWork, result: MergeResult, { logger, metrics }: MergeContext): void {
  for (const note of result.notes) {
    const src = w.events.find((e) => e.event.eventId === note.eventId)?.source;
    const fields = { vin: w.vin, ...src, ...note };
    if (note.kind === 'late-registration' || note.kind === 'stale-declaration') {
      metrics.lateEvents.inc({ kind: note.kind });
      // An older declaration version is routine (customs re-sends, amendments overtaking): one debug
      // line each, the count in zm_detector_late_events_total{kind="stale-declaration"}. A late
      // registration can change an alert and stays a warning.
      if (note.kind === 'late-registration')
        logger.warn(fields, 'registration arrived after the grace period');
      else logger.debug(fields, 'older declaration version ignored');
    } else {
      metrics.notes.inc({ kind: note.kind });
      logger.info(fields, `merge: ${note.kind}`);
    }
  }
}

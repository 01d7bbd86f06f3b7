/**
 * Activities of the case workflow, built from their dependencies so tests pass real servers and
 * fakes alike. Every activity is idempotent under retry:
 * - publishOutcome: keyed by VIN with the case id and decision time in the record; a retry after an
 *   acknowledged send can duplicate the record, so consumers dedupe on (caseId, decidedAt).
 * - recommendHold: the `Idempotency-Key` header (`<caseId>-<runId>`) lets customs drop repeats.
 * - notify: notifications are advisory; a repeat is harmless.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Producer } from 'kafkajs';
import type { Logger } from '@zmwatch/kit';
import type { CaseOutcome } from '@zmwatch/schemas';
import {
  holdIdempotencyKey,
  type CaseNotification,
  type HoldRecommendationInput,
  type OutcomeInput,
} from './shared.js';

export interface ActivityDeps {
  /** Connected, idempotent producer (kit's createIdempotentProducer). */
  producer: Producer;
  /** Topic for case outcomes, normally `zm.case-outcomes.v1`. */
  outcomesTopic: string;
  /** Avro-encodes a CaseOutcome with Confluent framing (the schemas codec). */
  encodeOutcome(outcome: CaseOutcome): Buffer;
  customs: {
    /** Endpoint that receives hold recommendations (POST, JSON). */
    url: string;
    timeoutMs?: number;
    /** Sent as `Authorization: Bearer <token>` when set. */
    token?: string;
  };
  /** Delivers supervisor notifications (webhook, chat, log...). */
  notifier(notification: CaseNotification): Promise<void>;
  logger: Logger;
}

/** HTTP statuses worth retrying: timeouts, throttling and server errors. */
export function isRetriableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

export function createActivities(deps: ActivityDeps) {
  const log = deps.logger;

  return {
    async publishOutcome(input: OutcomeInput): Promise<void> {
      const outcome: CaseOutcome = {
        caseId: input.caseId,
        vin: input.vin,
        decision: input.decision === 'confirm' ? 'CONFIRMED' : 'DISMISSED',
        reason: input.reason,
        analyst: input.analyst,
        alertIds: input.alertIds,
        openedAt: Date.parse(input.openedAt),
        decidedAt: Date.parse(input.decidedAt),
      };
      let value: Buffer;
      try {
        value = deps.encodeOutcome(outcome);
      } catch (err) {
        // The record itself is wrong: retrying cannot help.
        throw ApplicationFailure.create({
          type: 'InvalidCaseOutcome',
          message: String(err),
          nonRetryable: true,
        });
      }
      const [meta] = await deps.producer.send({
        topic: deps.outcomesTopic,
        acks: -1,
        messages: [{ key: input.vin, value, headers: { 'zm-case-id': input.caseId } }],
      });
      log.info(
        {
          vin: input.vin,
          caseId: input.caseId,
          decision: outcome.decision,
          topic: deps.outcomesTopic,
          partition: meta?.partition,
          offset: meta?.baseOffset,
        },
        'case outcome published',
      );
    },

    async recommendHold(input: HoldRecommendationInput): Promise<{ status: number; idempotencyKey: string }> {
      const idempotencyKey = holdIdempotencyKey(input.caseId, input.runId);
      const attempt = Context.current().info.attempt;
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'idempotency-key': idempotencyKey,
      };
      if (deps.customs.token) headers.authorization = `Bearer ${deps.customs.token}`;
      let res: Response;
      try {
        res = await fetch(deps.customs.url, {
          method: 'POST',
          headers,
          body: JSON.stringify({ type: 'hold-recommendation', ...input }),
          signal: AbortSignal.timeout(deps.customs.timeoutMs ?? 10_000),
        });
      } catch (err) {
        // Connection refused, DNS, timeout: transient from our side, let Temporal retry.
        log.warn(
          { vin: input.vin, caseId: input.caseId, attempt, err: String(err) },
          'customs endpoint unreachable',
        );
        throw err;
      }
      const body = (await res.text()).slice(0, 500);
      if (res.ok) {
        log.info(
          { vin: input.vin, caseId: input.caseId, attempt, status: res.status, idempotencyKey },
          'hold recommended to customs',
        );
        return { status: res.status, idempotencyKey };
      }
      const message = `customs answered ${res.status}: ${body}`;
      if (isRetriableStatus(res.status)) {
        log.warn(
          { vin: input.vin, caseId: input.caseId, attempt, status: res.status },
          'customs endpoint failed; will retry',
        );
        throw ApplicationFailure.create({ type: 'CustomsUnavailable', message });
      }
      throw ApplicationFailure.create({ type: 'CustomsRejected', message, nonRetryable: true });
    },

    async notify(notification: CaseNotification): Promise<void> {
      await deps.notifier(notification);
      log.info(
        {
          vin: notification.vin,
          caseId: notification.caseId,
          kind: notification.kind,
          queue: notification.queue,
        },
        'supervisor notified',
      );
    },
  };
}

export type CaseActivities = ReturnType<typeof createActivities>;

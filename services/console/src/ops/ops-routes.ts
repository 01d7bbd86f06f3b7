import type { Admin, Producer } from 'kafkajs';
import type { Codec } from '@zmwatch/schemas';
import type { Api } from '../http/api.js';
import { badRequest, HttpError, notFound } from '../http/http-error.js';
import { readJson, sendJson } from '../http/respond.js';
import {
  listDeadLetterTopics,
  newestDeadLetters,
  replayDeadLetters,
  type FeedHealth,
  type KafkaPeeker,
  type LagMonitor,
  type ReplayRef,
} from '@zmwatch/ops';
import { renderLagChart } from './lag-chart.js';

export interface OpsBackend {
  admin: Admin;
  peeker: KafkaPeeker;
  producer: Producer;
  codec: Codec;
  lag: LagMonitor;
  /** The feed check of the input topics, cached (`refresh` recomputes now). */
  feeds: (refresh?: boolean) => Promise<FeedHealth>;
}

export interface OpsRouteDeps {
  ops: () => OpsBackend | undefined;
  /** Which DLQ topics the console shows and may replay. */
  topicFilter: (topic: string) => boolean;
}

const MAX_REPLAY = 500;

export function registerOpsRoutes(api: Api, deps: OpsRouteDeps): void {
  const ops = () => {
    const o = deps.ops();
    if (!o) throw new HttpError(503, 'not connected to Kafka yet');
    return o;
  };
  const dlqParam = (raw: string | undefined) => {
    const topic = raw ?? '';
    if (!/^[\w.-]{1,249}\.dlq$/.test(topic))
      throw badRequest(`"${topic}" is not a dead-letter topic (<topic>.dlq)`);
    if (!deps.topicFilter(topic)) throw notFound(`dead-letter topic ${topic} is not shown by this console`);
    return topic;
  };

  api.route('GET', '/api/ops/lag', 'ops:read', async ({ res }) => {
    const o = ops();
    const snapshot = o.lag.latest() ?? (await o.lag.sample());
    sendJson(res, 200, snapshot);
  });

  api.route('GET', '/api/ops/lag/:group/chart.svg', 'ops:read', ({ res, params, url }) => {
    const metric = url.searchParams.get('metric') ?? 'lag';
    if (metric !== 'lag' && metric !== 'time') throw badRequest('metric must be "lag" or "time"');
    const group = params.group ?? '';
    const svg = renderLagChart(ops().lag.history(group, metric), {
      title: metric === 'lag' ? `${group}: offset lag` : `${group}: time lag`,
      unit: metric === 'lag' ? '' : 's',
    });
    res.writeHead(200, { 'content-type': 'image/svg+xml; charset=utf-8', 'cache-control': 'no-store' });
    res.end(svg);
  });

  api.route('GET', '/api/ops/feeds', 'ops:read', async ({ res, url }) => {
    sendJson(res, 200, await ops().feeds(url.searchParams.get('refresh') === '1'));
  });

  api.route('GET', '/api/ops/dlq', 'ops:read', async ({ res }) => {
    sendJson(res, 200, { topics: await listDeadLetterTopics(ops().admin, deps.topicFilter) });
  });

  api.route('GET', '/api/ops/dlq/:topic/letters', 'ops:read', async ({ res, params, url }) => {
    const topic = dlqParam(params.topic);
    const limit = Number(url.searchParams.get('limit') ?? '20');
    if (!Number.isInteger(limit) || limit < 1 || limit > 200)
      throw badRequest('limit must be an integer from 1 to 200');
    const o = ops();
    sendJson(res, 200, { topic, letters: await newestDeadLetters(o.admin, o.peeker, o.codec, topic, limit) });
  });

  api.route('POST', '/api/ops/dlq/:topic/replay', 'ops:write', async ({ req, res, params }) => {
    const topic = dlqParam(params.topic);
    const body = await readJson(req);
    const refs = parseReplayRefs(body.letters);
    const o = ops();
    const results = await replayDeadLetters(o.peeker, o.producer, topic, refs);
    sendJson(res, 200, { topic, replayed: results.filter((r) => r.ok).length, results });
  });
}

export function parseReplayRefs(raw: unknown): ReplayRef[] {
  if (!Array.isArray(raw) || raw.length === 0)
    throw badRequest('letters must be a non-empty list of {partition, offset}');
  if (raw.length > MAX_REPLAY) throw badRequest(`replay at most ${MAX_REPLAY} letters at a time`);
  return raw.map((r, i) => {
    const o = r as { partition?: unknown; offset?: unknown };
    if (!Number.isInteger(o?.partition) || (o.partition as number) < 0)
      throw badRequest(`letters[${i}].partition must be a non-negative integer`);
    const offset = typeof o.offset === 'number' ? String(o.offset) : o.offset;
    if (typeof offset !== 'string' || !/^\d{1,19}$/.test(offset))
      throw badRequest(`letters[${i}].offset must be a non-negative integer`);
    return { partition: o.partition as number, offset };
  });
}

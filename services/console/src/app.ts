import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import type { Admin, Kafka, Producer } from 'kafkajs';
import {
  createIdempotentProducer,
  createKafka,
  createLogger,
  createHealthServer,
  createRedis,
  createRegistry,
  type RedisClient,
  type HealthServer,
  type Logger,
  temporalTlsOptions,
} from '@zmwatch/kit';
import { createCodecFor, TOPICS } from '@zmwatch/schemas';
import {
  CaseActionRejectedError,
  CASE_VIEW_PREFIX,
  CaseNotFoundError,
  createCaseClient,
  createCaseQueueStore,
  createCaseViewReader,
} from '@zmwatch/workflows';
import { createAlertFeed, type AlertFeed } from './alerts/alert-feed.js';
import { registerAlertRoutes } from './alerts/alert-routes.js';
import { createAccessAudit, type AccessAudit } from './audit/access-audit.js';
import type { AccessLogDeps } from './audit/access-log.js';
import { ensureAuditTopic } from './audit/audit-topic.js';
import { registerAuditRoutes } from './audit/audit-routes.js';
import { registerAuthRoutes } from './auth/auth-routes.js';
import { createLoginThrottle } from './auth/login-throttle.js';
import { createSessionStore } from './auth/sessions.js';
import { createUserDirectory } from './auth/users.js';
import { registerCaseRoutes, type CaseBackend } from './cases/case-routes.js';
import { startQueueReconciler, type QueueReconciler } from './cases/queue-reconciler.js';
import { registerMetaRoutes } from './meta/meta-routes.js';
import { registerNetworkRoutes } from './network/network-routes.js';
import type { ConsoleConfig } from './config.js';
import { Api } from './http/api.js';
import { HttpError, UpstreamError } from './http/http-error.js';
import { bearerMatches } from './http/metrics-access.js';
import { createPageTokens, withSignedPageTokens } from './http/page-tokens.js';
import { sendError } from './http/respond.js';
import { applySecurityHeaders } from './http/security-headers.js';
import { serveStatic } from './http/static-files.js';
import { registerInsightsRoutes } from './insights/insights-routes.js';
import { createConsoleMetrics } from './metrics.js';
import { cachedFeedHealth, checkFeedHealth, createKafkaPeeker, createLagMonitor } from '@zmwatch/ops';
import { registerOpsRoutes, type OpsBackend } from './ops/ops-routes.js';

export const PUBLIC_DIR = fileURLToPath(new URL('../public', import.meta.url));

/** Replace the real backends in tests (e.g. an in-memory case backend for the HTTP-level tests). */
export interface ConsoleOverrides {
  cases?: CaseBackend;
  /** Skip Kafka entirely (no feed, no ops view): HTTP/auth tests. */
  withoutKafka?: boolean;
  logger?: Logger;
}

export interface ConsoleApp {
  start(): Promise<string>;
  stop(): Promise<void>;
  /** `http://host:port` once started. */
  readonly url: string;
  /** `http://host:port` of the separate metrics listener once started; undefined when it is off. */
  readonly metricsUrl: string | undefined;
  /** The alert feed's consumer group (unique per instance), once started. */
  readonly feedGroupId: string | undefined;
}

export function createApp(config: ConsoleConfig, overrides: ConsoleOverrides = {}): ConsoleApp {
  const logger = overrides.logger ?? createLogger('console', config.logLevel);
  const registry = createRegistry('console');
  const users = createUserDirectory(config.users);
  const { security } = config;
  let feed: AlertFeed | undefined;
  const metrics = createConsoleMetrics(registry, {
    sessions: () => sessions.size(),
    feedSubscribers: () => feed?.subscribers() ?? 0,
  });
  const sessions = createSessionStore({
    idleTimeoutMs: config.sessionIdleMs,
    absoluteTimeoutMs: config.sessionMaxMs,
    secureCookie: config.secureCookie,
    maxPerUser: security.maxSessionsPerUser,
    maxTotal: security.maxSessions,
  });
  const throttle = createLoginThrottle(security.login);
  const pageTokens = createPageTokens(security.pageTokenSecret);
  const groupFilter = new RegExp(config.lag.groupPattern);
  const topicFilter = new RegExp(config.lag.topicPattern);
  const FEED_GROUP_PREFIX = 'zm-console-feed';

  let cases: CaseBackend | undefined = overrides.cases && withSignedPageTokens(overrides.cases, pageTokens);
  let temporal: Connection | undefined;
  let redis: RedisClient | undefined;
  let reconciler: QueueReconciler | undefined;
  let kafka: Kafka | undefined;
  let admin: Admin | undefined;
  let producer: Producer | undefined;
  let ops: OpsBackend | undefined;
  let audit: AccessAudit | undefined;
  let accessLog: AccessLogDeps | undefined;
  let server: Server | undefined;
  let metricsServer: HealthServer | undefined;
  let url = '';

  const api = new Api(sessions);
  registerAuthRoutes(api, {
    sessions,
    users,
    throttle,
    proxyHops: security.proxyHops,
    logger,
    onLockout: (lock) => metrics.loginLockouts.inc({ scope: lock.scope }),
  });
  registerMetaRoutes(api);
  registerCaseRoutes(api, {
    cases: () => {
      if (!cases) throw new HttpError(503, 'not connected to Temporal yet');
      return cases;
    },
    queues: config.queues,
    users,
  });
  registerNetworkRoutes(api, {
    cases: () => {
      if (!cases) throw new HttpError(503, 'not connected to Temporal yet');
      return cases;
    },
    queues: config.queues,
  });
  registerAlertRoutes(api, () => feed);
  registerOpsRoutes(api, { ops: () => ops, topicFilter: (t) => topicFilter.test(t) });
  registerInsightsRoutes(api, config.insightsUrl);
  registerAuditRoutes(api, { log: () => accessLog, retentionDays: config.audit.retentionDays });

  const ready = () =>
    cases !== undefined && (overrides.withoutKafka === true || (ops !== undefined && feed?.ready() === true));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    applySecurityHeaders(res);
    const url = new URL(req.url ?? '/', 'http://console.invalid');
    const path = url.pathname;
    let route = 'static';
    res.on('finish', () => metrics.http.inc({ route, status: String(res.statusCode) }));
    try {
      if (path === '/healthz') {
        route = path;
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
        return;
      }
      if (path === '/readyz') {
        route = path;
        const ok = ready();
        res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ready\n' : 'not ready\n');
        return;
      }
      if (path === '/metrics') {
        route = path;
        // The user-facing listener serves metrics only to a bearer of the token (they name groups,
        // topics and traffic); without one they live on the separate listener alone.
        if (security.metricsToken === undefined)
          throw new HttpError(404, 'metrics are not served on this listener (see ZM_CONSOLE_METRICS_PORT)');
        if (!bearerMatches(req, security.metricsToken)) {
          res.setHeader('www-authenticate', 'Bearer realm="metrics"');
          throw new HttpError(401, 'metrics need Authorization: Bearer <ZM_CONSOLE_METRICS_TOKEN>');
        }
        const body = await registry.metrics();
        res.writeHead(200, { 'content-type': registry.contentType }).end(body);
        return;
      }
      if (path.startsWith('/api/')) {
        const match = api.router.match(req.method ?? 'GET', path);
        if (!match) throw new HttpError(404, `no API route ${path}`);
        if ('allowed' in match) {
          res.setHeader('allow', match.allowed.join(', '));
          throw new HttpError(
            405,
            `${req.method} is not allowed on ${path} (use ${match.allowed.join(' or ')})`,
          );
        }
        route = match.pattern;
        await match.handler({ req, res, url, params: match.params });
        return;
      }
      if (req.method === 'GET' || req.method === 'HEAD') {
        if (await serveStatic(PUBLIC_DIR, path, res)) return;
      }
      route = 'not-found';
      throw new HttpError(404, `no page ${path}`);
    } catch (err) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof HttpError) sendError(res, err.status, err.message);
      else if (err instanceof CaseActionRejectedError) sendError(res, 409, err.message);
      else if (err instanceof CaseNotFoundError) sendError(res, 404, err.message);
      else if (err instanceof UpstreamError) {
        const ref = randomBytes(4).toString('hex');
        logger.error({ err: err.cause, method: req.method, path, ref }, err.message);
        sendError(res, 503, `${err.message} (logged as ${ref})`);
      } else {
        // The cause stays in the log: upstream messages (Temporal's, Kafka's) are not for users.
        const ref = randomBytes(4).toString('hex');
        logger.error({ err, method: req.method, path, ref }, 'request failed');
        sendError(res, 500, `internal error (logged as ${ref})`);
      }
    }
  }

  return {
    get url() {
      return url;
    },
    get metricsUrl() {
      return metricsServer?.url;
    },
    get feedGroupId() {
      return feed?.groupId;
    },
    async start() {
      if (!cases) {
        temporal = await Connection.connect({
          address: config.temporalAddress,
          ...temporalTlsOptions(config.temporalTls),
        });
        const client = new Client({ connection: temporal, namespace: config.temporalNamespace });
        // The case projection the case worker writes (read-only here). One retry per command: a
        // Redis that is down makes a page fall back to Temporal, it does not hold it up.
        redis = config.caseViews
          ? createRedis(config.caseViews, { connectionName: 'zm-console', maxRetriesPerRequest: 1 })
          : undefined;
        const views = redis ? createCaseViewReader(redis) : undefined;
        // The queues too are read from the projection (visibility lags under load); visibility
        // keeps them whole in the background.
        const queueStore = redis ? createCaseQueueStore(redis, CASE_VIEW_PREFIX) : undefined;
        const caseClient = createCaseClient(client, {
          taskQueue: config.casesTaskQueue,
          ...(views ? { views } : {}),
          ...(queueStore ? { queueStore } : {}),
        });
        if (queueStore) reconciler = startQueueReconciler(caseClient, config.queues, logger);
        cases = withSignedPageTokens(caseClient, pageTokens);
      }
      if (!overrides.withoutKafka) {
        const codec = await createCodecFor(config.schemaRegistryUrl);
        kafka = createKafka({
          clientId: 'zm-console',
          brokers: config.brokers,
          logger,
          security: config.kafkaSecurity,
        });
        admin = kafka.admin();
        await admin.connect();
        producer = createIdempotentProducer(kafka);
        await producer.connect();
        const peeker = await createKafkaPeeker(kafka);
        const lag = createLagMonitor({
          admin,
          peeker,
          logger,
          intervalMs: config.lag.intervalMs,
          windowSize: config.lag.windowSize,
          historySize: config.lag.historySize,
          groupFilter: (g) => groupFilter.test(g) && !g.startsWith(FEED_GROUP_PREFIX),
          extraTopics: (t) => topicFilter.test(t),
          onSample: (s) => metrics.recordLag(s),
        });
        const { topics, sample, cacheMs } = config.feedCheck;
        const feedDeps = { admin, peeker, codec };
        const feeds = cachedFeedHealth(() => checkFeedHealth(feedDeps, topics, sample), cacheMs);
        ops = { admin, peeker, producer, codec, lag, feeds };
        await ensureAuditTopic(admin, config.audit.topic, config.audit.retentionDays, logger);
        const auditProducer = producer;
        audit = createAccessAudit({
          send: async (events) => {
            await auditProducer.send({
              topic: config.audit.topic,
              messages: events.map((e) => ({ key: e.userId, value: codec.encode(TOPICS.accessAudit, e) })),
            });
          },
          logger,
          proxyHops: security.proxyHops,
          flushIntervalMs: config.audit.flushIntervalMs,
          maxBuffered: config.audit.maxBuffered,
          onWritten: (n) => metrics.auditWritten.inc(n),
          onDropped: (n) => metrics.auditDropped.inc(n),
        });
        api.audit = audit;
        accessLog = { admin, peeker, codec, topic: config.audit.topic, maxScan: config.audit.maxScan };
        lag.start();
        feed = createAlertFeed({
          kafka,
          codec,
          topic: config.alertsTopic,
          logger,
          bufferSize: config.feedSize,
          groupPrefix: FEED_GROUP_PREFIX,
        });
        await feed.start();
      }
      if (security.metricsListener) {
        // Kit's listener (as the detector's and escalator's): /metrics, /healthz, /readyz, no auth,
        // so it must bind where users cannot reach it (loopback by default; a NetworkPolicy in k8s).
        metricsServer = createHealthServer({ ...security.metricsListener, registry, ready });
        await metricsServer.start();
      }
      server = createServer((req, res) => void handle(req, res));
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(config.port, config.host, () => resolve());
      });
      const addr = server.address() as AddressInfo;
      url = `http://${addr.address}:${addr.port}`;
      logger.info(
        { url, metricsUrl: metricsServer?.url, users: config.users.length, alertsTopic: config.alertsTopic },
        'console listening',
      );
      return url;
    },
    async stop() {
      // Stop taking requests first (SSE connections are closed so close() can finish), then the
      // consumers, then the clients.
      if (server) {
        const s = server;
        await new Promise<void>((resolve) => {
          s.close(() => resolve());
          s.closeAllConnections();
        });
        server = undefined;
      }
      await metricsServer?.stop();
      metricsServer = undefined;
      api.audit = undefined;
      accessLog = undefined;
      await audit?.stop();
      audit = undefined;
      await ops?.lag.stop();
      const feedGroup = feed?.groupId;
      await feed?.stop().catch((err: unknown) => logger.warn({ err }, 'stopping the alert feed failed'));
      feed = undefined;
      if (admin && feedGroup) {
        // The feed never commits, but remove its group so instances do not leave names behind.
        await admin.deleteGroups([feedGroup]).catch(() => undefined);
      }
      await ops?.peeker.close().catch(() => undefined);
      ops = undefined;
      await producer?.disconnect();
      await admin?.disconnect();
      await reconciler?.stop();
      reconciler = undefined;
      await temporal?.close();
      if (redis) await redis.quit().catch(() => redis?.disconnect());
      redis = undefined;
      if (!overrides.cases) cases = undefined;
    },
  };
}

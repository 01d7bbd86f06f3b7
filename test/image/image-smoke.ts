/**
 * `infra/bin/image smoke`: the image built by `infra/bin/image build`, run against the local stack on
 * the host's network with its own topics, groups, task queue and ports:
 *  - the detector, escalator, case worker and console start from the image (each /readyz answers);
 *  - a zero-mileage export produced to Kafka becomes an alert, then a case the console's API shows to
 *    a signed-in analyst;
 *  - each container stops on SIGTERM within 10 s with exit code 0.
 * It runs the containers with `podman run --network host`. Where podman cannot start a container (this
 * sandbox: crun's setrlimit is refused, see README "Deployment"), it says so with the command and
 * the error, unpacks the image with umoci and runs the same entry point as the image's user under
 * chroot instead. Prints each service's start-up time and RSS inside the image, a table and one JSON line.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, existsSync, openSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIdempotentProducer, createKafka, createLogger } from '@zmwatch/kit';
import { ENTRY_POINT, IMAGE_REF, IMAGE_UID, imagePaths, stackUp } from '@zmwatch/infra';
import { createCodec, DAY_MS } from '@zmwatch/schemas';
import { stack, uniqueName } from '@zmwatch/test-support/stack';
import { firstRegistration, usedExportDeclaration } from '../e2e/support/events.js';
import { randomVin } from '@zmwatch/test-support/vins';
import { freePort } from '@zmwatch/test-support/free-port';

const STOP_LIMIT_MS = 10_000;
const READY_TIMEOUT_MS = 180_000;
const CASE_TIMEOUT_MS = 120_000;
const SERVICES = ['detector', 'escalator', 'worker', 'console'] as const;
type Service = (typeof SERVICES)[number];

const say = (msg: string) => process.stdout.write(`${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Container {
  /** The service's node process (tini's child), for its RSS. */
  nodePid(): number | undefined;
  /** SIGTERM, then how long until it exited and with which code (null: killed after the limit). */
  stop(): Promise<{ ms: number; code: number | null }>;
  logs(): string;
}

interface Runner {
  kind: 'podman' | 'chroot';
  start(name: string, service: Service, env: Record<string, string>): Container;
  close(): void;
  /** True while anything is still mounted under the work folder (then it is not removed). */
  mounted?(): boolean;
}

/** The first child of `pid` (tini's only child is the service). */
function childOf(pid: number): number | undefined {
  try {
    const first = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)[0];
    return first ? Number(first) : undefined;
  } catch {
    return undefined;
  }
}

function rssMiB(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

function sh(cmd: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 300_000 });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() };
}

/** podman, if it can start a container here; the exact command and error when it cannot. */
function podmanRunner(archive: string): Runner | { command: string; error: string } {
  const load = sh('podman', ['load', '-i', archive]);
  if (!load.ok) return { command: `podman load -i ${archive}`, error: load.out };
  const probe = ['run', '--rm', '--network', 'host', IMAGE_REF, 'cli', '--help'];
  const r = sh('podman', probe);
  if (!r.ok) return { command: `podman ${probe.join(' ')}`, error: r.out.split('\n').slice(-3).join(' / ') };
  const names: string[] = [];
  return {
    kind: 'podman',
    start(name, service, env) {
      const envArgs = Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
      const run = sh('podman', [
        'run',
        '-d',
        '--name',
        name,
        '--network',
        'host',
        ...envArgs,
        IMAGE_REF,
        service,
      ]);
      if (!run.ok) throw new Error(`podman run ${service}: ${run.out}`);
      names.push(name);
      const inspect = (f: string) => sh('podman', ['inspect', '-f', f, name]).out;
      return {
        nodePid: () => childOf(Number(inspect('{{.State.Pid}}'))),
        async stop() {
          const t = performance.now();
          sh('podman', ['stop', '-t', String(STOP_LIMIT_MS / 1000), name]);
          const ms = performance.now() - t;
          const code = Number(inspect('{{.State.ExitCode}}'));
          return { ms, code: code === 137 ? null : code };
        },
        logs: () => sh('podman', ['logs', name]).out,
      };
    },
    close() {
      for (const n of names) sh('podman', ['rm', '-f', n]);
    },
  };
}

/** The image unpacked with umoci; each service its own chroot process as the image's user. */
function chrootRunner(archive: string, work: string): Runner {
  const layout = join(work, 'oci');
  mkdirSync(layout, { recursive: true });
  if (!sh('tar', ['-xf', archive, '-C', layout]).ok) throw new Error(`cannot unpack ${archive}`);
  const tag = IMAGE_REF.split(':')[1]!;
  // umoci unpacks by tag; the archive's index names the full reference.
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as {
    manifests: Array<{ annotations?: Record<string, string> }>;
  };
  index.manifests[0]!.annotations = { 'org.opencontainers.image.ref.name': tag };
  spawnSync('sh', ['-c', `cat > ${join(layout, 'index.json')}`], { input: JSON.stringify(index) });
  const bundle = join(work, 'bundle');
  const unpack = sh('umoci', ['unpack', '--image', `${layout}:${tag}`, bundle]);
  if (!unpack.ok) throw new Error(`umoci unpack: ${unpack.out}`);
  const rootfs = join(bundle, 'rootfs');
  // /proc and the usual /dev nodes, as a container runtime gives them (node and the native modules
  // read both). The nodes are made in the unpacked tree, not bound from the host, so removing the
  // tree afterwards can never reach the host's /dev.
  const mounts: string[] = [];
  mkdirSync(join(rootfs, 'proc'), { recursive: true });
  if (sh('mount', ['-t', 'proc', 'proc', join(rootfs, 'proc')]).ok) mounts.push(join(rootfs, 'proc'));
  mkdirSync(join(rootfs, 'dev', 'shm'), { recursive: true });
  for (const [name, minor] of [
    ['null', 3],
    ['zero', 5],
    ['full', 7],
    ['random', 8],
    ['urandom', 9],
  ] as const)
    sh('mknod', ['-m', '666', join(rootfs, 'dev', name), 'c', '1', String(minor)]);
  const config = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as {
    process: { args: string[]; env: string[]; user: { uid: number; gid: number } };
  };
  if (config.process.user.uid !== IMAGE_UID)
    throw new Error(`the image runs as uid ${config.process.user.uid}`);
  // Resolved on the host: the child's environment is the image's, whose PATH has no /usr/sbin.
  const chroot = sh('sh', ['-c', 'command -v chroot']).out || '/usr/sbin/chroot';
  return {
    kind: 'chroot',
    start(name, service, env) {
      const logFile = join(work, `${name}.log`);
      const fd = openSync(logFile, 'a');
      const imageEnv = Object.fromEntries(config.process.env.map((e) => e.split(/=(.*)/s).slice(0, 2)));
      const child: ChildProcess = spawn(
        chroot,
        [
          `--userspec=${IMAGE_UID}:${IMAGE_UID}`,
          rootfs,
          ...config.process.args.slice(0, ENTRY_POINT.length),
          service,
        ],
        { env: { ...imageEnv, ...env }, stdio: ['ignore', fd, fd] },
      );
      closeSync(fd);
      child.once('error', (err) => say(`${name}: ${err.message}`));
      let code: number | null | undefined;
      const exited = new Promise<void>((r) =>
        child.once('exit', (c, signal) => {
          code = signal ? null : c;
          r();
        }),
      );
      return {
        nodePid: () => (child.pid ? childOf(child.pid) : undefined),
        async stop() {
          const t = performance.now();
          child.kill('SIGTERM'); // to tini, PID of the "container", which forwards it
          const killer = setTimeout(() => child.kill('SIGKILL'), STOP_LIMIT_MS);
          await exited;
          clearTimeout(killer);
          return { ms: performance.now() - t, code: code ?? null };
        },
        logs: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
      };
    },
    close() {
      for (const m of mounts.reverse()) sh('umount', ['-l', m]);
    },
    mounted: () => readFileSync('/proc/self/mounts', 'utf8').includes(work),
  };
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

export async function runSmoke(): Promise<boolean> {
  const { archive } = imagePaths();
  if (!existsSync(archive)) throw new Error(`${archive} is missing: run infra/bin/image build first`);
  await stackUp({ profile: 'single' });
  const run = uniqueName('zm-image');
  const topics = {
    registrations: `${run}.vehicle.registrations.v1`,
    declarations: `${run}.customs.declarations.v1`,
    alerts: `${run}.zm.alerts.v1`,
    outcomes: `${run}.zm.case-outcomes.v1`,
    audit: `${run}.zm.access-audit.v1`,
  };
  const logger = createLogger('image-smoke', 'warn');
  const kafka = createKafka({ clientId: run, brokers: stack.brokers, logger });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      ...[topics.registrations, topics.declarations, topics.alerts].map((topic) => ({
        topic,
        numPartitions: 3,
      })),
      ...[topics.outcomes, topics.audit].map((topic) => ({ topic, numPartitions: 1 })),
      ...[topics.registrations, topics.declarations, topics.alerts].map((t) => ({
        topic: `${t}.dlq`,
        numPartitions: 1,
      })),
    ],
  });
  const work = mkdtempSync(join(tmpdir(), 'zm-image-smoke-'));
  const podman = podmanRunner(archive);
  let runner: Runner;
  let podmanFailure: { command: string; error: string } | undefined;
  if ('kind' in podman) runner = podman;
  else {
    podmanFailure = podman;
    say(`podman cannot run a container here:\n  $ ${podman.command}\n  ${podman.error}`);
    say('falling back to: umoci unpack, then the image entry point under chroot as its user');
    runner = chrootRunner(archive, work);
  }

  const port = {
    detector: await freePort(),
    escalator: await freePort(),
    worker: await freePort(),
    consoleMetrics: await freePort(),
    console: await freePort(),
  };
  const taskQueue = `${run}-cases`;
  const common = {
    ZM_KAFKA_BROKERS: stack.brokers.join(','),
    ZM_REDIS_URL: stack.redisUrl,
    ZM_TEMPORAL_ADDRESS: stack.temporalAddress,
    ZM_CASES_TASK_QUEUE: taskQueue,
    ZM_LOG_LEVEL: 'info',
  };
  const env: Record<Service, Record<string, string>> = {
    detector: {
      // The detector's V8 flags (services/detector/src/node-flags.ts), as the manifest gives them.
      NODE_OPTIONS: '--max-semi-space-size=64',
      ZM_DETECTOR_REGISTRATIONS_TOPIC: topics.registrations,
      ZM_DETECTOR_DECLARATIONS_TOPIC: topics.declarations,
      ZM_DETECTOR_ALERTS_TOPIC: topics.alerts,
      ZM_DETECTOR_GROUP_ID: `${run}-detector`,
      ZM_DETECTOR_KEY_PREFIX: run,
      ZM_DETECTOR_FROM_BEGINNING: 'true',
      ZM_DETECTOR_METRICS_PORT: String(port.detector),
    },
    escalator: {
      ZM_ESCALATOR_ALERTS_TOPIC: topics.alerts,
      ZM_ESCALATOR_GROUP_ID: `${run}-escalator`,
      ZM_ESCALATOR_FROM_BEGINNING: 'true',
      ZM_ESCALATOR_METRICS_PORT: String(port.escalator),
    },
    worker: {
      ZM_OUTCOMES_TOPIC: topics.outcomes,
      ZM_CUSTOMS_URL: 'http://127.0.0.1:9/holds',
      ZM_WORKER_METRICS_PORT: String(port.worker),
    },
    console: {
      ZM_CONSOLE_PORT: String(port.console),
      ZM_CONSOLE_METRICS_PORT: String(port.consoleMetrics),
      ZM_ALERTS_TOPIC: topics.alerts,
      ZM_FEED_TOPICS: `${topics.registrations},${topics.declarations}`,
      ZM_CONSOLE_AUDIT_TOPIC: topics.audit,
    },
  };
  const readyUrl: Record<Service, string> = {
    detector: `http://127.0.0.1:${port.detector}/readyz`,
    escalator: `http://127.0.0.1:${port.escalator}/readyz`,
    worker: `http://127.0.0.1:${port.worker}/readyz`,
    console: `http://127.0.0.1:${port.consoleMetrics}/readyz`,
  };

  const containers = new Map<Service, Container>();
  const figures: Record<
    string,
    { readyMs: number; rssMiB?: number; stopMs?: number; exitCode?: number | null }
  > = {};
  let caseMs: number | undefined;
  let ok = false;
  try {
    const started = performance.now();
    for (const s of SERVICES) containers.set(s, runner.start(`${run}-${s}`, s, { ...common, ...env[s] }));
    await Promise.all(
      SERVICES.map(async (s) => {
        await until(`${s} ready`, READY_TIMEOUT_MS, async () =>
          (await fetch(readyUrl[s], { signal: AbortSignal.timeout(2000) })).ok ? true : undefined,
        ).catch((err: Error) => {
          throw new Error(`${err.message}; its log:\n${containers.get(s)!.logs().slice(-3000)}`);
        });
        figures[s] = { readyMs: Math.round(performance.now() - started) };
      }),
    );
    await sleep(2000);
    for (const s of SERVICES) {
      const rss = rssMiB(containers.get(s)!.nodePid());
      if (rss !== undefined) figures[s]!.rssMiB = Math.round(rss);
    }
    say(
      `all four ready (${Object.entries(figures)
        .map(([s, f]) => `${s} ${f.readyMs} ms`)
        .join(', ')})`,
    );

    const codec = await createCodec();
    const producer = createIdempotentProducer(kafka);
    await producer.connect();
    const vin = randomVin();
    const now = Date.now();
    const sent = performance.now();
    await producer.send({
      topic: topics.registrations,
      acks: -1,
      messages: [
        {
          key: vin,
          value: codec.encode('vehicle.registrations.v1', firstRegistration(vin, now - 6 * DAY_MS, run)),
        },
      ],
    });
    await producer.send({
      topic: topics.declarations,
      acks: -1,
      messages: [
        {
          key: vin,
          value: codec.encode('customs.declarations.v1', usedExportDeclaration(vin, now - 60_000, run)),
        },
      ],
    });
    await producer.disconnect();
    say(`produced a registration and a used-export declaration for ${vin}`);

    const consoleUrl = `http://127.0.0.1:${port.console}`;
    const login = await fetch(`${consoleUrl}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'analyst', password: 'analyst-demo' }),
    });
    if (!login.ok) throw new Error(`console sign-in: ${login.status} ${await login.text()}`);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const seen = await until(`the case of ${vin} in the console's API`, CASE_TIMEOUT_MS, async () => {
      const res = await fetch(`${consoleUrl}/api/cases/${vin}`, { headers: { cookie } });
      if (!res.ok) return undefined;
      const body = (await res.json()) as { vin?: string; case?: { vin?: string } };
      return JSON.stringify(body).includes(vin) ? body : undefined;
    });
    caseMs = Math.round(performance.now() - sent);
    say(
      `GET /api/cases/${vin} (as analyst) shows the case after ${caseMs} ms: ${JSON.stringify(seen).slice(0, 160)}…`,
    );

    // Stop in the pipeline's order; each must exit 0 within the limit on SIGTERM.
    const stopFailures: string[] = [];
    for (const s of SERVICES) {
      const r = await containers.get(s)!.stop();
      figures[s]!.stopMs = Math.round(r.ms);
      figures[s]!.exitCode = r.code;
      if (r.code !== 0 || r.ms > STOP_LIMIT_MS)
        stopFailures.push(
          `${s}: exit ${r.code ?? 'killed'} after ${Math.round(r.ms)} ms\n${containers.get(s)!.logs().slice(-1500)}`,
        );
    }
    containers.clear();
    if (stopFailures.length > 0) throw new Error(`not a clean stop on SIGTERM:\n${stopFailures.join('\n')}`);
    ok = true;
  } catch (err) {
    say(`FAILED: ${(err as Error).message}`);
  } finally {
    for (const c of containers.values()) await c.stop().catch(() => undefined);
    runner.close();
    await admin
      .deleteTopics({ topics: (await admin.listTopics()).filter((t) => t.startsWith(run)) })
      .catch(() => undefined);
    await admin.disconnect();
    if (runner.mounted?.()) say(`not removing ${work}: something is still mounted there`);
    else rmSync(work, { recursive: true, force: true });
  }

  say('');
  say(
    `${'service'.padEnd(10)} ${'ready'.padStart(9)} ${'RSS'.padStart(9)} ${'SIGTERM→exit'.padStart(13)} exit`,
  );
  for (const s of SERVICES) {
    const f = figures[s];
    say(
      `${s.padEnd(10)} ${f ? `${f.readyMs} ms`.padStart(9) : '-'.padStart(9)} ${f?.rssMiB !== undefined ? `${f.rssMiB} MiB`.padStart(9) : '-'.padStart(9)} ${f?.stopMs !== undefined ? `${f.stopMs} ms`.padStart(13) : '-'.padStart(13)} ${f?.exitCode ?? '-'}`,
    );
  }
  say(
    `runner: ${runner.kind}${podmanFailure ? ' (podman could not start a container here)' : ''}; alert → case in the console's API: ${caseMs ?? '-'} ms`,
  );
  say(
    JSON.stringify({
      smoke: ok ? 'passed' : 'failed',
      runner: runner.kind,
      podmanFailure,
      caseMs,
      services: figures,
    }),
  );
  return ok;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = (await runSmoke()) ? 0 : 1;

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_PORTS } from '@zmwatch/kit';
import { isAlive, readPid, spawnDetached, stopPid, waitFor, which } from './process.js';
import { portVar, REPO_ROOT, VERSIONS } from './settings.js';

/**
 * The optional Schema Registry: Apicurio Registry, whose `/apis/ccompat/v7` API is the Confluent
 * Schema Registry protocol the services speak in registry mode (ZM_SCHEMA_REGISTRY_URL). Never part
 * of `stack up`: `infra/bin/registry up` starts it, the registry tests start private ones.
 *
 * Maven Central carries the built application (`io.apicurio:apicurio-registry-app:<v>:tar.gz:all`,
 * a Quarkus fast-jar: quarkus-run.jar + lib/), so nothing is compiled here: mvn fetches it once into
 * the cache, and it runs on a Java 21+ JVM (the 3.3 classes are Java 21).
 */

const ARTIFACT = `io.apicurio:apicurio-registry-app:${VERSIONS.apicurioRegistry}:tar.gz:all`;
/** Pinned: Maven 3.8's built-in default (2.8) has no `copy -Dartifact`. */
const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';
const MIN_JAVA = 21;

export interface RegistryOptions {
  /** HTTP API port (the ccompat API is under /apis/ccompat/v7). */
  port: number;
  /** Quarkus management interface (health, metrics), its own port. */
  managementPort: number;
  /** pid file, log and the H2 database of this instance; schemas survive a restart on the same dir. */
  dir: string;
  /** Downloads shared by every clone (~/.cache/zmwatch). */
  cacheDir: string;
}

/** The default instance: 127.0.0.1:18081 (ZM_REGISTRY_PORT), data in <runDir>/registry. */
export function registryOptions(over: Partial<RegistryOptions> = {}): RegistryOptions {
  const cacheDir = process.env.ZM_CACHE_DIR || join(process.env.HOME ?? '/root', '.cache', 'zmwatch');
  const runDir = process.env.ZM_RUN_DIR || join(REPO_ROOT, '.zmwatch');
  return {
    port: portVar('ZM_REGISTRY_PORT', DEFAULT_PORTS.schemaRegistry),
    managementPort: portVar('ZM_REGISTRY_MANAGEMENT_PORT', DEFAULT_PORTS.schemaRegistryManagement),
    dir: join(runDir, 'registry'),
    cacheDir,
    ...over,
  };
}

/** The Confluent-compatible base URL clients are given (ZM_SCHEMA_REGISTRY_URL). */
export const ccompatUrl = (o: Pick<RegistryOptions, 'port'>) => `http://127.0.0.1:${o.port}/apis/ccompat/v7`;

export const apicurioHome = (cacheDir: string) =>
  join(cacheDir, `apicurio-registry-${VERSIONS.apicurioRegistry}`);

/** Runs an install step with its output on our stderr (stdout is the CLI's answer). */
function step(what: string, cmd: string, args: string[]): void {
  process.stderr.write(`zmwatch: ${what}\n`);
  const r = spawnSync(cmd, args, { stdio: ['ignore', 2, 2] });
  if (r.error) throw new Error(`${what}: could not run ${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${what}: ${cmd} ${args.join(' ')} exited with ${r.status}`);
}

/** Idempotent; a stat once installed. Returns the distribution's folder (quarkus-run.jar, lib/). */
export function installApicurio(cacheDir: string): string {
  const home = apicurioHome(cacheDir);
  if (existsSync(join(home, '.zm-ok'))) return home;
  if (!which('mvn')) throw new Error('Apicurio Registry is fetched with Maven, and mvn is not on PATH');
  mkdirSync(cacheDir, { recursive: true });
  const tmp = mkdtempSync(join(cacheDir, `.apicurio-${VERSIONS.apicurioRegistry}-`));
  try {
    step(`fetching ${ARTIFACT} (about 160 MB) with mvn (first run only)`, 'mvn', [
      '-q',
      '-B',
      '-C',
      `${DEPENDENCY_PLUGIN}:copy`,
      `-Dartifact=${ARTIFACT}`,
      `-DoutputDirectory=${tmp}`,
    ]);
    const tarball = readdirSync(tmp).find((f) => f.endsWith('.tar.gz'));
    if (!tarball) throw new Error(`mvn copied no tar.gz into ${tmp}`);
    const dist = join(tmp, 'dist');
    mkdirSync(dist);
    step(`unpacking ${tarball}`, 'tar', ['xzf', join(tmp, tarball), '-C', dist]);
    if (!existsSync(join(dist, 'quarkus-run.jar'))) throw new Error(`${tarball} has no quarkus-run.jar`);
    writeFileSync(join(dist, '.zm-ok'), `${ARTIFACT}\n`);
    try {
      renameSync(dist, home);
    } catch (err) {
      // Another run installed it meanwhile: keep theirs.
      if (!existsSync(join(home, '.zm-ok'))) throw err;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return home;
}

function javaMajor(java: string): number | undefined {
  const r = spawnSync(java, ['-version'], { encoding: 'utf8' });
  const m = /version "(\d+)(?:\.(\d+))?/.exec(`${r.stderr ?? ''}${r.stdout ?? ''}`);
  if (!m) return undefined;
  const major = Number(m[1]);
  return major === 1 ? Number(m[2]) : major; // "1.8.0" is Java 8
}

/** A Java 21+ `java`: ZM_REGISTRY_JAVA, else the newest JDK under /usr/lib/jvm, else PATH's. */
export function registryJava(): string {
  const forced = process.env.ZM_REGISTRY_JAVA;
  if (forced) {
    const major = javaMajor(forced);
    if (major === undefined || major < MIN_JAVA)
      throw new Error(
        `ZM_REGISTRY_JAVA=${forced} is Java ${major ?? '?'}; Apicurio Registry needs ${MIN_JAVA}+`,
      );
    return forced;
  }
  const candidates = existsSync('/usr/lib/jvm')
    ? readdirSync('/usr/lib/jvm').map((d) => join('/usr/lib/jvm', d, 'bin', 'java'))
    : [];
  const onPath = which('java');
  if (onPath) candidates.push(onPath);
  let best: { java: string; major: number } | undefined;
  for (const java of candidates.filter((c) => existsSync(c))) {
    const major = javaMajor(java);
    if (major !== undefined && major >= MIN_JAVA && (!best || major > best.major)) best = { java, major };
  }
  if (!best)
    throw new Error(
      `Apicurio Registry ${VERSIONS.apicurioRegistry} needs Java ${MIN_JAVA}+; none found under /usr/lib/jvm or on PATH (set ZM_REGISTRY_JAVA)`,
    );
  return best.java;
}

export interface RegistryInstance {
  readonly options: RegistryOptions;
  /** ZM_SCHEMA_REGISTRY_URL for this instance. */
  readonly url: string;
  readonly logFile: string;
  readonly pidFile: string;
  version(): string;
  /** Installs the distribution if missing (mvn, once per machine). */
  install(): void;
  /** Spawns it detached (callers check health first). */
  start(): void;
  /** Resolves with the registry's own name and version when it answers the Confluent API; throws otherwise. */
  health(): Promise<string>;
  /** install + start unless healthy + wait until it answers. */
  up(timeoutMs?: number): Promise<string>;
  /** Stops the process this dir's pid file names (SIGTERM, then SIGKILL). */
  down(): Promise<'stopped' | 'not-running'>;
}

export function apicurioRegistry(options: RegistryOptions): RegistryInstance {
  const dir = resolve(options.dir);
  const logFile = join(dir, 'registry.log');
  const pidFile = join(dir, 'registry.pid');
  const base = `http://127.0.0.1:${options.port}`;
  const self: RegistryInstance = {
    options,
    url: ccompatUrl(options),
    logFile,
    pidFile,
    version: () => `Apicurio Registry ${VERSIONS.apicurioRegistry} (Confluent API /apis/ccompat/v7)`,
    install() {
      installApicurio(options.cacheDir);
    },
    start() {
      const home = apicurioHome(options.cacheDir);
      const tmp = join(dir, 'tmp');
      mkdirSync(tmp, { recursive: true });
      spawnDetached(
        registryJava(),
        [
          '-Xmx384m',
          // C1 only and the serial collector: a test and development registry, and on 2 cores this
          // brings start-up from 20-40 s (C2 compiling Quarkus' boot) down to about 7 s.
          '-XX:TieredStopAtLevel=1',
          '-XX:+UseSerialGC',
          `-Djava.io.tmpdir=${tmp}`,
          '-Dquarkus.http.host=127.0.0.1',
          `-Dquarkus.http.port=${options.port}`,
          '-Dquarkus.management.host=127.0.0.1',
          `-Dquarkus.management.port=${options.managementPort}`,
          // The default H2 in-memory database loses every schema on a restart; a file keeps them, as
          // a real registry's storage does (the restart tests rely on it).
          `-Dapicurio.datasource.url=jdbc:h2:file:${join(dir, 'data', 'registry')}`,
          `-Dapicurio.storage.snapshot.location=${tmp}`,
          `-Dapicurio.import.work-dir=${tmp}`,
          '-jar',
          join(home, 'quarkus-run.jar'),
        ],
        { logFile, pidFile, cwd: dir },
      );
    },
    async health() {
      const res = await fetch(`${base}/apis/registry/v3/system/info`, { signal: AbortSignal.timeout(2000) });
      if (!res.ok) throw new Error(`system/info: HTTP ${res.status}`);
      const info = (await res.json()) as { name?: string; version?: string };
      const subjects = await fetch(`${base}/apis/ccompat/v7/subjects`, { signal: AbortSignal.timeout(2000) });
      if (!subjects.ok) throw new Error(`ccompat subjects: HTTP ${subjects.status}`);
      return `${info.name ?? 'registry'} ${info.version ?? '?'}`;
    },
    async up(timeoutMs = 120_000) {
      self.install();
      const already = await self.health().then(
        (d) => d,
        () => undefined,
      );
      if (already) return already;
      const pid = readPid(pidFile);
      if (pid === undefined || !isAlive(pid)) self.start();
      return waitFor(
        'schema registry',
        () => self.health(),
        timeoutMs,
        () => {
          const p = readPid(pidFile);
          return p === undefined || !isAlive(p);
        },
      );
    },
    down: () => stopPid(pidFile),
  };
  return self;
}

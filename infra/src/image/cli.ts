/** `infra/bin/image build` (the smoke test is test/image/image-smoke.ts): README "Deployment". */
import { relative } from 'node:path';
import { REPO_ROOT } from '../settings.js';
import { buildImage } from './build.js';
import { IMAGE_REF } from './image-settings.js';

const MiB = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

function main(argv: string[]): number {
  const [command] = argv;
  if (command === 'build') {
    const r = buildImage({ pnpm: process.env.ZM_PNPM ?? 'pnpm' });
    const compressed = r.layers.reduce((n, l) => n + l.compressedBytes, 0);
    console.log(`${IMAGE_REF} ${r.digest}`);
    console.log(
      `  archive      ${relative(REPO_ROOT, r.archive)} (OCI archive; podman load -i, skopeo copy oci-archive:…)`,
    );
    console.log(
      `  layers       ${r.layers.map((l) => `${l.digest.slice(7, 19)} ${MiB(l.compressedBytes)}`).join(', ')} (gzip)`,
    );
    console.log(`  size         ${MiB(compressed)} compressed, ${MiB(r.uncompressedBytes)} unpacked`);
    console.log(`  build time   ${r.seconds.toFixed(1)} s`);
    console.log(
      JSON.stringify({
        image: IMAGE_REF,
        digest: r.digest,
        compressedBytes: compressed,
        uncompressedBytes: r.uncompressedBytes,
        seconds: Math.round(r.seconds * 10) / 10,
      }),
    );
    return 0;
  }
  process.stderr.write('usage: infra/bin/image build\n');
  return 2;
}

process.exitCode = main(process.argv.slice(2));

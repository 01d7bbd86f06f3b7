/**
 * A throw-away PKI for the TLS tests, made with the machine's openssl: a CA, a server certificate
 * for 127.0.0.1 / localhost / temporal.zm.test, a client certificate signed by the same CA, and a
 * second ("rogue") CA with a client certificate of its own, which the servers must refuse.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CertPair {
  certFile: string;
  keyFile: string;
}

export interface TestPki {
  caFile: string;
  server: CertPair;
  client: CertPair;
  /** The rogue CA (trusted by nobody) and a client certificate it signed. */
  rogueCaFile: string;
  rogueClient: CertPair;
}

/** The name in the server certificate that is neither its address nor `localhost`. */
export const SERVER_ALT_NAME = 'temporal.zm.test';

const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });

function makeCa(dir: string, name: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  // prettier-ignore
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${name}`]);
  return { cert, key };
}

function makeLeaf(dir: string, name: string, ca: { cert: string; key: string }, ext: string): CertPair {
  const keyFile = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const certFile = join(dir, `${name}.crt`);
  const extFile = join(dir, `${name}.ext`);
  writeFileSync(extFile, ext);
  // `-nodes` writes an unencrypted PKCS#8 key ("BEGIN PRIVATE KEY"), the form Kafka's PEM store reads.
  // prettier-ignore
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', csr, '-subj', `/CN=${name}`]);
  // prettier-ignore
  openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-out', certFile, '-days', '2', '-extfile', extFile]);
  return { certFile, keyFile };
}

export function makeTestPki(dir: string): TestPki {
  mkdirSync(dir, { recursive: true });
  const ca = makeCa(dir, 'zm-test-ca');
  const rogue = makeCa(dir, 'zm-rogue-ca');
  const server = makeLeaf(
    dir,
    'server',
    ca,
    `subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:${SERVER_ALT_NAME}\nextendedKeyUsage=serverAuth,clientAuth\n`,
  );
  const client = makeLeaf(dir, 'zm-service', ca, 'extendedKeyUsage=clientAuth\n');
  const rogueClient = makeLeaf(dir, 'zm-rogue', rogue, 'extendedKeyUsage=clientAuth\n');
  return { caFile: ca.cert, server, client, rogueCaFile: rogue.cert, rogueClient };
}

/**
 * The Kubernetes manifests of infra/k8s, validated rather than only written: every object against the
 * Kubernetes 1.37 schemas with kubernetes-validate (PyPI, strict: unknown fields fail), KEDA's objects
 * against KEDA's CRD schemas (@kubernetes-models/keda, npm), and what the schemas cannot say — probes
 * on the ports the services serve /healthz and /readyz on, resources, disruption budgets, autoscaling
 * bounds from infra/topics.yaml, and a network policy under which only zmwatch's pods reach Kafka,
 * Redis and Temporal. The validators are installed on first use into ~/.cache/zmwatch by
 * infra/bin/ensure-k8s-validators (about a minute), then cost a stat; in CI a failed install fails
 * the schema tests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { DEFAULT_PORTS } from '@zmwatch/kit';
import { COMPILED_NODE_FLAGS } from '../src/compiled.js';
import { loadTopicSpecs } from '@zmwatch/kit';
import { IMAGE_COMMANDS } from '../src/image/entry.js';
import { ENTRY_POINT, IMAGE_REF } from '../src/image/image-settings.js';
import { missingTool } from '../src/test-skips.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const K8S = join(ROOT, 'infra', 'k8s');
const FILES = readdirSync(K8S)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => join(K8S, f));

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;
const OBJECTS: Obj[] = FILES.flatMap((f) =>
  parseAllDocuments(readFileSync(f, 'utf8')).map((d) => {
    if (d.errors.length > 0) throw new Error(`${f}: ${d.errors[0]!.message}`);
    return d.toJS() as Obj;
  }),
);
const ofKind = (kind: string) => OBJECTS.filter((o) => o.kind === kind);
const named = (kind: string, name: string) => {
  const o = ofKind(kind).find((x) => x.metadata.name === name);
  assert.ok(o, `${kind} ${name} exists`);
  return o;
};

/**
 * The validators, or the reason they cannot be installed: then the schema tests fail with it under
 * CI=true and skip saying so elsewhere (missingTool).
 */
const validators: { kubernetesValidate: string; kedaModels: string } | { error: string } = (() => {
  try {
    const out = execFileSync(join(ROOT, 'infra', 'bin', 'ensure-k8s-validators'), {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const get = (k: string) => new RegExp(`^${k}=(.+)$`, 'm').exec(out)?.[1];
    return { kubernetesValidate: get('kubernetes-validate')!, kedaModels: get('keda-models')! };
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    return { error: (e.stderr || e.message).trim().split('\n').slice(-3).join(' / ') };
  }
})();
const validatorsMissing =
  'error' in validators ? `the validators could not be installed: ${validators.error}` : undefined;

/** What each service serves /healthz and /readyz on (services' config defaults, DEFAULT_PORTS). */
const SERVICES = {
  detector: {
    port: DEFAULT_PORTS.detectorMetrics,
    host: 'ZM_DETECTOR_METRICS_HOST',
    portVar: 'ZM_DETECTOR_METRICS_PORT',
  },
  escalator: {
    port: DEFAULT_PORTS.escalatorMetrics,
    host: 'ZM_ESCALATOR_METRICS_HOST',
    portVar: 'ZM_ESCALATOR_METRICS_PORT',
  },
  'case-worker': {
    port: DEFAULT_PORTS.workerMetrics,
    host: 'ZM_WORKER_METRICS_HOST',
    portVar: 'ZM_WORKER_METRICS_PORT',
  },
  console: {
    port: DEFAULT_PORTS.consoleMetrics,
    host: 'ZM_CONSOLE_METRICS_HOST',
    portVar: 'ZM_CONSOLE_METRICS_PORT',
  },
} as const;

test("every manifest passes kubernetes-validate --strict; the only kinds without a core schema are KEDA's", (t) => {
  if (validatorsMissing && missingTool(t, validatorsMissing)) return;
  const v = validators as { kubernetesValidate: string };
  const run = spawnSync(v.kubernetesValidate, ['--strict', '-k', '1.37.0', ...FILES], { encoding: 'utf8' });
  const out = `${run.stdout}${run.stderr}`;
  assert.equal(run.status, 0, out);
  const passed = out.split('\n').filter((l) => l.startsWith('INFO') && l.includes(' passed for resource '));
  const warned = out.split('\n').filter((l) => l.startsWith('WARN'));
  assert.equal(passed.length + warned.length, OBJECTS.length, out);
  for (const w of warned)
    assert.match(w, /kind (ScaledObject|TriggerAuthentication) with api version keda\.sh\/v1alpha1/);
  // The validator does reject what it should (a test of the test).
  const bad = spawnSync(v.kubernetesValidate, ['--strict', '-'], {
    input: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndatta: {a: b}\n',
    encoding: 'utf8',
  });
  assert.notEqual(bad.status, 0, 'an unknown field fails');
});

test("the KEDA objects validate against KEDA's CRD schemas", async (t) => {
  if (validatorsMissing && missingTool(t, validatorsMissing)) return;
  const dir = join(
    (validators as { kedaModels: string }).kedaModels,
    '@kubernetes-models',
    'keda',
    'keda.sh',
    'v1alpha1',
  );
  const load = async (kind: string) =>
    (
      (await import(pathToFileURL(join(dir, `${kind}.js`)).href)) as Record<
        string,
        new (o: Obj) => { validate(): void }
      >
    )[kind]!;
  const kedaKinds = ['ScaledObject', 'TriggerAuthentication'];
  const found = OBJECTS.filter((o) => kedaKinds.includes(o.kind));
  assert.equal(found.length, 3, 'two ScaledObjects and the TriggerAuthentication');
  for (const o of found) {
    const Model = await load(o.kind);
    assert.doesNotThrow(() => new Model(o).validate(), `${o.kind} ${o.metadata.name}`);
  }
  const ScaledObject = await load('ScaledObject');
  const broken = structuredClone(named('ScaledObject', 'detector'));
  broken.spec.maxReplicaCount = '6';
  assert.throws(() => new ScaledObject(broken).validate(), /maxReplicaCount must be integer/);
});

test('each service is probed with /healthz (startup, liveness) and /readyz (readiness) on the port it serves them on', () => {
  for (const [name, svc] of Object.entries(SERVICES)) {
    const c = named('Deployment', name).spec.template.spec.containers[0];
    const env = Object.fromEntries(
      (c.env as Obj[]).filter((e) => 'value' in e).map((e) => [e.name, String(e.value)]),
    );
    assert.equal(env[svc.portVar], String(svc.port), `${name}: ${svc.portVar}`);
    assert.equal(env[svc.host], '0.0.0.0', `${name}: ${svc.host} (the default binds loopback only)`);
    const port = (c.ports as Obj[]).find((p) => p.containerPort === svc.port);
    assert.ok(port, `${name} declares port ${svc.port}`);
    for (const [probe, path] of [
      ['startupProbe', '/healthz'],
      ['livenessProbe', '/healthz'],
      ['readinessProbe', '/readyz'],
    ] as const) {
      assert.equal(c[probe]?.httpGet?.path, path, `${name} ${probe}`);
      assert.equal(c[probe].httpGet.port, port.name, `${name} ${probe} port`);
    }
    assert.equal(
      named('Deployment', name).spec.template.metadata.annotations['prometheus.io/port'],
      String(svc.port),
    );
  }
  const console = named('Deployment', 'console').spec.template.spec.containers[0];
  const http = (console.ports as Obj[]).find((p) => p.name === 'http');
  assert.equal(http?.containerPort, DEFAULT_PORTS.console);
  assert.equal(
    named('Service', 'console').spec.ports.length,
    1,
    'the Service exposes the user-facing port only',
  );
  assert.equal(named('Service', 'console').spec.ports[0].targetPort, 'http');
});

test('every container requests cpu and memory and has a memory limit; pods run as non-root, read-only', () => {
  assert.deepEqual(
    ofKind('Deployment')
      .map((d) => d.metadata.name)
      .sort(),
    Object.keys(SERVICES).sort(),
  );
  for (const d of ofKind('Deployment')) {
    const pod = d.spec.template.spec;
    assert.equal(pod.securityContext.runAsNonRoot, true, d.metadata.name);
    for (const c of pod.containers as Obj[]) {
      assert.ok(c.resources?.requests?.cpu && c.resources.requests.memory, `${d.metadata.name} requests`);
      assert.ok(c.resources.limits?.memory, `${d.metadata.name} memory limit`);
      assert.equal(c.securityContext.readOnlyRootFilesystem, true);
      assert.equal(
        pod.volumes.some((v: Obj) => v.name === 'tmp' && v.emptyDir),
        true,
        'a writable /tmp',
      );
    }
  }
});

test('every container runs the image infra/bin/image builds, its entry point naming the service', () => {
  for (const d of ofKind('Deployment')) {
    for (const c of d.spec.template.spec.containers as Obj[]) {
      // zmwatch:0.1.0, or pinned to a build: zmwatch:0.1.0@sha256:<its digest>.
      assert.match(
        c.image,
        new RegExp(`^${IMAGE_REF.replace(/\./g, '\\.')}(@sha256:[0-9a-f]{64})?$`),
        d.metadata.name,
      );
      // No command: the image's entry point (tini → node --conditions=production → the compiled
      // entry.js) runs the compiled service the one argument names.
      assert.equal(c.command, undefined, `${d.metadata.name} keeps the image's entry point`);
      assert.equal(c.args.length, 1, d.metadata.name);
      assert.ok(
        Object.hasOwn(IMAGE_COMMANDS, c.args[0]),
        `${d.metadata.name}: ${c.args[0]} is an image command`,
      );
      assert.ok(existsSync(join(ROOT, IMAGE_COMMANDS[c.args[0] as keyof typeof IMAGE_COMMANDS])));
    }
  }
  assert.ok(ENTRY_POINT.includes(COMPILED_NODE_FLAGS[0]), 'the entry point runs compiled code');
  const detector = named('Deployment', 'detector').spec.template.spec.containers[0];
  assert.match(
    detector.env.find((e: Obj) => e.name === 'NODE_OPTIONS')?.value ?? '',
    /--max-semi-space-size=/,
    "the detector's V8 flags reach node",
  );
});

const matches = (selector: Obj | undefined, labels: Obj) =>
  Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);

test('each Deployment has a PodDisruptionBudget selecting its pods (and none selects nothing)', () => {
  for (const d of ofKind('Deployment')) {
    const pdbs = ofKind('PodDisruptionBudget').filter(
      (p) =>
        p.metadata.namespace === d.metadata.namespace &&
        matches(p.spec.selector, d.spec.template.metadata.labels),
    );
    assert.equal(pdbs.length, 1, `${d.metadata.name}: one PDB`);
    assert.ok('maxUnavailable' in pdbs[0]!.spec || 'minAvailable' in pdbs[0]!.spec);
    assert.ok(matches(d.spec.selector, d.spec.template.metadata.labels), `${d.metadata.name} selector`);
  }
  assert.equal(ofKind('PodDisruptionBudget').length, ofKind('Deployment').length);
});

test("KEDA scales the detector and the escalator on their groups' lag, at most one replica per input partition", () => {
  const partitions = new Map(loadTopicSpecs().map((t) => [t.name, t.partitions]));
  const expected = {
    detector: { group: 'zm-detector', topics: ['vehicle.registrations.v1', 'customs.declarations.v1'] },
    escalator: { group: 'zm-escalator', topics: ['zm.alerts.v1'] },
  };
  assert.deepEqual(
    ofKind('ScaledObject')
      .map((s) => s.metadata.name)
      .sort(),
    Object.keys(expected).sort(),
  );
  const brokers = named('ConfigMap', 'zmwatch-connections').data.ZM_KAFKA_BROKERS;
  for (const [name, want] of Object.entries(expected)) {
    const so = named('ScaledObject', name);
    assert.equal(so.spec.scaleTargetRef.name, name);
    named('Deployment', name);
    const triggers = so.spec.triggers as Obj[];
    assert.deepEqual(
      triggers.map((t) => t.metadata.topic),
      want.topics,
    );
    for (const t of triggers) {
      assert.equal(t.type, 'kafka');
      assert.equal(t.metadata.consumerGroup, want.group);
      assert.equal(t.metadata.bootstrapServers, brokers, 'the brokers the services use');
      assert.equal(t.authenticationRef.name, named('TriggerAuthentication', 'zmwatch-kafka').metadata.name);
      const lag = Number(t.metadata.lagThreshold);
      assert.ok(Number.isInteger(lag) && lag >= 50 && lag <= 100_000, `${name} lagThreshold ${lag}`);
    }
    const counts = want.topics.map((t) => partitions.get(t));
    assert.ok(
      counts.every((c) => c === counts[0]),
      'inputs co-partitioned',
    );
    assert.equal(so.spec.maxReplicaCount, counts[0], `${name}: maxReplicaCount = input partitions`);
    assert.ok(so.spec.minReplicaCount >= 1, 'never scaled to zero');
    // The service's group id is its default (the Deployment does not move it away from the trigger's).
    const env = named('Deployment', name).spec.template.spec.containers[0].env as Obj[];
    assert.ok(!env.some((e) => /_GROUP_ID$/.test(e.name)), `${name} keeps its default group id`);
  }
});

// A small NetworkPolicy evaluator (ingress and egress, matchLabels selectors, ports), enough to check
// who reaches what under these manifests: a connection needs the source's egress and the destination's
// ingress both to allow it, where a pod selected by no policy of that direction allows everything.
interface Pod {
  ns: string;
  labels: Obj;
}
const nsLabels = (ns: string) => ({ 'kubernetes.io/metadata.name': ns });
function peerMatches(peer: Obj, self: Pod, other: Pod): boolean {
  if (peer.ipBlock) return false; // pods are inside the cluster's private ranges, which these blocks except
  const nsOk = peer.namespaceSelector
    ? matches(peer.namespaceSelector, nsLabels(other.ns))
    : other.ns === self.ns;
  return nsOk && (peer.podSelector ? matches(peer.podSelector, other.labels) : true);
}
function allows(direction: 'Ingress' | 'Egress', self: Pod, other: Pod, port: number): boolean {
  const policies = ofKind('NetworkPolicy').filter(
    (p) =>
      p.metadata.namespace === self.ns &&
      p.spec.policyTypes.includes(direction) &&
      matches(p.spec.podSelector, self.labels),
  );
  if (policies.length === 0) return true;
  const key = direction === 'Ingress' ? 'ingress' : 'egress';
  const peers = direction === 'Ingress' ? 'from' : 'to';
  return policies.some((p) =>
    ((p.spec[key] ?? []) as Obj[]).some(
      (rule) =>
        (rule[peers] === undefined ||
          (rule[peers] as Obj[]).some((peer) => peerMatches(peer, self, other))) &&
        (rule.ports === undefined || (rule.ports as Obj[]).some((x) => x.port === port)),
    ),
  );
}
const reaches = (from: Pod, to: Pod, port: number) =>
  allows('Egress', from, to, port) && allows('Ingress', to, from, port);

test("under the network policies only zmwatch's service pods reach Kafka, Redis and Temporal; users reach the console only", () => {
  const pod = (name: string): Pod => ({
    ns: 'zmwatch',
    labels: named('Deployment', name).spec.template.metadata.labels,
  });
  const data = (name: string): Pod => ({ ns: 'zmwatch-data', labels: { 'app.kubernetes.io/name': name } });
  const DATA = [
    [data('kafka'), 9093],
    [data('redis'), 6379],
    [data('temporal-frontend'), 7233],
  ] as const;
  const user: Pod = { ns: 'ingress-nginx', labels: { 'app.kubernetes.io/name': 'ingress-nginx' } };
  const stranger: Pod = { ns: 'default', labels: { app: 'laptop-debug' } };
  const sidecar: Pod = { ns: 'zmwatch', labels: { app: 'debug-shell' } };
  for (const name of Object.keys(SERVICES))
    for (const [server, port] of DATA)
      assert.ok(reaches(pod(name), server, port), `${name} -> ${server.labels['app.kubernetes.io/name']}`);
  for (const who of [user, stranger, sidecar])
    for (const [server, port] of DATA)
      assert.ok(
        !reaches(who, server, port),
        `${who.ns}/${JSON.stringify(who.labels)} must not reach ${server.labels['app.kubernetes.io/name']}`,
      );
  assert.ok(
    reaches(user, pod('console'), DEFAULT_PORTS.console),
    'users reach the console through the ingress',
  );
  for (const [name, svc] of Object.entries(SERVICES)) {
    assert.ok(!reaches(user, pod(name), svc.port), `users do not reach ${name}'s metrics`);
    assert.ok(
      reaches({ ns: 'monitoring', labels: { app: 'prometheus' } }, pod(name), svc.port),
      `Prometheus scrapes ${name}`,
    );
  }
  for (const name of ['detector', 'escalator', 'case-worker'])
    assert.ok(!reaches(user, pod(name), DEFAULT_PORTS.console), `${name} is not user-facing`);
  const keda: Pod = { ns: 'keda', labels: { app: 'keda-operator' } };
  assert.ok(reaches(keda, data('kafka'), 9093), 'KEDA reads the lag');
  assert.ok(!reaches(keda, data('redis'), 6379) && !reaches(keda, data('temporal-frontend'), 7233));
  assert.ok(reaches(data('kafka'), data('kafka'), 9093), 'the data servers among themselves');
});

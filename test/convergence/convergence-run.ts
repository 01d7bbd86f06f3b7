// One convergence run at a chosen size and order (no fault), for the share of alerts revised at a
// larger size than the test's (the quality bench's in-memory replay has no revisions):
//   node --import tsx test/convergence/convergence-run.ts [vehicles=50000] [order=shuffled]
// Uses the shared stack (ZM_KAFKA_BROKERS / ZM_REDIS_URL), unique topics and keys, cleaned up after.
import { createCodec } from '@zmwatch/schemas';
import {
  compare,
  convergenceRuleset,
  dataSet,
  expectedAlerts,
  reorder,
  runPipeline,
  type Order,
} from './harness.js';

const vehicles = Number(process.argv[2] ?? 50_000);
const order = (process.argv[3] ?? 'shuffled') as Order;
if (!Number.isInteger(vehicles) || vehicles <= 0) throw new Error('vehicles must be a positive integer');
if (!['arrival', 'reversed', 'shuffled'].includes(order)) throw new Error(`unknown order ${order}`);
const ruleset = convergenceRuleset();
const events = dataSet(1313, vehicles);
const expected = expectedAlerts(events, await createCodec(), ruleset);
const r = await runPipeline({ events: reorder(events, order), ruleset, fault: 'none' });
const c = compare(expected, r.latest);
const pct = (n: number) => `${((100 * n) / Math.max(1, r.latest.size)).toFixed(1)} %`;
console.log(
  `${vehicles} vehicles, ${events.length} events, ${order}: ${r.messages} alert records, ${r.latest.size} alert ids, ` +
    `revised ${c.revised} (${pct(c.revised)}), withdrawn ${c.withdrawn} (${pct(c.withdrawn)}); ` +
    `alert ids revised by reason ${JSON.stringify(r.reasons)}; ` +
    `vs evaluation of all events: missing ${c.missing.length}, extra ${c.extra.length}, different ${c.different.length}; ${r.seconds} s`,
);
process.exit(0); // kafkajs leaves retry timers behind after disconnect

import { DAY_MS } from '@zmwatch/schemas';
import { firstRegistration, usedExportDeclaration } from './events.js';
import type { Pipeline } from './pipeline.js';

/**
 * The scheme the detector exists for, into the pipeline's topics: `vin` first registered as new six
 * days before `now`, then declared for export as used a minute before `now`. It raises an alert,
 * which opens a case.
 */
export async function produceZeroMileageExport(p: Pipeline, vin: string, now = Date.now()): Promise<void> {
  await p.producer.send({
    topic: p.topics.registrations,
    acks: -1,
    messages: [
      {
        key: vin,
        value: p.codec.encode('vehicle.registrations.v1', firstRegistration(vin, now - 6 * DAY_MS, p.run)),
      },
    ],
  });
  await p.producer.send({
    topic: p.topics.declarations,
    acks: -1,
    messages: [
      {
        key: vin,
        value: p.codec.encode('customs.declarations.v1', usedExportDeclaration(vin, now - 60_000, p.run)),
      },
    ],
  });
}

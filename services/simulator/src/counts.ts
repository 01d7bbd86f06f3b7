/** Live counts of emitted records, shared by the Kafka and NDJSON outputs and the progress line. */
import type { SimEvent } from './types.js';

export interface EventCounts {
  total: number;
  registrations: number;
  declarations: number;
  /** Records per noise kind (ignorable and delivered-late alike). */
  noise: Record<string, number>;
}

export function createCounts(): EventCounts {
  return { total: 0, registrations: 0, declarations: 0, noise: {} };
}

export function countEvent(c: EventCounts, e: SimEvent): void {
  c.total++;
  if (e.topic === 'vehicle.registrations.v1') c.registrations++;
  else c.declarations++;
  if (e.noise) c.noise[e.noise] = (c.noise[e.noise] ?? 0) + 1;
}

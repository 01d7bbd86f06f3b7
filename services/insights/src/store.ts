import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DuckDBInstance, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import { errorMessage, RetriableError } from '@zmwatch/kit';
import type { InsightsRecord } from './records.js';
import { DDL, MERGE, RETENTION_TIME, TABLES, type Table } from './schema.js';

export interface InsightsStore {
  /**
   * Writes a batch atomically; resolves once it is committed (WAL synced). Writes made while another
   * is being committed share the next transaction (group commit); when a shared one fails, each
   * write is retried on its own, so each rejects only for its own records.
   */
  write(records: readonly InsightsRecord[]): Promise<void>;
  /** Deletes rows whose event time is older than `cutoffMs`; returns the rows deleted per table. */
  sweep(cutoffMs: number): Promise<Record<Table, number>>;
  /** A connection for read-only queries (reports), separate from the writer's. */
  reader(): DuckDBConnection;
  /** Row counts per table. */
  counts(): Promise<Record<Table, number>>;
  close(): Promise<void>;
}

/**
 * Failures of DuckDB that a record's content can cause (a value it cannot convert or a constraint
 * it breaks) are not worth retrying; anything else (I/O, a full disk, a lock) is an infrastructure
 * fault: the batch is retried, nothing committed.
 */
const CONTENT_FAULT = /^(Conversion|Constraint|Invalid Input|Out of Range) Error/;

function classified(err: unknown): Error {
  const message = errorMessage(err);
  if (CONTENT_FAULT.test(message)) return err instanceof Error ? err : new Error(message);
  return new RetriableError(`DuckDB write failed: ${message}`, { cause: err });
}

const big = (ms: number): bigint => BigInt(Math.round(ms));

function appendNullable<T>(a: DuckDBAppender, v: T | null, put: (v: T) => void): void {
  if (v === null) a.appendNull();
  else put(v);
}

/** One row per record, in the column order of its table (schema.ts DDL). */
function appendRow(apps: Record<Table, DuckDBAppender>, r: InsightsRecord): void {
  switch (r.kind) {
    case 'registration': {
      const a = apps.registrations;
      const e = r.event;
      a.appendVarchar(e.eventId);
      a.appendVarchar(e.eventType);
      a.appendVarchar(e.vin);
      a.appendVarchar(e.jurisdiction);
      a.appendVarchar(e.party.id);
      a.appendVarchar(e.party.type);
      a.appendVarchar(e.condition);
      a.appendVarchar(e.make);
      a.appendVarchar(e.model);
      a.appendBigInt(big(e.eventTime));
      a.appendBigInt(big(e.recordedAt));
      a.endRow();
      return;
    }
    case 'declaration': {
      const a = apps.declarations;
      const e = r.event;
      a.appendVarchar(e.eventId);
      a.appendVarchar(e.eventType);
      a.appendVarchar(e.declarationId);
      a.appendVarchar(e.vin);
      a.appendVarchar(e.exporterId);
      a.appendVarchar(e.exporterType);
      a.appendVarchar(e.declaredCondition);
      appendNullable(a, e.declaredOdometerKm, (v) => a.appendDouble(v));
      a.appendVarchar(e.destinationCountry);
      a.appendVarchar(e.portOfExit);
      a.appendBigInt(big(e.eventTime));
      a.appendBigInt(big(e.recordedAt));
      a.endRow();
      return;
    }
    case 'alert': {
      const a = apps.alerts;
      const x = r.alert;
      a.appendVarchar(x.alertId);
      a.appendInteger(r.revision);
      a.appendVarchar(r.status);
      a.appendVarchar(x.vin);
      a.appendVarchar(x.declarationId);
      a.appendVarchar(x.severity);
      a.appendDouble(x.score);
      appendNullable(a, x.registrantId, (v) => a.appendVarchar(v));
      a.appendVarchar(x.exporterId);
      a.appendVarchar(x.destinationCountry);
      appendNullable(a, x.jurisdiction, (v) => a.appendVarchar(v));
      a.appendVarchar(x.rulesetVersion);
      appendNullable(a, x.registrationTime, (v) => a.appendBigInt(big(v)));
      a.appendBigInt(big(x.declarationTime));
      a.appendBigInt(big(x.detectedAt));
      a.endRow();
      return;
    }
    case 'outcome': {
      const a = apps.case_outcomes;
      const o = r.outcome;
      a.appendVarchar(o.caseId);
      a.appendBigInt(big(o.decidedAt));
      a.appendVarchar(o.vin);
      a.appendVarchar(o.decision);
      a.appendVarchar(o.analyst);
      a.appendList(o.alertIds);
      a.appendBigInt(big(o.openedAt));
      a.endRow();
      return;
    }
  }
}

const TABLE_OF: Record<InsightsRecord['kind'], Table> = {
  registration: 'registrations',
  declaration: 'declarations',
  alert: 'alerts',
  outcome: 'case_outcomes',
};

/**
 * A sink's file opened read-only, for `zmwatch report` when no sink is running (DuckDB refuses it
 * while a sink holds the file: then ask the sink).
 */
export async function openReadOnly(path: string): Promise<{ reader: DuckDBConnection; close(): void }> {
  const instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
  const reader = await instance.connect();
  return {
    reader,
    close() {
      reader.closeSync();
      instance.closeSync();
    },
  };
}

/**
 * The sink's DuckDB file. A batch is appended to per-connection temp staging tables (DuckDB's
 * appender is its fast path) and merged into the real tables with each table's idempotent rule
 * (schema.ts MERGE) inside one transaction, so a batch is either wholly durable or not at all.
 */
export async function openStore(path: string): Promise<InsightsStore> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const instance = await DuckDBInstance.create(path);
  const writer = await instance.connect();
  for (const ddl of DDL) await writer.run(ddl);
  for (const t of TABLES)
    await writer.run(`CREATE TEMP TABLE IF NOT EXISTS stage_${t} AS SELECT * FROM main.${t} LIMIT 0`);
  const reader = await instance.connect();
  // One writer statement at a time: batches (one partition at a time) and the retention sweep.
  let tail: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = tail.then(fn, fn);
    tail = next.catch(() => undefined);
    return next;
  };

  async function stage(records: readonly InsightsRecord[]): Promise<Set<Table>> {
    const used = new Set<Table>(records.map((r) => TABLE_OF[r.kind]));
    const apps = {} as Record<Table, DuckDBAppender>;
    for (const t of used) apps[t] = await writer.createAppender(`stage_${t}`, 'main', 'temp');
    try {
      for (const r of records) appendRow(apps, r);
    } finally {
      for (const t of used) apps[t].closeSync(); // flushes
    }
    return used;
  }

  /** One transaction for `records`: staged, merged, committed; a failure is classified. */
  async function commit(records: readonly InsightsRecord[]): Promise<void> {
    try {
      const used = await stage(records);
      await writer.run('BEGIN TRANSACTION');
      try {
        for (const t of used) await writer.run(MERGE[t]);
        await writer.run('COMMIT');
      } catch (err) {
        await writer.run('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        for (const t of used) await writer.run(`DELETE FROM temp.stage_${t}`);
      }
    } catch (err) {
      throw classified(err);
    }
  }

  // Group commit: writes that arrive while a transaction is in flight (batches of other partitions,
  // handled concurrently) wait and go into the next transaction together. Each transaction costs
  // about the same whatever its size (appenders, one MERGE per table, the WAL sync), so at a steady
  // rate this turns dozens of tiny transactions a second into a few.
  const waiting: { records: readonly InsightsRecord[]; resolve(): void; reject(err: unknown): void }[] = [];
  let flushing: Promise<void> | undefined;
  async function commitGroup(group: typeof waiting): Promise<void> {
    try {
      await commit(group.flatMap((w) => w.records));
      for (const w of group) w.resolve();
      return;
    } catch (err) {
      if (group.length === 1) {
        group[0]!.reject(err);
        return;
      }
    }
    // A shared transaction failed: each write on its own, so each batch gets its own result (a
    // record that cannot be stored fails only its own batch, which the consumer bisects or retries;
    // an outage fails them all again).
    for (const w of group) await commit(w.records).then(w.resolve, w.reject);
  }
  async function flush(): Promise<void> {
    while (waiting.length > 0) {
      const group = waiting.splice(0);
      await serial(() => commitGroup(group));
    }
    flushing = undefined;
  }

  return {
    write(records) {
      if (records.length === 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        waiting.push({ records, resolve, reject });
        flushing ??= flush();
      });
    },
    sweep(cutoffMs) {
      return serial(async () => {
        const out = {} as Record<Table, number>;
        for (const t of TABLES) {
          const r = await writer.run(`DELETE FROM ${t} WHERE ${RETENTION_TIME[t]} < $1`, [big(cutoffMs)]);
          out[t] = Number(r.rowsChanged);
        }
        return out;
      });
    },
    reader: () => reader,
    async counts() {
      const out = {} as Record<Table, number>;
      for (const t of TABLES) {
        const r = await reader.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM ${t}`);
        out[t] = Number(r.getRowObjects()[0]?.n ?? 0);
      }
      return out;
    },
    async close() {
      await flushing;
      await tail;
      reader.closeSync();
      writer.closeSync();
      instance.closeSync();
    },
  };
}

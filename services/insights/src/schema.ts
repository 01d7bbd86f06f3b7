/**
 * The sink's tables (DuckDB dialect). Each input keeps its own idempotency key, so a replay or a
 * restart that re-reads uncommitted offsets writes nothing twice:
 *   registrations, declarations: the producer's eventId (a duplicate is the same event);
 *   alerts: alertId, one row holding the latest revision (a re-evaluation upserts it);
 *   case_outcomes: (caseId, decidedAt), one row per decision of a case.
 * Times are UTC epoch milliseconds (BIGINT), as on the wire. The same tables in ClickHouse are in
 * services/insights/README.md.
 */
export const TABLES = ['registrations', 'declarations', 'alerts', 'case_outcomes'] as const;
export type Table = (typeof TABLES)[number];

export const DDL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS registrations (
    event_id VARCHAR PRIMARY KEY,
    event_type VARCHAR NOT NULL,
    vin VARCHAR NOT NULL,
    jurisdiction VARCHAR NOT NULL,
    party_id VARCHAR NOT NULL,
    party_type VARCHAR NOT NULL,
    vehicle_condition VARCHAR NOT NULL,
    make VARCHAR NOT NULL,
    model VARCHAR NOT NULL,
    event_time BIGINT NOT NULL,
    recorded_at BIGINT NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS declarations (
    event_id VARCHAR PRIMARY KEY,
    event_type VARCHAR NOT NULL,
    declaration_id VARCHAR NOT NULL,
    vin VARCHAR NOT NULL,
    exporter_id VARCHAR NOT NULL,
    exporter_type VARCHAR NOT NULL,
    declared_condition VARCHAR NOT NULL,
    declared_odometer_km DOUBLE,
    destination_country VARCHAR NOT NULL,
    port_of_exit VARCHAR NOT NULL,
    event_time BIGINT NOT NULL,
    recorded_at BIGINT NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS alerts (
    alert_id VARCHAR PRIMARY KEY,
    revision INTEGER NOT NULL,
    status VARCHAR NOT NULL,
    vin VARCHAR NOT NULL,
    declaration_id VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,
    score DOUBLE NOT NULL,
    registrant_id VARCHAR,
    exporter_id VARCHAR NOT NULL,
    destination_country VARCHAR NOT NULL,
    jurisdiction VARCHAR,
    ruleset_version VARCHAR NOT NULL,
    registration_time BIGINT,
    declaration_time BIGINT NOT NULL,
    detected_at BIGINT NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS case_outcomes (
    case_id VARCHAR NOT NULL,
    decided_at BIGINT NOT NULL,
    vin VARCHAR NOT NULL,
    decision VARCHAR NOT NULL,
    analyst VARCHAR NOT NULL,
    alert_ids VARCHAR[] NOT NULL,
    opened_at BIGINT NOT NULL,
    PRIMARY KEY (case_id, decided_at)
  )`,
];

/**
 * How a staged batch lands in each table: events are insert-once; an alert row is replaced only by
 * a revision at least as new (a replayed older revision never overwrites a withdrawal).
 */
export const MERGE: Record<Table, string> = {
  registrations: `INSERT INTO registrations SELECT DISTINCT ON (event_id) * FROM temp.stage_registrations ON CONFLICT DO NOTHING`,
  declarations: `INSERT INTO declarations SELECT DISTINCT ON (event_id) * FROM temp.stage_declarations ON CONFLICT DO NOTHING`,
  alerts: `INSERT INTO alerts
    SELECT * FROM temp.stage_alerts
    QUALIFY row_number() OVER (PARTITION BY alert_id ORDER BY revision DESC, detected_at DESC) = 1
    ON CONFLICT (alert_id) DO UPDATE SET
      revision = excluded.revision, status = excluded.status, severity = excluded.severity,
      score = excluded.score, registrant_id = excluded.registrant_id, exporter_id = excluded.exporter_id,
      destination_country = excluded.destination_country, jurisdiction = excluded.jurisdiction,
      registration_time = excluded.registration_time, declaration_time = excluded.declaration_time,
      detected_at = excluded.detected_at
    WHERE excluded.revision >= alerts.revision`,
  case_outcomes: `INSERT INTO case_outcomes SELECT DISTINCT ON (case_id, decided_at) * FROM temp.stage_case_outcomes ON CONFLICT DO NOTHING`,
};

/** The event time each table's retention is judged by. */
export const RETENTION_TIME: Record<Table, string> = {
  registrations: 'event_time',
  declarations: 'event_time',
  alerts: 'declaration_time',
  case_outcomes: 'decided_at',
};

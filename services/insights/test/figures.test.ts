import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { runReport, type Report } from '../src/figures.js';
import { parseReportQuery } from '../src/report-query.js';
import { openStore } from '../src/store.js';
import { reportCsv } from '../src/csv.js';
import { dataset } from '@zmwatch/test-support/insights-dataset';

const run = randomBytes(3).toString('hex');
const data = dataset(run);
const all = parseReportQuery({});

function row(report: Report, month: string, jurisdiction: string) {
  const r = report.rows.find((x) => x.month === month && x.jurisdiction === jurisdiction);
  assert.ok(r, `row ${month} ${jurisdiction}`);
  return r;
}

describe('insights figures', () => {
  it('counts cohorts by registration month and exports by export month, as worked out by hand', async () => {
    const store = await openStore(':memory:');
    try {
      await store.write(data.records);
      const report = await runReport(store.reader(), all);
      assert.equal(report.rows.length, 7);
      assert.deepEqual(row(report, '2026-01', 'CN-GD'), {
        month: '2026-01',
        jurisdiction: 'CN-GD',
        firstRegistrations: 2,
        exportedUsedWithin30d: 1,
        exportedUsedWithin90d: 2,
        exportedUsedWithin180d: 2,
        shareExportedWithin90d: 1,
        usedExports: 1,
        flaggedExports: 1,
        confirmedExports: 1,
        flaggedShare: 1,
        confirmedShare: 1,
      });
      const sh = row(report, '2026-01', 'CN-SH');
      assert.deepEqual(
        [
          sh.firstRegistrations,
          sh.exportedUsedWithin30d,
          sh.exportedUsedWithin90d,
          sh.exportedUsedWithin180d,
        ],
        [1, 0, 0, 1],
      );
      // E declared NEW and F cancelled: registered, never a used export.
      const feb = row(report, '2026-02', 'CN-GD');
      assert.deepEqual([feb.firstRegistrations, feb.exportedUsedWithin180d, feb.usedExports], [2, 0, 0]);
      // G: exported without a registration the sink has seen.
      assert.equal(row(report, '2026-02', 'UNKNOWN').usedExports, 1);
      // B's alert was withdrawn by revision 1: a used export, not flagged.
      const mar = row(report, '2026-03', 'CN-GD');
      assert.deepEqual([mar.usedExports, mar.flaggedExports, mar.flaggedShare], [1, 0, 0]);
      // C: flagged, case dismissed.
      const may = row(report, '2026-05', 'CN-SH');
      assert.deepEqual([may.flaggedExports, may.confirmedExports], [1, 0]);

      assert.deepEqual(
        report.topRegistrants.map((t) => [t.id, t.flaggedExports, t.confirmedExports, t.sampleVins]),
        [
          [`R1-${run}`, 1, 1, [data.vins.A]],
          [`R2-${run}`, 1, 0, [data.vins.C]],
        ],
      );
      assert.deepEqual(
        report.topExporters.map((t) => [t.id, t.flaggedExports, t.usedExports]),
        [
          [`E1-${run}`, 1, 2],
          [`E2-${run}`, 1, 2],
        ],
      );
      assert.deepEqual(
        report.destinations.map((d) => [d.destination, d.usedExports, d.shareOfUsedExports]),
        [
          ['RU', 2, 0.5],
          ['AE', 1, 0.25],
          ['KZ', 1, 0.25],
        ],
      );
      assert.deepEqual(
        report.daysToExport.map((b) => [b.bucket, b.usedExports]),
        [
          ['0-7', 1],
          ['8-30', 0],
          ['31-90', 1],
          ['91-180', 1],
          ['181-365', 0],
          ['>365', 0],
        ],
      );
      const total = report.byMonth.reduce((n, s) => n + s.usedExports, 0);
      assert.equal(total, 4);
      const gd = report.byJurisdiction.find((s) => s.key === 'CN-GD');
      assert.deepEqual([gd?.firstRegistrations, gd?.usedExports, gd?.flaggedShare], [4, 2, 0.5]);
    } finally {
      await store.close();
    }
  });

  it('gives the same figures when every record is written twice, and keeps a withdrawal against an older revision replayed after it', async () => {
    const store = await openStore(':memory:');
    try {
      await store.write(data.records);
      const once = await runReport(store.reader(), all);
      await store.write(data.records);
      await store.write([...data.records].reverse());
      // B's revision 0 (ACTIVE) arriving alone after its withdrawal must not revive it.
      await store.write(data.records.filter((r) => r.kind === 'alert' && r.revision === 0));
      const twice = await runReport(store.reader(), all);
      assert.deepEqual(twice, once);
      assert.deepEqual(await store.counts(), {
        registrations: 6,
        declarations: 7,
        alerts: 3,
        case_outcomes: 2,
      });
    } finally {
      await store.close();
    }
  });

  it('filters by jurisdiction and range, and drills down by maker, exporter and destination', async () => {
    const store = await openStore(':memory:');
    try {
      await store.write(data.records);
      const sh = await runReport(store.reader(), parseReportQuery({ jurisdiction: 'cn-sh' }));
      assert.deepEqual(
        sh.rows.map((r) => `${r.month} ${r.jurisdiction}`),
        ['2026-01 CN-SH', '2026-02 CN-SH', '2026-05 CN-SH'],
      );
      const q1 = await runReport(store.reader(), parseReportQuery({ since: '2026-01', until: '2026-02' }));
      assert.deepEqual(
        q1.rows.map((r) => `${r.month} ${r.jurisdiction}`),
        ['2026-01 CN-GD', '2026-01 CN-SH'],
      );
      const byMaker = await runReport(store.reader(), parseReportQuery({ by: 'maker' }));
      assert.ok(byMaker.rows.every((r) => 'dimension' in r));
      assert.equal(
        byMaker.rows.find((r) => r.month === '2026-01' && r.jurisdiction === 'CN-SH')?.dimension,
        'Geely',
      );
      const byDest = await runReport(store.reader(), parseReportQuery({ by: 'destination' }));
      const ru = byDest.rows.filter((r) => r.dimension === 'RU');
      assert.equal(
        ru.reduce((n, r) => n + r.usedExports, 0),
        2,
      );
      const byExporter = await runReport(store.reader(), parseReportQuery({ by: 'exporter' }));
      assert.equal(
        byExporter.rows.filter((r) => r.dimension === `E1-${run}`).reduce((n, r) => n + r.flaggedExports, 0),
        1,
      );
    } finally {
      await store.close();
    }
  });

  it('exports a table as CSV with a header and quoted cells', async () => {
    const store = await openStore(':memory:');
    try {
      await store.write(data.records);
      const report = await runReport(store.reader(), all);
      const lines = reportCsv(report, 'rows').trimEnd().split('\r\n');
      assert.equal(lines[0]?.split(',')[0], 'month');
      assert.equal(lines.length, report.rows.length + 1);
      assert.match(reportCsv(report, 'topRegistrants'), /sampleVins/);
    } finally {
      await store.close();
    }
  });

  it('refuses a malformed range, jurisdiction or drill-down', () => {
    assert.throws(() => parseReportQuery({ since: '2026-13' }), /since must be a UTC date/);
    assert.throws(
      () => parseReportQuery({ since: '2026-03', until: '2026-02' }),
      /until must be after since/,
    );
    assert.throws(() => parseReportQuery({ jurisdiction: 'Guangdong' }), /ISO 3166-2/);
    assert.throws(() => parseReportQuery({ by: 'colour' }), /by must be one of/);
  });
});

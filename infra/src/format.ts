import type { ComponentStatus } from './stack.js';

export function formatStatusTable(rows: ComponentStatus[]): string {
  const table = rows.map((r) => [
    r.name,
    r.healthy ? 'healthy' : 'DOWN',
    r.ownership,
    r.address,
    r.version,
    r.healthy ? r.detail : `${r.detail} (log: ${r.log})`,
  ]);
  const head = ['COMPONENT', 'STATE', 'OWNER', 'ADDRESS', 'VERSION', 'DETAIL'];
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(head), ...table.map(line)].join('\n');
}

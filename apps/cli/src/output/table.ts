/**
 * A plain-text table as kubectl prints one: upper-case headers, columns padded to the widest
 * cell and three spaces apart, no trailing spaces. Cells are single-line; long ones are cut.
 */
export function renderTable(headers: string[], rows: string[][], maxCell = 80): string {
  const clean = (cell: string) => {
    const line = cell.replace(/\s*\n\s*/g, ' ');
    return line.length > maxCell ? `${line.slice(0, maxCell - 1)}…` : line;
  };
  const all = [headers.map((h) => h.toUpperCase()), ...rows.map((r) => headers.map((_, i) => clean(r[i] ?? '')))];
  const widths = headers.map((_, i) => Math.max(...all.map((r) => [...r[i]].length)));
  return all.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell + ' '.repeat(widths[i] - [...cell].length))).join('   ').trimEnd()).join('\n') + '\n';
}

/** "Key:  value" lines aligned, for one resource. */
export function renderFields(fields: Array<[string, string]>): string {
  const width = Math.max(...fields.map(([k]) => k.length)) + 1;
  return fields.map(([k, v]) => `${`${k}:`.padEnd(width)}  ${v}`.trimEnd()).join('\n') + '\n';
}

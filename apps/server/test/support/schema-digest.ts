import type { TestServer } from './test-server';

/**
 * One SQL query giving an md5 per table of the schema, rows ordered by primary key. api_keys'
 * last_used_at is left out: stamping a key as used when it authenticates a request that is then
 * refused is bookkeeping, not a change the request made.
 */
export async function digestQuery(server: TestServer): Promise<string> {
  const columns = await server.sql<{ table_name: string; column_name: string }>(
    `SELECT c.table_name, c.column_name FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
      WHERE c.table_schema = current_schema() ORDER BY c.table_name, c.ordinal_position`,
  );
  const keys = await server.sql<{ table_name: string; column_name: string }>(
    `SELECT tc.table_name, k.column_name FROM information_schema.table_constraints tc
       JOIN information_schema.key_column_usage k ON k.constraint_schema = tc.constraint_schema AND k.constraint_name = tc.constraint_name
      WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = current_schema() ORDER BY tc.table_name, k.ordinal_position`,
  );
  const tables = new Map<string, string[]>();
  for (const { table_name, column_name } of columns) {
    if (table_name === 'api_keys' && column_name === 'last_used_at') continue;
    tables.set(table_name, [...(tables.get(table_name) ?? []), `t.${quote(column_name)}`]);
  }
  const parts = [...tables].map(([table, cols]) => {
    const pk = keys.filter((k) => k.table_name === table).map((k) => `t.${quote(k.column_name)}`);
    const order = pk.length ? pk.join(', ') : `row(${cols.join(', ')})::text`;
    return `(SELECT md5(coalesce(string_agg(row(${cols.join(', ')})::text, E'\\n' ORDER BY ${order}), '')) FROM ${quote(table)} t) AS ${quote(table)}`;
  });
  return `SELECT ${parts.join(',\n')}`;
}
function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

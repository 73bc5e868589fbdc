/** Double-quotes a DuckDB identifier (names may be reserved words or hold any character). */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function qualified(schema: string, table: string): string {
  return `${ident(schema)}.${ident(table)}`;
}

export function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** The schema a test namespace maps to (a schema name takes no '-'). */
export function postgresSchemaOf(namespace: string): string {
  return namespace.toLowerCase().replace(/[^a-z0-9_]/g, '_');
}

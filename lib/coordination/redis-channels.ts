/**
 * The database a client's commands go to: ioredis's `db` option (or the
 * database of its URL); 0 without one, and for a Cluster client (Redis
 * Cluster has database 0 only).
 */
export function redisDatabase(client: { readonly options?: unknown }): number {
  const options = client.options;
  const db =
    typeof options === 'object' && options !== null && 'db' in options
      ? options.db
      : undefined;
  return typeof db === 'number' && Number.isSafeInteger(db) && db > 0 ? db : 0;
}

/**
 * The pub/sub channel `name` (`<prefix>:{members}:changed`, …) of the app
 * whose keys live in the client's database. Redis pub/sub ignores databases,
 * so a channel outside database 0 carries its number (`…:changed:db3`): two
 * apps on one server with one `keyPrefix` in two databases do not hear each
 * other, and every replica of one app (one database) shares the name.
 * Database 0 keeps the bare name, as replicas of earlier versions use it.
 */
export function redisChannel(
  client: { readonly options?: unknown },
  name: string,
): string {
  const db = redisDatabase(client);
  return db === 0 ? name : `${name}:db${db}`;
}

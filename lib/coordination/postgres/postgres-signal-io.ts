import type { ClusterSignalIo } from '../cluster-signals';
import {
  pauseSql,
  pausedSql,
  publishSql,
  resumeSql,
} from './postgres-statements';

/**
 * The PostgreSQL statements of `ClusterSignals`: signals are NOTIFYs on the
 * membership channel, paused tasks rows of `<schema>.paused`.
 * @param query the coordinator's bounded statement
 * @param channel the membership channel
 */
export function postgresSignalIo(
  query: (
    text: string,
    values: unknown[],
  ) => Promise<Record<string, unknown>[]>,
  schema: string,
  channel: string,
): ClusterSignalIo {
  return {
    publish: (payload) => query(publishSql(), [channel, payload]),
    storePause: (task, reason, payload) =>
      reason === null
        ? query(resumeSql(schema), [task, channel, payload])
        : query(pauseSql(schema), [task, reason, channel, payload]),
    readPaused: async () =>
      (await query(pausedSql(schema), [])).map((row): [string, string] => [
        String(row.task),
        String(row.reason),
      ]),
  };
}

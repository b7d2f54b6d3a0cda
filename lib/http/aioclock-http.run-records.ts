import type { RunRecord } from '../interfaces/run-record.interface';

/**
 * One run as `GET {path}/tasks/:name/history` returns it: the registry's
 * `RunRecord` (`registry.getHistory`), so every replica's dashboard shows the
 * cluster's runs with a durable coordinator.
 */
export type HistoryRecord = RunRecord;

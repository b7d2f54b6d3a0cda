// The HTTP endpoints and dashboard; re-exported by the package's main entry.
export { AioClockHttpModule } from './aioclock-http.module';
export type { AioClockHttpOptions } from './aioclock-http-options.interface';
export type {
  DashboardOverview,
  DashboardTask,
  RunResponse,
} from './aioclock-http.controller';
export type { RunRecord, TaskHistory } from './aioclock-http.history';
export type { HistoryRecord } from './aioclock-http.run-records';

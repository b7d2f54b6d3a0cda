export * from './aioclock.error';
export * from './invalid-trigger.error';
export * from './task-not-found.error';
export * from './task-timeout.error';
export * from './task-busy.error';
export * from './scheduler-stopping.error';
export * from './invalid-backfill.error';

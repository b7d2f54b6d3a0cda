// The engine's internal entry to trigger arithmetic (not part of the public barrel).
export * from './trigger';
export * from './create-trigger';
export * from './validate-trigger';
export { everyIntervalMs, EveryTrigger } from './every.trigger';
export { AtTrigger } from './at.trigger';
export { CronTrigger } from './cron.trigger';
export { OnceTrigger } from './once.trigger';
export { ForeverTrigger } from './forever.trigger';
export { AnyOfTrigger, type AnyOfMember } from './any-of.trigger';
export { LifecycleTrigger } from './lifecycle.trigger';
export { isValidTimeZone } from './zoned-time';

export * from './every.decorator';
export * from './at.decorator';
export * from './cron.decorator';
export * from './once.decorator';
export * from './forever.decorator';
export * from './or-trigger.decorator';
export * from './on-start-up.decorator';
export * from './on-shut-down.decorator';
export type { TaskDecorator } from './task-decorator';

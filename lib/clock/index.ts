export { Clock, type TimerHandle } from './clock';
export {
  SystemClock,
  SYSTEM_CLOCK_MAX_WAIT_MS,
  SYSTEM_CLOCK_POLL_MS,
  SYSTEM_CLOCK_POLLED_WAIT_MS,
  type SystemClockOptions,
} from './system-clock';
export { VirtualClock } from './virtual-clock';

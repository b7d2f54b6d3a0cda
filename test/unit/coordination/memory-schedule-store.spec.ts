import { MemoryScheduleStore } from '../../../lib/coordination/memory-schedule-store';
import { describeScheduleStore } from '../../src/schedules/schedule-store.conformance';

describeScheduleStore('memory', () =>
  Promise.resolve({
    store: new MemoryScheduleStore(),
    dispose: () => Promise.resolve(),
  }),
);

import { createTrigger } from '../../../lib/triggers';

describe('startup and shutdown triggers', () => {
  it.each(['startup', 'shutdown'] as const)(
    'should never be due on the clock (%s)',
    (type) => {
      const trigger = createTrigger({ type }, { timeZone: 'UTC' });
      expect(trigger.first(0)).toBeNull();
      expect(trigger.next(0)).toBeNull();
    },
  );
});

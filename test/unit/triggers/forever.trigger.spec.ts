import { createTrigger } from '../../../lib/triggers';

describe('forever trigger', () => {
  it('should be due at start and leave the back-to-back loop to the scheduler', () => {
    const trigger = createTrigger(
      { type: 'forever', maxLoopCount: 3 },
      { timeZone: 'UTC' },
    );
    const now = Date.parse('2024-03-31T11:00:00.000Z');
    expect(trigger.first(now)).toBe(now);
    expect(trigger.next(now)).toBeNull();
  });
});

import { createTrigger } from '../../../lib/triggers';

describe('once trigger', () => {
  it('should be due at start and then never again', () => {
    const trigger = createTrigger({ type: 'once' }, { timeZone: 'UTC' });
    const now = Date.parse('2024-03-31T11:00:00.123Z');
    expect(trigger.first(now)).toBe(now);
    expect(trigger.next(now)).toBeNull();
  });
});

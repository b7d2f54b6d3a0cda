import { Cron, InvalidTriggerError } from '../../lib';

describe('@Cron given neither a string nor { cron }', () => {
  it('should name the bad value when @Cron gets neither a string nor { cron }', () => {
    class BadTasks {
      run(): void {}
    }
    const descriptor = Object.getOwnPropertyDescriptor(
      BadTasks.prototype,
      'run',
    )!;
    let error: unknown;
    try {
      Cron(42 as unknown as string)(BadTasks.prototype, 'run', descriptor);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidTriggerError);
    expect((error as Error).message).toContain('BadTasks.run');
    expect((error as Error).message).toContain('42');
  });

  it('should name an array given as the expression', () => {
    const define = () => {
      class ListTasks {
        @Cron(['0', '9'] as unknown as string)
        run(): void {}
      }
      return ListTasks;
    };
    expect(define).toThrow(InvalidTriggerError);
    expect(define).toThrow(/ListTasks\.run: .*cron.*\["0","9"\]/);
  });
});

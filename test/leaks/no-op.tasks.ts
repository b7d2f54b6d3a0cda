import { Injectable, Module, type Type } from '@nestjs/common';

/** What a generated task class counts. */
export interface NoOpTasks {
  runs: number;
}

/**
 * A provider class with `count` no-op methods `task0`, `task1`, … each given
 * its own decorator (as user code would have), and a module holding it.
 * Classes are built per call, so a test can drop every reference to them.
 * @param decorate the decorator for method `i`, e.g. `() => Every({ seconds: 1 })`
 */
export function noOpTaskModule(
  count: number,
  decorate: (i: number) => MethodDecorator,
): { module: Type; tasks: Type<NoOpTasks> } {
  @Injectable()
  class NoOpTaskProvider implements NoOpTasks {
    runs = 0;
  }
  for (let i = 0; i < count; i++) {
    const key = `task${i}`;
    // One function per method: the decorator stores its metadata on the function.
    const descriptor: PropertyDescriptor = {
      value: function (this: NoOpTasks): void {
        this.runs += 1;
      },
      writable: true,
      configurable: true,
      enumerable: false,
    };
    Object.defineProperty(NoOpTaskProvider.prototype, key, descriptor);
    decorate(i)(NoOpTaskProvider.prototype, key, descriptor);
  }
  @Module({ providers: [NoOpTaskProvider] })
  class NoOpTaskModule {}
  return { module: NoOpTaskModule, tasks: NoOpTaskProvider };
}

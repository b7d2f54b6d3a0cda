import { AsyncLocalStorage } from 'node:async_hooks';
import {
  ROOT_CONTEXT,
  type Context,
  type ContextManager,
} from '@opentelemetry/api';

/**
 * The smallest ContextManager on AsyncLocalStorage (the sample and the specs
 * use it). An app would register `@opentelemetry/context-async-hooks` (or let
 * `@opentelemetry/sdk-node` do it); without any context manager the api's
 * `context.with` does nothing, so no span could have a parent.
 */
export class AsyncLocalStorageContextManager implements ContextManager {
  private storage = new AsyncLocalStorage<Context>();

  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    context: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.storage.run(context, () => fn.call(thisArg, ...args));
  }

  bind<T>(context: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const run = (...args: unknown[]): unknown =>
      this.with(context, () =>
        (target as (...a: unknown[]) => unknown)(...args),
      );
    return run as T;
  }

  enable(): this {
    return this;
  }

  disable(): this {
    this.storage.disable();
    this.storage = new AsyncLocalStorage<Context>();
    return this;
  }
}

import { Injectable, Module, type Type } from '@nestjs/common';

/** N generated provider classes' worth of decorated methods. */
export interface GeneratedTasks {
  /** The provider classes, `methodsPerClass` methods each (the last may hold fewer). */
  classes: Type[];
  /** `Class.method` of task i. */
  labels: string[];
}

/** What tsc's `__metadata(...)` calls store for a method `tN(ctx)`, in the order __decorate applies them. */
const DESIGN_METADATA: MethodDecorator[] = [
  Reflect.metadata('design:returntype', undefined),
  Reflect.metadata('design:paramtypes', [Object]),
  Reflect.metadata('design:type', Function),
];

/**
 * Generates providers holding N methods, `t0`…`t{N-1}` spread over classes
 * `BenchTasks0`, `BenchTasks1`, …, and applies `decorate(i)` to method i
 * exactly as TypeScript's emitted `__decorate` would.
 * @param makeMethod builds method i's body (it knows its task index)
 */
export function generateTasks(
  n: number,
  methodsPerClass: number,
  makeMethod: (i: number) => (...args: any[]) => unknown,
  decorate: (i: number) => MethodDecorator,
): GeneratedTasks {
  const classes: Type[] = [];
  const labels: string[] = new Array(n);
  for (let first = 0, c = 0; first < n; first += methodsPerClass, c++) {
    const className = `BenchTasks${c}`;
    // A named class expression, so Nest and both libraries see a real class name.
    const cls = { [className]: class {} }[className];
    const proto = cls.prototype as Record<string, unknown>;
    const last = Math.min(n, first + methodsPerClass);
    // The class body first, then the decorators, as tsc emits it: a class's
    // methods are made together, and its decorators run after it.
    for (let i = first; i < last; i++)
      Object.defineProperty(proto, `t${i}`, {
        value: makeMethod(i),
        writable: true,
        configurable: true,
        enumerable: false,
      });
    for (let i = first; i < last; i++) {
      const key = `t${i}`;
      // As tsc emits it with emitDecoratorMetadata (which Nest needs): the
      // design:* metadata decorators come last in __decorate's list, so they
      // apply first, then the library's decorator.
      for (const apply of [...DESIGN_METADATA, decorate(i)]) {
        const descriptor = Object.getOwnPropertyDescriptor(proto, key)!;
        const result = apply(proto, key, descriptor);
        if (result) Object.defineProperty(proto, key, result);
      }
      labels[i] = `${className}.${key}`;
    }
    Injectable()(cls);
    classes.push(cls);
  }
  return { classes, labels };
}

/** The root module of a benchmark app: the scheduler module plus the generated providers. */
export function benchModule(schedulerModule: unknown, providers: Type[]): Type {
  class BenchModule {}
  Module({ imports: [schedulerModule as Type], providers })(BenchModule);
  return BenchModule;
}

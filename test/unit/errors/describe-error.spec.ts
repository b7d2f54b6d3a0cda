import {
  describeError,
  describeValue,
} from '../../../lib/errors/describe-error';
import {
  coordinatorUnavailable,
  formatValue,
  taskFailed,
} from '../../../lib/aioclock.messages';

// Thrown values a task can produce that break naive formatting: each of these
// made `error.message.length`, `String(value)` or a template literal throw.

function cyclicNullPrototype(): object {
  const value = Object.create(null) as Record<string, unknown>;
  value.self = value;
  return value;
}

function throwingGetter(): object {
  return {
    get boom(): never {
      throw new Error('getter');
    },
  };
}

function throwingProxy(): object {
  return new Proxy(
    {},
    {
      get() {
        throw new Error('get trap');
      },
      getPrototypeOf() {
        throw new Error('getPrototypeOf trap');
      },
      ownKeys() {
        throw new Error('ownKeys trap');
      },
    },
  );
}

function revokedProxy(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

function errorWithThrowingMessage(): Error {
  const error = new Error('hidden');
  Object.defineProperty(error, 'message', {
    get(): never {
      throw new Error('message getter');
    },
  });
  return error;
}

function errorWithThrowingNameAndMessage(): Error {
  const error = errorWithThrowingMessage();
  Object.defineProperty(error, 'name', {
    get(): never {
      throw new Error('name getter');
    },
  });
  return error;
}

const hostile: Array<[string, () => unknown, string]> = [
  ['null', () => null, 'null'],
  ['undefined', () => undefined, 'undefined'],
  [
    'an Error whose message is null',
    () => Object.assign(new Error('x'), { message: null }),
    'Error (message: null)',
  ],
  [
    'a TypeError whose message is a number',
    () => Object.assign(new TypeError('x'), { message: 42 }),
    'TypeError (message: 42)',
  ],
  [
    'an Error whose message is a cyclic null-prototype object',
    () => Object.assign(new Error('x'), { message: cyclicNullPrototype() }),
    'Error (message: [object Object])',
  ],
  [
    'an Error whose message getter throws',
    errorWithThrowingMessage,
    'Error (message unreadable)',
  ],
  [
    'an Error whose name and message getters throw',
    errorWithThrowingNameAndMessage,
    'Error (message unreadable)',
  ],
  [
    'a cyclic plain object',
    () => {
      const value: Record<string, unknown> = {};
      value.self = value;
      return value;
    },
    '[object Object]',
  ],
  ['a cyclic null-prototype object', cyclicNullPrototype, '[object Object]'],
  ['a Symbol', () => Symbol('boom'), 'Symbol(boom)'],
  ['a BigInt', () => 10n, '10n'],
  ['an object holding a BigInt', () => ({ n: 1n }), '[object Object]'],
  ['an object with a throwing getter', throwingGetter, '[object Object]'],
  ['a Proxy whose traps throw', throwingProxy, 'an unreadable value'],
  ['a revoked Proxy', revokedProxy, 'an unreadable value'],
  [
    'an object whose toJSON and toString throw',
    () => ({
      toJSON(): never {
        throw new Error('toJSON');
      },
      toString(): never {
        throw new Error('toString');
      },
    }),
    '[object Object]',
  ],
  ['a function', () => function send() {}, '[function send]'],
];

describe('describeError', () => {
  it.each(hostile)(
    'should describe %s without throwing',
    (_title, make, expected) => {
      expect(describeError(make())).toBe(expected);
    },
  );

  it.each(hostile)(
    'should keep taskFailed, coordinatorUnavailable and formatValue from throwing on %s',
    (_title, make) => {
      const value = make();
      expect(taskFailed('Jobs.run', value)).toMatch(
        /^Task Jobs\.run failed: ./,
      );
      expect(coordinatorUnavailable(value)).toMatch(
        /^Coordinator unavailable: ./,
      );
      expect(typeof formatValue(value)).toBe('string');
    },
  );

  it("should give an Error's own message, and strings quoted", () => {
    expect(describeError(new RangeError('disk full'))).toBe('disk full');
    expect(describeError('plain')).toBe('"plain"');
    expect(describeValue({ a: [1, 'b'] })).toBe('{"a":[1,"b"]}');
  });

  it('should cut a long text to the given length and mark the cut', () => {
    const text = describeError(new Error('x'.repeat(50)), 10);
    expect(text).toBe(`${'x'.repeat(10)}…`);
  });
});

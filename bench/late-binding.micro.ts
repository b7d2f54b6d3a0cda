/**
 * What a late-bound call costs per run, against a call through a cached
 * function, and what `new Date(ms)` costs (the `@Cron` bench body reads
 * `ctx.scheduledAt`). N methods on N / 100 classes, called in a loop, warm.
 * Two class shapes: methods added to the prototype with `defineProperty`
 * sharing one body (as the bench's generated classes), and `class` syntax
 * with a distinct body per method (as real code).
 * Usage: node dist-bench/bench/late-binding.micro.js [N]
 */
type Method = (ctx: { a: number }) => unknown;
type Target = Record<string, Method>;
interface Call {
  target: Target;
  method: string;
  fn: Method;
}

const N = Number(process.argv[2]) || 10_000;
const PER_CLASS = 100;
const sink = new Float64Array(1024);

function definedShape(): Target[] {
  const targets: Target[] = [];
  for (let c = 0; c < N / PER_CLASS; c++) {
    const cls = class {
      x = 1;
    };
    for (let j = 0; j < PER_CLASS; j++) {
      const i = c * PER_CLASS + j;
      Object.defineProperty(cls.prototype, `t${i}`, {
        value: function (ctx: { a: number }) {
          sink[i & 1023] = ctx.a;
        },
        writable: true,
        configurable: true,
      });
    }
    targets.push(new cls() as unknown as Target);
  }
  return targets;
}

function classSyntaxShape(): Target[] {
  const targets: Target[] = [];
  for (let c = 0; c < N / PER_CLASS; c++) {
    let source = `return class C${c} { constructor() { this.x = 1; }\n`;
    for (let j = 0; j < PER_CLASS; j++) {
      const i = c * PER_CLASS + j;
      source += `t${i}(ctx) { sink[${i & 1023}] = ctx.a + ${i}; }\n`;
    }
    const cls = new Function('sink', source + '}')(sink) as new () => Target;
    targets.push(new cls());
  }
  return targets;
}

function calls(targets: Target[]): Call[] {
  const list: Call[] = [];
  for (let i = 0; i < N; i++) {
    const target = targets[Math.floor(i / PER_CLASS)];
    list.push({ target, method: `t${i}`, fn: target[`t${i}`] });
  }
  return list;
}

const ctx = { a: 1 };
const modes: Record<string, (call: Call) => unknown> = {
  'Reflect.get (late-bound)': (call) =>
    (Reflect.get(call.target, call.method) as Method).call(call.target, ctx),
  'cached function': (call) => call.fn.call(call.target, ctx),
  'Object.hasOwn + cached': (call) =>
    (Object.hasOwn(call.target, call.method)
      ? call.target[call.method]
      : call.fn
    ).call(call.target, ctx),
};

function nsPerCall(list: Call[], run: (call: Call) => unknown): number {
  for (let w = 0; w < 10; w++) for (const call of list) run(call);
  const passes = 30;
  const start = performance.now();
  for (let p = 0; p < passes; p++) for (const call of list) run(call);
  return ((performance.now() - start) / passes / list.length) * 1e6;
}

for (const [shape, make] of [
  ['defineProperty, shared body', definedShape],
  ['class syntax, distinct bodies', classSyntaxShape],
] as const) {
  const list = calls(make());
  const line: string[] = [];
  for (const [name, run] of Object.entries(modes)) {
    nsPerCall(list, run); // a first round to settle tiering
    line.push(`${name} ${nsPerCall(list, run).toFixed(0)} ns`);
  }
  console.log(`${N} methods, ${shape}: ${line.join(', ')}`);
}

const base = Date.now();
let total = 0;
const dates = 1_000_000;
for (let round = 0; round < 2; round++) {
  const start = performance.now();
  for (let i = 0; i < dates; i++)
    total += new Date(base + (i & 1023)).getTime();
  if (round === 1)
    console.log(
      `new Date(ms).getTime(): ${(((performance.now() - start) / dates) * 1e6).toFixed(0)} ns (${total > 0})`,
    );
}

// A module, so its names stay its own.
export {};

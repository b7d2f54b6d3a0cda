/**
 * The floor script's loop (`../shared/tools/dispatch-floor.js`: one timer, a
 * flat list of N methods, a context per run, a try/catch and a thenable check,
 * a body recording its lateness), with two changes that do not touch what a run
 * costs: the body reads `performance.now()` (sub-millisecond, as the scenarios'
 * bodies do) instead of `Date.now()`, and the output is per due time. Its
 * first due time runs each of the N methods for the first time (V8 interprets
 * them); the later ones show what a warm dispatch costs.
 *
 * `SHAPE` says where the N methods live:
 * - `flat` (the floor script's): own properties of one object, which V8 keeps
 *   as a hash table, so `inst[name]` is one hash probe;
 * - `prototypes`: on class prototypes, 100 per class, one instance each, as
 *   the scenarios' providers (and Nest's) hold them, called the floor's way
 *   (`inst[name](ctx)`);
 * - `prototypes-reflect`: the same classes, looked up as nestjs-aioclock does
 *   (`Reflect.get(inst, name).call(inst, ctx)`).
 * Usage: node floor-per-due.js N [SHAPE] → {"N", "shape", "lastLateMs": [6 numbers], "afterFirst": {"p50", "p99", "max"}}
 */
const N = Number(process.argv[2]) || 10_000;
const SHAPE = process.argv[3] ?? 'flat';
const METHODS_PER_CLASS = 100;
const ROUNDS = 6;
const TIME_ORIGIN = performance.timeOrigin;
const late = new Float64Array(N * ROUNDS);
let recorded = 0;

class Ctx {
  constructor(
    readonly name: string,
    readonly due: number,
  ) {}
  get scheduledAt(): Date {
    return new Date(this.due);
  }
}

type Method = (ctx: Ctx) => unknown;
type Target = Record<string, Method>;
const body = (): Method =>
  function (ctx: Ctx) {
    late[recorded++] = TIME_ORIGIN + performance.now() - ctx.due;
  };
/** Method i's name and the object it is called on. */
const names: string[] = [];
/** `flat`: the one object holding every method. */
const inst: Target = {};
/** The prototype shapes: method i's instance. */
const targets: Target[] = [];
if (SHAPE === 'flat') {
  for (let i = 0; i < N; i++) {
    const m = 'job' + i;
    names.push(m);
    inst[m] = body();
  }
} else {
  for (let first = 0; first < N; first += METHODS_PER_CLASS) {
    const cls = class {};
    const last = Math.min(N, first + METHODS_PER_CLASS);
    for (let i = first; i < last; i++)
      Object.defineProperty(cls.prototype, 't' + i, {
        value: body(),
        writable: true,
        configurable: true,
      });
    const instance = new cls() as Target;
    // Names as discovery reads them (internalized property keys).
    for (const m of Object.getOwnPropertyNames(cls.prototype)) {
      if (m === 'constructor') continue;
      names.push(m);
      targets.push(instance);
    }
  }
}
const flat = SHAPE === 'flat';
const reflect = SHAPE === 'prototypes-reflect';

let due = Math.ceil(Date.now() / 1000) * 1000 + 1000;
let rounds = 0;

function fire(): void {
  const now = Date.now();
  if (now < due) {
    setTimeout(fire, due - now);
    return;
  }
  const d = due;
  for (let i = 0; i < N; i++) {
    const ctx = new Ctx(names[i], d);
    try {
      const r = (
        flat
          ? inst[names[i]](ctx)
          : reflect
            ? (Reflect.get(targets[i], names[i]) as Method).call(
                targets[i],
                ctx,
              )
            : targets[i][names[i]](ctx)
      ) as { then?: unknown } | undefined;
      if (r && typeof r.then === 'function')
        (r as PromiseLike<unknown>).then(undefined, () => {});
    } catch {
      // counted elsewhere
    }
  }
  due += 1000;
  if (++rounds < ROUNDS) setTimeout(fire, due - Date.now());
  else report();
}

function report(): void {
  const lastLateMs: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    let max = -Infinity;
    for (let j = r * N; j < (r + 1) * N; j++) max = Math.max(max, late[j]);
    lastLateMs.push(Math.round(max * 100) / 100);
  }
  const rest = late.slice(N, recorded).sort();
  const at = (q: number) =>
    Math.round(
      rest[Math.min(rest.length - 1, Math.floor(rest.length * q))] * 100,
    ) / 100;
  console.log(
    JSON.stringify({
      N,
      shape: SHAPE,
      lastLateMs,
      afterFirst: { p50: at(0.5), p99: at(0.99), max: at(1) },
    }),
  );
}

setTimeout(fire, due - Date.now());

// A module, so its names stay its own.
export {};

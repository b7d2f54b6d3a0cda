/**
 * What one run costs the engine in instructions and cache misses, counted by
 * valgrind instead of timed: the same build gives the same figures on a busy
 * machine, so a change of a few per cent shows, where the timed benchmarks
 * move by 2× between runs on this kind of VM (bench/README.md).
 *
 * Runs the real `Scheduler` on a `VirtualClock` with N synchronous tasks
 * (methods on class prototypes, looked up late as the explorer's are) under
 * `valgrind --tool=callgrind` twice, for A and B passes, with a simulated
 * last-level cache of 2 MiB (the share of L3 a process can count on here),
 * and subtracts: what is left is B − A passes' worth of runs, without the
 * setup. Each JIT-compiled function is named through V8's perf map.
 * Prints, per run: instructions and last-level misses of each function.
 * Not part of `npm run bench`; needs valgrind (Debian package `valgrind`).
 * With `--floor`, the same tasks are called by the floor script's loop instead.
 * Usage: node dist-bench/bench/engine-instructions.js [N] [A] [B] [--floor]
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TaskContext } from '../lib/interfaces/task-context.interface';
import type { TriggerSpec } from '../lib/interfaces/trigger-spec.interface';
import { lateBoundTasks, startedEngine } from './late-bound-tasks';

/** Instructions, then last-level read and write misses (callgrind's event order, picked). */
interface Cost {
  ir: number;
  llMisses: number;
}

/** The floor script's context: a name and a due time. */
class FloorContext {
  constructor(
    readonly name: string,
    readonly due: number,
  ) {}
}

/**
 * The measured process: N tasks due every second, `passes` due times fired;
 * with `floor`, the same tasks called in a plain loop instead (the floor
 * script's loop: a context per run, a try/catch and a thenable check).
 */
async function runPasses(
  n: number,
  passes: number,
  floor: boolean,
): Promise<void> {
  const ran = new Float64Array(n);
  const trigger: TriggerSpec = { type: 'every', seconds: 1 };
  const tasks = lateBoundTasks(n, trigger, (i) => {
    ran[i] = 1;
  });
  const { clock } = await startedEngine(tasks);
  for (let p = 0; p < passes; p++) {
    if (!floor) {
      await clock.advance(1000);
      continue;
    }
    const due = Date.now();
    for (const task of tasks)
      try {
        const result = task.invoke(
          new FloorContext(task.name, due) as unknown as TaskContext,
        ) as PromiseLike<unknown> | undefined;
        if (result && typeof result.then === 'function')
          result.then(undefined, () => undefined);
      } catch {
        // As the floor script: counted elsewhere.
      }
    await new Promise((resolve) => setImmediate(resolve));
  }
  process.exit(0);
}

/** Runs one measured process under callgrind; resolves with its output and perf map files. */
function callgrind(
  n: number,
  passes: number,
): Promise<{ out: string; map: string }> {
  const out = join(tmpdir(), `aioclock-cg-${process.pid}-${passes}.out`);
  return new Promise((resolve, reject) => {
    const child = execFile(
      'valgrind',
      [
        '--tool=callgrind',
        '--dump-instr=yes',
        '--cache-sim=yes',
        '--LL=2097152,16,64',
        `--callgrind-out-file=${out}`,
        process.execPath,
        '--perf-basic-prof',
        '--no-concurrent-recompilation',
        __filename,
        '--child',
        String(n),
        String(passes),
        String(FLOOR),
      ],
      // V8 also writes an isolate log next to the perf map: into the temp folder.
      { maxBuffer: 64 * 1024 * 1024, cwd: tmpdir() },
      (error) => {
        if (error) reject(error);
        else resolve({ out, map: `/tmp/perf-${child.pid}.map` });
      },
    );
  });
}

/** Self cost per function name: callgrind's per-instruction costs mapped through V8's perf map. */
function costsByFunction(out: string, map: string): Map<string, Cost> {
  const ranges = readFileSync(map, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const [start, size, ...name] = line.split(' ');
      return {
        start: parseInt(start, 16),
        end: parseInt(start, 16) + parseInt(size, 16),
        name: name.join(' ').replace(/ \S*\/(lib|bench)\//, ' $1/'),
      };
    })
    .sort((a, b) => a.start - b.start);
  const find = (address: number): string => {
    let lo = 0;
    let hi = ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (ranges[mid].start <= address) lo = mid + 1;
      else hi = mid - 1;
    }
    const range = ranges[hi];
    return range !== undefined && address < range.end ? range.name : 'native';
  };
  const events = /^events: (.*)$/m.exec(readFileSync(out, 'utf8'));
  const names = events === null ? [] : events[1].split(' ');
  const [ir, dlmr, dlmw] = ['Ir', 'DLmr', 'DLmw'].map((e) => names.indexOf(e));
  const costs = new Map<string, Cost>();
  let address = 0;
  let callLine = false;
  for (const line of readFileSync(out, 'utf8').split('\n')) {
    const first = line.charCodeAt(0);
    const isCost = (first >= 48 && first <= 57) || first === 43 || first === 45; // 0-9 + -
    if (!isCost) {
      // The line after `calls=` is the call's inclusive cost, not self cost.
      if (line.startsWith('calls=')) callLine = true;
      continue;
    }
    const fields = line.split(' ');
    const at = fields[0];
    if (at.startsWith('0x')) address = parseInt(at, 16);
    else if (at[0] === '+') address += Number(at.slice(1));
    else if (at[0] === '-') address -= Number(at.slice(1));
    if (callLine) {
      callLine = false;
      continue;
    }
    // Fields: address, line, then the events in order (trailing zeros omitted).
    const value = (index: number): number =>
      index < 0 ? 0 : Number(fields[2 + index] ?? 0);
    const name = find(address);
    const cost = costs.get(name) ?? { ir: 0, llMisses: 0 };
    cost.ir += value(ir);
    cost.llMisses += value(dlmr) + value(dlmw);
    costs.set(name, cost);
  }
  return costs;
}

const FLOOR = process.argv.includes('--floor');
const args = process.argv.slice(2).filter((arg) => arg !== '--floor');

if (args[0] === '--child') {
  void runPasses(Number(args[1]), Number(args[2]), args[3] === 'true');
} else {
  const n = Number(args[0]) || 20_000;
  const a = Number(args[1]) || 10;
  const b = Number(args[2]) || 18;
  void (async () => {
    console.log(
      `${n} tasks, passes ${a + 1}–${b}${FLOOR ? ' of the floor loop' : ''} ` +
        '(callgrind, 2 MiB last-level cache); per run:',
    );
    const [before, after] = await Promise.all([
      callgrind(n, a),
      callgrind(n, b),
    ]);
    const costsA = costsByFunction(before.out, before.map);
    const costsB = costsByFunction(after.out, after.map);
    for (const file of [before.out, before.map, after.out, after.map])
      rmSync(file, { force: true });
    const pids = [before.map, after.map].map(
      (map) => /(\d+)\.map$/.exec(map)?.[1],
    );
    for (const file of readdirSync(tmpdir()))
      if (
        pids.some(
          (pid) =>
            file.startsWith('isolate-') && file.endsWith(`-${pid}-v8.log`),
        )
      )
        rmSync(join(tmpdir(), file), { force: true });
    const runs = n * (b - a);
    const rows = [...new Set([...costsA.keys(), ...costsB.keys()])]
      .map((name) => {
        const x = costsA.get(name) ?? { ir: 0, llMisses: 0 };
        const y = costsB.get(name) ?? { ir: 0, llMisses: 0 };
        return {
          name,
          ir: (y.ir - x.ir) / runs,
          ll: (y.llMisses - x.llMisses) / runs,
        };
      })
      .filter((row) => Math.abs(row.ir) >= 5 || Math.abs(row.ll) >= 0.1)
      .sort((x, y) => Math.abs(y.ir) - Math.abs(x.ir));
    // `native` is mostly the garbage collector: its share moves between runs.
    const js = rows.filter((row) => row.name !== 'native');
    const total = (key: 'ir' | 'll'): number =>
      js.reduce((sum, row) => sum + row[key], 0);
    console.log(
      `  JIT code and builtins: ${total('ir').toFixed(0)} instructions, ` +
        `${total('ll').toFixed(2)} last-level misses`,
    );
    for (const row of rows.slice(0, 16))
      console.log(
        `  ${row.ir.toFixed(0).padStart(6)} instr  ${row.ll.toFixed(2).padStart(5)} LL  ${row.name}`,
      );
  })();
}

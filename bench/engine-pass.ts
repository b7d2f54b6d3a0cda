/**
 * The engine alone: the real `Scheduler` on a `VirtualClock`, without Nest,
 * a timer or a child process, with N synchronous no-op tasks due every second.
 * The methods sit on class prototypes, 100 per class, and are looked up late
 * as the explorer's tasks are. Prints how long each dispatch pass took from
 * the `advance` that fired it to its last run, for each of several processes
 * in turn, so that the spread between processes of the same build shows.
 * With `--probe`, each pass is followed by a fixed random walk through
 * memory (`MemoryProbe`), timed, and the correlation between the two is
 * printed: how much of the spread is the machine's memory getting slower.
 * Not part of `npm run bench`.
 * Usage: node dist-bench/bench/engine-pass.js [N] [passes] [processes] [--probe]
 */
import { fork } from 'node:child_process';
import { lateBoundTasks, startedEngine } from './late-bound-tasks';
import type { TriggerSpec } from '../lib/interfaces/trigger-spec.interface';
import { correlation, MemoryProbe } from './memory-probe';
import { median } from './stats';

const args = process.argv.slice(2).filter((arg) => arg !== '--probe');
const PROBE = process.argv.includes('--probe');
const N = Number(args[0]) || 100_000;
const PASSES = Number(args[1]) || 30;
const PROCESSES = Number(args[2]) || 6;
/** The first passes run while V8 still compiles (no warm-up here): left out of the figures. */
const SKIPPED = 3;

/** Each pass's ms to its last run, and (with `--probe`) the probe's ms after it. */
interface Measured {
  passes: number[];
  probes: number[];
}

async function measure(): Promise<Measured> {
  const ranAt = new Float64Array(N);
  const trigger: TriggerSpec = { type: 'every', seconds: 1 };
  const tasks = lateBoundTasks(N, trigger, (i) => {
    ranAt[i] = performance.now();
  });
  const { clock, scheduler } = await startedEngine(tasks);
  const probe = PROBE ? new MemoryProbe() : null;
  const passes: number[] = [];
  const probes: number[] = [];
  for (let p = 0; p < PASSES; p++) {
    const before = performance.now();
    await clock.advance(1000);
    let last = 0;
    for (let i = 0; i < N; i++) if (ranAt[i] > last) last = ranAt[i];
    passes.push(last - before);
    if (probe !== null) probes.push(probe.time());
  }
  await scheduler.stop(100);
  return { passes, probes };
}

const at = (sorted: number[], q: number): string =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))].toFixed(1);

if (process.send) {
  void measure().then((measured) => process.send!(measured));
} else {
  void (async () => {
    console.log(
      `${N} tasks, ${PASSES} passes per process (the first ${SKIPPED} left out), ms to the last run:`,
    );
    const allPasses: number[] = [];
    const allProbes: number[] = [];
    const medians: [number, number][] = [];
    for (let p = 0; p < PROCESSES; p++) {
      const { passes, probes } = await new Promise<Measured>(
        (resolve, reject) => {
          const child = fork(__filename, process.argv.slice(2));
          child.once('message', (m) => resolve(m as Measured));
          child.once('error', reject);
        },
      );
      const kept = passes.slice(SKIPPED);
      const sorted = [...kept].sort((a, b) => a - b);
      let line =
        `  process ${p + 1}: min ${at(sorted, 0)}, p25 ${at(sorted, 0.25)}, ` +
        `median ${at(sorted, 0.5)}, max ${at(sorted, 1)}`;
      if (PROBE) {
        const keptProbes = probes.slice(SKIPPED);
        const sortedProbes = [...keptProbes].sort((a, b) => a - b);
        allPasses.push(...kept);
        allProbes.push(...keptProbes);
        medians.push([median(kept), median(keptProbes)]);
        line +=
          `; probe median ${at(sortedProbes, 0.5)} ms ` +
          `(min ${at(sortedProbes, 0)}, max ${at(sortedProbes, 1)}), ` +
          `r with passes ${correlation(kept, keptProbes).toFixed(2)}`;
      }
      console.log(line);
    }
    if (PROBE)
      console.log(
        `correlation of pass and probe times: ${correlation(allPasses, allProbes).toFixed(2)} ` +
          `over all ${allPasses.length} passes, ` +
          `${correlation(
            medians.map(([pass]) => pass),
            medians.map(([, probe]) => probe),
          ).toFixed(2)} between the ${medians.length} processes' medians`,
      );
  })();
}

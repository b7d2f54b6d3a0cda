/*
 * The engine's cost per run, with and without OpenTelemetry (argv[2]:
 * 'no-api' | 'api' | 'sdk'): 10 000 no-op tasks every second on a
 * VirtualClock, so only CPU is measured — no timer waits, no lateness.
 * Prints one JSON line.
 */
import 'reflect-metadata';
import { VirtualClock } from '../lib/clock/virtual-clock';
import { Scheduler } from '../lib/scheduler/scheduler';
import { exported, setUpOtel, type OtelVariant } from './otel.sdk';

const TASKS = 10_000;
const WARM_S = 5;
const MEASURED_S = 20;

/** What one micro run prints. */
export interface OtelMicroResult {
  variant: OtelVariant;
  runs: number;
  nsPerRun: number;
  cpuNsPerRun: number;
  spansExported: number;
}

async function main(): Promise<void> {
  const variant = process.argv[2] as OtelVariant;
  const stop = await setUpOtel(variant);
  const clock = new VirtualClock(new Date('2024-03-29T10:00:00Z'));
  const quiet = { log() {}, warn() {}, error() {} };
  const scheduler = new Scheduler({
    clock,
    logger: quiet,
    timeZone: 'UTC',
    openTelemetry: 'auto',
  });
  let runs = 0;
  for (let i = 0; i < TASKS; i++)
    scheduler.addTask({
      name: `Task${i}.run`,
      group: 'bench',
      trigger: { type: 'every', seconds: 1 },
      invoke: () => {
        runs++;
      },
    });
  await scheduler.start();
  await clock.advance(WARM_S * 1000); // V8 optimises the path first
  const before = runs;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await clock.advance(MEASURED_S * 1000);
  const elapsedNs = Number(process.hrtime.bigint() - t0);
  const cpu = process.cpuUsage(cpu0);
  const measured = runs - before;
  await scheduler.stop(0);
  await stop();
  const result: OtelMicroResult = {
    variant,
    runs: measured,
    nsPerRun: elapsedNs / measured,
    cpuNsPerRun: ((cpu.user + cpu.system) * 1000) / measured,
    spansExported: exported.spans,
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

void main();

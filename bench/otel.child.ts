/*
 * The 10 000-task scenario of scenario.child.ts with OpenTelemetry set up
 * first (argv[3]: 'no-api' | 'api' | 'sdk'): the scenario runs unchanged, and
 * its result gains the process's CPU time and what reached the exporters.
 */
import { exported, setUpOtel, type OtelVariant } from './otel.sdk';

/** What otel.bench.ts receives: the scenario's result plus these. */
export interface OtelChildExtras {
  variant: OtelVariant;
  /** user + system CPU ms of the whole child (boot, window, settle, close). */
  cpuMs: number;
  spansExported: number;
}

async function main(): Promise<void> {
  const variant = process.argv[3] as OtelVariant;
  const stop = await setUpOtel(variant);
  const send = process.send!.bind(process);
  // scenario.child sends its result once, then exits: flush first, add ours.
  process.send = ((message: object, callback: () => void) => {
    void stop().then(() => {
      const cpu = process.cpuUsage();
      const extras: OtelChildExtras = {
        variant,
        cpuMs: (cpu.user + cpu.system) / 1000,
        spansExported: exported.spans,
      };
      send({ ...message, ...extras }, callback);
    });
    return true;
  }) as typeof process.send;
  await import('./scenario.child');
}

void main();

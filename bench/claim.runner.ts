/*
 * Child process for the claim-cost scenario. bench/claim.bench.ts either
 * exports a function (runClaimBench, run, main or default) that resolves to
 * `{ claims, medianMs, p99Ms }`, or runs on load and prints that as a JSON line.
 */
async function main(): Promise<void> {
  // A variable path: the file is optional, so the compiler must not insist on it.
  const file = './claim.bench';
  const mod = (await import(file)) as Record<string, unknown>;
  const fn = ['runClaimBench', 'run', 'main', 'default']
    .map((key) => mod[key])
    .find((f) => typeof f === 'function') as
    ((options: { redisUrl: string }) => unknown) | undefined;
  if (!fn) return; // script style: it runs and prints on its own
  const result = await fn({
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  });
  if (process.send) process.send({ result }, () => process.exit(0));
  else process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

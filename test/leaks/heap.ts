import { Test } from '@nestjs/testing';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A full garbage collection, in a plain `npx jest --runInBand`: Jest gives
 * each test file its own global without `gc`, so turn the flag on at run time
 * and take `gc` from a fresh V8 context (it collects the whole isolate).
 */
function fullGc(): () => void {
  const own = (globalThis as { gc?: () => void }).gc;
  if (typeof own === 'function') return own;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

const gc = fullGc();

/** Bytes of live JS heap after full collections (several: weak refs and finalizers need a second pass). */
export function liveHeap(): number {
  for (let i = 0; i < 4; i++) gc();
  return process.memoryUsage().heapUsed;
}

export const MB = 1024 * 1024;

/**
 * `Test` from @nestjs/testing keeps ONE MetadataScanner for every testing
 * module of the process, and it caches each prototype it scans forever, so
 * every provider class a test ever compiled stays reachable. That is the test
 * harness, not the library (NestFactory makes a scanner per app); forget it
 * before measuring what the library keeps.
 */
export function forgetTestingScannerCache(): void {
  const scanner = (
    Test as unknown as {
      metadataScanner?: { cachedScannedPrototypes?: Map<object, string[]> };
    }
  ).metadataScanner;
  scanner?.cachedScannedPrototypes?.clear();
}

import { median } from './stats';

/**
 * A fixed amount of random memory access, to time next to the engine: one
 * walk of a random cycle through a 2 MiB `Int32Array` (larger than a core's
 * L2, far smaller than the L3 the CPU reports), each step depending on the
 * one before. The work never changes, so the time it takes shows how fast
 * this machine's caches and memory answer at that moment, which on a shared
 * VM moves with what the other tenants do.
 */
export class MemoryProbe {
  private readonly next: Int32Array;
  private position = 0;

  /**
   * @param bytes the size of the cycle walked (2 MiB by default)
   * @param steps the dependent reads per `time()` call
   */
  constructor(
    bytes = 2 * 1024 * 1024,
    private readonly steps = 1 << 18,
  ) {
    const size = bytes >> 2;
    const order = new Int32Array(size);
    for (let i = 0; i < size; i++) order[i] = i;
    // A fixed seed: every process walks the same cycle.
    let seed = 0x9e3779b9;
    for (let i = size - 1; i > 0; i--) {
      seed = (Math.imul(seed, 1_664_525) + 1_013_904_223) >>> 0;
      const j = seed % (i + 1);
      const swap = order[i];
      order[i] = order[j];
      order[j] = swap;
    }
    this.next = new Int32Array(size);
    for (let i = 0; i < size; i++) this.next[order[i]] = order[(i + 1) % size];
  }

  /** Walks `steps` steps of the cycle; returns the ms it took. */
  time(): number {
    const next = this.next;
    let p = this.position;
    const start = performance.now();
    for (let i = 0; i < this.steps; i++) p = next[p];
    const ms = performance.now() - start;
    this.position = p;
    return ms;
  }

  /** The median of `walks` timed walks, ms. */
  median(walks = 3): number {
    const times: number[] = [];
    for (let i = 0; i < walks; i++) times.push(this.time());
    return Math.round(median(times) * 100) / 100;
  }
}

/** Around one measurement: the probe just before it and just after it (ms). */
export interface ProbeAround {
  before: number;
  after: number;
}

/** Pearson's correlation of two series of the same length (NaN if either is constant). */
export function correlation(xs: number[], ys: number[]): number {
  const n = xs.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += xs[i] / n;
    my += ys[i] / n;
  }
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i] - mx;
    const dy = ys[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxy / Math.sqrt(sxx * syy);
}

// By hand: `node dist-bench/bench/memory-probe.js [seconds]` times the walk
// every 50 ms and prints the median of each second, to watch the machine alone.
if (require.main === module) {
  const seconds = Number(process.argv[2]) || 10;
  const probe = new MemoryProbe();
  const perSecond: number[][] = [];
  const start = Date.now();
  const tick = (): void => {
    const second = Math.floor((Date.now() - start) / 1000);
    if (second >= seconds) {
      const medians = perSecond.map((times) => median(times).toFixed(1));
      console.log(
        `memory probe, median ms of each second: ${medians.join(' ')}`,
      );
      return;
    }
    (perSecond[second] ??= []).push(probe.time());
    setTimeout(tick, 50);
  };
  tick();
}

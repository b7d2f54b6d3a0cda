import {
  compileSample,
  runSampleUntilSigterm,
  type SampleExit,
} from '../src/faults/sample-process';

// The compiled sample (dist-sample/sample/src/main.js) as a real process.
describe('SIGTERM to the sample app mid-run', () => {
  let exit: SampleExit;

  beforeAll(async () => {
    compileSample();
    exit = await runSampleUntilSigterm(/ran CleanupTasks\.purgeTemp/);
  }, 90_000);

  it('should stop on SIGTERM after a scheduled run, drain, and run the @OnShutDown task', () => {
    expect(exit.beforeSignal).toMatch(/ran CleanupTasks\.purgeTemp/);
    // A drained shutdown is a success: status 0, not death by the signal.
    expect({ code: exit.code, signal: exit.signal }).toEqual({
      code: 0,
      signal: null,
    });
    const flush = exit.output.indexOf('ran flush');
    expect(flush).toBeGreaterThan(exit.beforeSignal.length - 1);
    // Nothing failed on the way down.
    expect(exit.output).not.toMatch(/\bERROR\b/);
  });
});

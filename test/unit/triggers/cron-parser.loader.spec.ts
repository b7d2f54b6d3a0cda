describe('cron-parser loading', () => {
  it('should not load cron-parser with the library, only when a cron trigger is first checked', () => {
    jest.isolateModules(() => {
      let loads = 0;
      jest.doMock('cron-parser', () => {
        loads++;
        return jest.requireActual('cron-parser');
      });
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const lib = require('../../../lib') as typeof import('../../../lib');
      lib.Every({ seconds: 1 });
      expect(loads).toBe(0);

      class Nightly {
        run(): void {}
      }
      const descriptor = Object.getOwnPropertyDescriptor(
        Nightly.prototype,
        'run',
      )!;
      lib.Cron('0 3 * * *')(Nightly.prototype, 'run', descriptor);
      expect(loads).toBe(1);
      expect(() =>
        lib.Cron('61 * * * *')(Nightly.prototype, 'other', { value: () => {} }),
      ).toThrow(/Nightly\.other: invalid cron/);
      expect(loads).toBe(1);
    });
  });
});

import type { AddressInfo } from 'node:net';
import { Injectable, Module, type INestApplication } from '@nestjs/common';
import type { BrowserContext, Page } from 'playwright-core';
import { AioClockModule, AioClockRegistry, Every } from '../../../lib';
import { AioClockHttpModule } from '../../../lib/http';
import { chromiumInstalled, launchChromium } from '../../src/http/chromium';
import { createHttpApp } from '../../src/http/create-http-app';
import { ReportsModule } from '../../src/schedules/schedules.fixtures';

// Names that are keys of Object.prototype, and a server clock far from the
// browser's (a VirtualClock in 2024): the dashboard must handle both.

@Injectable()
class ProtoTasks {
  @Every({ seconds: 5 }, { name: 'constructor' })
  a(): void {}
  @Every({ seconds: 5 }, { name: 'plain' })
  b(): void {}
}

@Module({ providers: [ProtoTasks] })
class ProtoModule {}

(chromiumInstalled() ? describe : describe.skip)('dashboard edge cases', () => {
  let app: INestApplication;
  let browser: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    const created = await createHttpApp({
      imports: [
        AioClockModule.forRoot({ timeZone: 'UTC' }),
        ProtoModule,
        ReportsModule,
        AioClockHttpModule.register(),
      ],
    });
    app = created.app;
    await app.get(AioClockRegistry).upsertSchedule({
      id: 'c-1',
      handler: 'reports.send',
      trigger: { type: 'every', minutes: 1 },
    });
    await created.clock.advance(10_000);
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    browser = await launchChromium();
    page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/aioclock`);
    await page.waitForSelector('tr[data-task="plain"]');
    await page.waitForSelector('tr[data-schedule="c-1"]');
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('should open a task named "constructor" only when clicked, and load its history', async () => {
    const row = 'tr[data-task="constructor"]';
    expect(await page.getAttribute(row, 'aria-expanded')).toBe('false');
    expect(await page.locator('tr[data-history="constructor"]').count()).toBe(
      0,
    );
    await page.click(`${row} td.nums`);
    const history = page.locator('tr[data-history="constructor"]');
    await history.getByText('succeeded').first().waitFor();
    expect(await page.getAttribute(row, 'aria-expanded')).toBe('true');
    expect(await history.textContent()).not.toContain('Loading');
  });

  it('should keep measuring a schedule’s next run on the server’s clock after a search', async () => {
    const nextRun = () =>
      page
        .locator('tr[data-schedule="c-1"] td.when span')
        .first()
        .textContent();
    // 50 s at load, less the real time since (the browser's clock is years off).
    expect(await nextRun()).toMatch(/^in (4\d|50) s$/);
    await page.click('#s-go');
    await page.waitForResponse((res) => res.url().includes('/schedules?'));
    await page.waitForSelector('tr[data-schedule="c-1"]');
    expect(await nextRun()).toMatch(/^in (4\d|50) s$/);
  });
});

import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import type { BrowserContext, Page } from 'playwright-core';
import { AioClockModule, AioClockRegistry } from '../../../lib';
import { AioClockHttpModule } from '../../../lib/http';
import {
  CHROMIUM_PATH,
  chromiumInstalled,
  launchChromium,
} from '../../src/http/chromium';
import { createHttpApp } from '../../src/http/create-http-app';
import { ReportsModule } from '../../src/schedules/schedules.fixtures';

/** What the page functions touch (no DOM typings here; casts are erased before they run). */
interface BrowserGlobals {
  document: {
    querySelector(selector: string): { textContent: string | null } | null;
  };
}

const onCi = process.env.CI === 'true';
const runs = chromiumInstalled() || onCi;
if (!runs) {
  console.warn(
    `dashboard-schedules.browser.spec: skipped, no Chromium at ${CHROMIUM_PATH}`,
  );
}

(runs ? describe : describe.skip)(
  'Dashboard Schedules view in headless Chromium',
  () => {
    let app: INestApplication;
    let registry: AioClockRegistry;
    let browser: BrowserContext;
    let page: Page;
    const problems: string[] = [];

    beforeAll(async () => {
      const created = await createHttpApp({
        imports: [
          AioClockModule.forRoot({ timeZone: 'UTC' }),
          ReportsModule,
          AioClockHttpModule.register(),
        ],
      });
      app = created.app;
      registry = app.get(AioClockRegistry);
      // 30 schedules: more than one page (25); one with HTML in its id.
      for (let i = 0; i < 30; i++)
        await registry.upsertSchedule({
          id: `customer-${String(i).padStart(2, '0')}`,
          handler: 'reports.send',
          trigger: { type: 'at', hour: 9, tz: 'Europe/Berlin' },
          payload: { customer: i },
        });
      await registry.upsertSchedule({
        id: '<img src=x onerror=alert(1)>',
        handler: 'ReportHandlers.remind',
        trigger: { type: 'every', hours: 1 },
      });
      await app.listen(0, '127.0.0.1');
      const { port } = app.getHttpServer().address() as AddressInfo;
      browser = await launchChromium({
        viewport: { width: 1440, height: 900 },
      });
      page = await browser.newPage();
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(error.message));
      await page.goto(`http://127.0.0.1:${port}/aioclock`);
      await page.waitForSelector('tr[data-schedule]');
    });

    afterAll(async () => {
      await browser?.close();
      await app?.close();
    });

    const ids = () =>
      page.locator('tr[data-schedule] td:first-child .name').allTextContents();
    const waitForFirstId = (id: string) =>
      page.waitForFunction(
        (expected) =>
          (globalThis as unknown as BrowserGlobals).document.querySelector(
            'tr[data-schedule] td:first-child .name',
          )?.textContent === expected,
        id,
        { timeout: 10_000 },
      );

    it('should list the first page of schedules by id, and page on', async () => {
      const first = await ids();
      expect(first).toHaveLength(25);
      expect(first[0]).toBe('<img src=x onerror=alert(1)>');
      expect(first[1]).toBe('customer-00');
      await page.click('#s-next');
      await waitForFirstId('customer-24');
      expect(await ids()).toEqual(
        Array.from({ length: 6 }, (_, i) => `customer-${24 + i}`),
      );
      expect(await page.locator('#s-next').isDisabled()).toBe(true);
      await page.click('#s-first');
      await waitForFirstId('<img src=x onerror=alert(1)>');
    });

    it('should find a schedule by id and by handler', async () => {
      await page.fill('#s-search', 'customer-07');
      await page.click('#s-go');
      await page.waitForFunction(
        () =>
          (globalThis as unknown as BrowserGlobals).document.querySelector(
            '#s-count',
          )?.textContent === '1 shown',
      );
      expect(await ids()).toEqual(['customer-07']);
      await page.fill('#s-search', 'ReportHandlers.remind');
      await page.press('#s-search', 'Enter');
      await waitForFirstId('<img src=x onerror=alert(1)>');
      expect(await ids()).toHaveLength(1);
      await page.fill('#s-search', '');
      await page.click('#s-go');
      await waitForFirstId('<img src=x onerror=alert(1)>');
    });

    it('should pause, resume and run a schedule from its buttons', async () => {
      const row = 'tr[data-schedule="customer-00"]';
      await page.click(`${row} button[data-action="pause"]`);
      await page.waitForSelector(`${row} [data-field="state"]:text("paused")`);
      expect((await registry.getSchedule('customer-00'))!.paused).toBe(true);
      await page.click(`${row} button[data-action="resume"]`);
      await page.waitForSelector(
        `${row} [data-field="state"]:text("scheduled")`,
      );
      expect((await registry.getSchedule('customer-00'))!.paused).toBe(false);
      await page.click(`${row} button[data-action="run"]`);
      await page.waitForSelector('.toast:has-text("ran")');
      expect((await registry.getSchedule('customer-00'))!.runs).toBe(1);
    });

    it('should show ids as text and raise no page error under the CSP', () => {
      expect(problems).toEqual([]);
    });
  },
);

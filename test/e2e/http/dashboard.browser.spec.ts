import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import type { BrowserContext, Page } from 'playwright-core';
import { AioClockRegistry } from '../../../lib';
import { API_KEY } from '../../../sample/src/http/api-key.guard';
import { HttpAppModule } from '../../../sample/src/http/http-app.module';
import {
  CHROMIUM_PATH,
  chromiumInstalled,
  launchChromium,
} from '../../src/http/chromium';
import { createHttpApp } from '../../src/http/create-http-app';
import {
  HostileModule,
  HTML_ERROR,
  HTML_NAME,
} from '../../src/http/http.fixtures';

/** What the page functions touch (this Node project has no DOM typings; casts are erased before they run). */
interface BrowserGlobals {
  document: {
    querySelector(selector: string): { textContent: string | null } | null;
  };
  __pwned?: number;
}

/** What the chart test reads in the page (DOM typings are absent here too). */
interface ChartElement {
  getAttribute(name: string): string | null;
  querySelector(selector: string): ChartElement | null;
  getBoundingClientRect(): { width: number; height: number };
}
interface ChartGlobals {
  document: { querySelector(selector: string): ChartElement | null };
}

// On CI a missing browser is a failure; on a laptop without Chromium the spec is skipped.
const onCi = process.env.CI === 'true';
const runs = chromiumInstalled() || onCi;
if (!runs) {
  console.warn(
    `dashboard.browser.spec: skipped, no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)`,
  );
}

(runs ? describe : describe.skip)('Dashboard in headless Chromium', () => {
  let app: INestApplication;
  let registry: AioClockRegistry;
  let browser: BrowserContext;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    if (!chromiumInstalled())
      throw new Error(
        `Chromium is not installed at ${CHROMIUM_PATH}; .ci/chromium.sh installs it`,
      );
    // The sample's HTTP app (its tasks, its API-key guard), plus a task whose name and error are HTML.
    const created = await createHttpApp({
      imports: [HttpAppModule, HostileModule],
    });
    app = created.app;
    registry = app.get(AioClockRegistry);
    await created.clock.advance(4_000); // the hostile task fails once; the sample's tasks run a few times
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;

    // The guard challenges with Basic auth; the browser answers with the key, as a person would.
    browser = await launchChromium({
      httpCredentials: { username: 'ops', password: API_KEY },
      viewport: { width: 1440, height: 900 },
    });
    page = await browser.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(`http://127.0.0.1:${port}/aioclock`);
    await page.waitForSelector('tr[data-task]');
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  const row = (name: string) => `tr[data-task="${name}"]`;
  const textOf = (selector: string) =>
    page.locator(selector).first().textContent();
  const waitForText = (selector: string, text: string) =>
    page.waitForFunction(
      ([s, t]) =>
        (globalThis as unknown as BrowserGlobals).document.querySelector(s)
          ?.textContent === t,
      [selector, text] as const,
      { timeout: 10_000 },
    );

  it("should list the sample's tasks by group with their triggers in words", async () => {
    const names = await page.locator('tr[data-task] .name').allTextContents();
    expect(names).toEqual(registry.getTasks().map((t) => t.name));
    expect(
      await page
        .locator('section.group h2')
        .evaluateAll((hs) => hs.map((h) => h.firstChild?.textContent)),
    ).toEqual(['reports', 'CleanupModule', 'HostileModule']);
    expect(await textOf(`${row('reports.digest')} .trigger`)).toBe(
      'cron */5 * * * * *',
    );
    expect(await textOf(`${row('CleanupTasks.compact')} .trigger`)).toBe(
      'Sun 03:30 Europe/Berlin',
    );
    expect(await textOf(`${row('ReportsTasks.snapshot')} .trigger`)).toBe(
      'every 2 s',
    );
  });

  it('should raise the run count when Run now is clicked', async () => {
    const before = registry.getTask('ReportsTasks.snapshot').runs;
    expect(
      await textOf(`${row('ReportsTasks.snapshot')} [data-field="runs"]`),
    ).toBe(String(before));
    await page.click(
      `${row('ReportsTasks.snapshot')} button[data-action="run"]`,
    );
    await waitForText(
      `${row('ReportsTasks.snapshot')} [data-field="runs"]`,
      String(before + 1),
    );
    expect(registry.getTask('ReportsTasks.snapshot').runs).toBe(before + 1);
  });

  it('should show the paused state after Pause, and undo it with Resume', async () => {
    await page.click(
      `${row('CleanupTasks.purgeTemp')} button[data-action="pause"]`,
    );
    await waitForText(
      `${row('CleanupTasks.purgeTemp')} [data-field="state"]`,
      'paused',
    );
    expect(registry.getTask('CleanupTasks.purgeTemp').paused).toBe(true);
    expect(
      await textOf(
        `${row('CleanupTasks.purgeTemp')} button[data-action="resume"]`,
      ),
    ).toBe('Resume');

    await page.click(
      `${row('CleanupTasks.purgeTemp')} button[data-action="resume"]`,
    );
    await waitForText(
      `${row('CleanupTasks.purgeTemp')} [data-field="state"]`,
      'scheduled',
    );
    expect(registry.getTask('CleanupTasks.purgeTemp').paused).toBe(false);
  });

  it('should show a task name and an error message containing HTML as text', async () => {
    const hostile = page
      .locator('tr[data-task]')
      .filter({ has: page.locator('.name', { hasText: HTML_NAME }) });
    expect(await hostile.locator('.name').textContent()).toBe(HTML_NAME);
    expect(await hostile.locator('[data-field="error"]').textContent()).toBe(
      HTML_ERROR,
    );
    expect(
      await page.evaluate(
        () => (globalThis as unknown as BrowserGlobals).__pwned,
      ),
    ).toBeUndefined();
    expect(
      await page.locator('#groups img, #groups script, #groups b').count(),
    ).toBe(0);
    expect(await page.locator('script').count()).toBe(1);
  });

  it("should draw a chart of a task's recent runs, duration and lateness", async () => {
    // The page redraws on every refresh, replacing the chart: read it all in
    // one turn of the page (no redraw in between), as soon as it is there.
    const drawn = await page.waitForFunction(
      (selector) => {
        const chart = (
          globalThis as unknown as ChartGlobals
        ).document.querySelector(selector);
        if (chart === null) return null;
        const points = (cls: string) =>
          chart
            .querySelector(`polyline.${cls}`)
            ?.getAttribute('points')
            ?.split(' ').length;
        const box = chart.getBoundingClientRect();
        return {
          runs: Number(chart.getAttribute('data-runs')),
          duration: points('duration'),
          lateness: points('lateness'),
          size: [box.width, box.height],
        };
      },
      `${row('ReportsTasks.snapshot')} svg[data-field="chart"]`,
      { timeout: 10_000 },
    );
    const chart = (await drawn.jsonValue())!;
    expect(chart.runs).toBeGreaterThan(0);
    expect(chart.duration).toBe(chart.runs);
    expect(chart.lateness).toBe(chart.runs);
    // Drawn, not just present: the browser laid it out at its size.
    expect(chart.size).toEqual([240, 40]);
  });

  it("should open a task's history from its row and show a failed run's error as text", async () => {
    const hostile = page
      .locator('tr[data-task]')
      .filter({ has: page.locator('.name', { hasText: HTML_NAME }) });
    await hostile.locator('.name').click();
    const list = page.locator('tr.history table.runs');
    await list.waitFor({ timeout: 10_000 });
    expect(await hostile.getAttribute('aria-expanded')).toBe('true');
    const failed = list.locator('tr[data-outcome="failed"]').first();
    expect(await failed.locator('[data-field="run-error"]').textContent()).toBe(
      HTML_ERROR,
    );
    const cells = await failed.locator('td').allTextContents();
    expect(cells[1]).toBe('failed');
    expect(cells[4]).toMatch(/^.+:\d+$/); // replica: host:pid
    expect(cells[5]).toBe('1'); // attempt
    expect(
      await page.evaluate(
        () => (globalThis as unknown as BrowserGlobals).__pwned,
      ),
    ).toBeUndefined();
    expect(await page.locator('#groups script, #groups b').count()).toBe(0);
  });

  it('should run without script errors or blocked resources', () => {
    // A CSP violation or a broken script shows up as a console error.
    expect(problems).toEqual([]);
  });

  // How Basic-auth pages get bookmarked and how scripts open them. The page's
  // own requests must drop the credentials: a fetch() to a URL that contains
  // them throws, so a relative URL resolved against this page's would fail.
  it('should load and act when opened with the credentials in the URL', async () => {
    const { port } = app.getHttpServer().address() as AddressInfo;
    const bare = await launchChromium({
      viewport: { width: 1440, height: 900 },
    });
    try {
      const opened = await bare.newPage();
      const errors: string[] = [];
      opened.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      opened.on('pageerror', (error) => errors.push(error.message));
      await opened.goto(`http://ops:${API_KEY}@127.0.0.1:${port}/aioclock`);
      // The rows, or the banner saying why they could not be loaded.
      await opened.waitForSelector('tr[data-task], #banner:not([hidden])', {
        timeout: 10_000,
      });
      expect(await opened.locator('#banner').textContent()).toBe('');

      const task = 'ReportsTasks.snapshot';
      const before = registry.getTask(task).runs;
      await opened.click(`${row(task)} button[data-action="run"]`);
      await opened.waitForFunction(
        ([s, t]) =>
          (globalThis as unknown as BrowserGlobals).document.querySelector(s)
            ?.textContent === t,
        [`${row(task)} [data-field="runs"]`, String(before + 1)] as const,
        { timeout: 10_000 },
      );
      expect(registry.getTask(task).runs).toBe(before + 1);
      expect(errors).toEqual([]);
    } finally {
      await bare.close();
    }
  });
});

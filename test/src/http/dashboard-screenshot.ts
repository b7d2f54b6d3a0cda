// Renders docs/dashboard.png: the sample's HTTP app plus a "billing" group,
// after 90 virtual seconds, in headless Chromium.
//   npx ts-node test/src/http/dashboard-screenshot.ts docs/dashboard.png
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { Injectable, Module } from '@nestjs/common';
import { AioClockModule, AioClockRegistry, Cron, Every } from '../../../lib';
import { API_KEY } from '../../../sample/src/http/api-key.guard';
import { HttpAppModule } from '../../../sample/src/http/http-app.module';
import { Gate } from '../lifecycle.fixtures';
import { launchChromium } from './chromium';
import { createHttpApp } from './create-http-app';

@Injectable()
class BillingTasks {
  readonly gate = new Gate();
  private syncs = 0;

  @Every({ seconds: 6 }, { name: 'billing.syncInvoices' })
  syncInvoices(): void {
    if (++this.syncs % 4 === 0)
      throw new Error('Payment provider answered 503 Service Unavailable');
  }

  @Every({ seconds: 15 }, { name: 'billing.reconcile' })
  async reconcile(): Promise<void> {
    await this.gate.promise;
  }

  @Cron(
    { cron: '0 2 * * *', tz: 'Europe/Berlin' },
    { name: 'billing.nightlyExport' },
  )
  nightlyExport(): void {}
}

@Module({
  imports: [AioClockModule.forFeature({ name: 'billing' })],
  providers: [BillingTasks],
})
class BillingModule {}

async function main(out: string): Promise<void> {
  const { app, clock } = await createHttpApp(
    { imports: [HttpAppModule, BillingModule] },
    '2024-03-29T09:58:30Z',
  );
  const registry = app.get(AioClockRegistry);
  await clock.advance(44_000);
  registry.pause('CleanupTasks.rotateLogs');
  await clock.advance(46_000);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;

  const browser = await launchChromium({
    httpCredentials: { username: 'ops', password: API_KEY },
    viewport: { width: 1480, height: 760 },
    deviceScaleFactor: 1,
    colorScheme: process.env.COLOR_SCHEME === 'dark' ? 'dark' : 'light',
  });
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/aioclock`);
    await page.waitForSelector('tr[data-task]');
    await page.screenshot({ path: out, fullPage: true });
  } finally {
    await browser.close();
    app.get(BillingTasks).gate.open();
    await app.close();
  }
}

main(process.argv[2] ?? 'docs/dashboard.png').catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

import {
  CanActivate,
  ExecutionContext,
  Injectable,
  Module,
} from '@nestjs/common';
import {
  AioClockModule,
  At,
  Cron,
  Every,
  OrTrigger,
  type TaskContext,
} from '../../../lib';
import { Gate } from '../lifecycle.fixtures';

/** A task name full of characters that need URL encoding. */
export const ODD_NAME = 'odd name/ü?#%';

/** A task name and an error message that are HTML, to prove the dashboard escapes them. */
export const HTML_NAME = '<img src=x onerror="window.__pwned=1">';
export const HTML_ERROR = '<script>window.__pwned=2</script><b>bold?</b>';

/** The tasks the HTTP specs drive. */
@Injectable()
export class JobsTasks {
  readonly slowGate = new Gate();
  okRuns = 0;

  @Every({ seconds: 5 }, { name: 'jobs.ok' })
  ok(ctx: TaskContext): { answer: number; name: string } {
    this.okRuns += 1;
    return { answer: 42, name: ctx.name };
  }

  @Every({ minutes: 1 }, { name: 'jobs.slow' })
  async slow(): Promise<string> {
    await this.slowGate.promise;
    return 'slow done';
  }

  @Every({ minutes: 1 }, { name: 'jobs.allow', overlap: 'allow' })
  async allow(): Promise<string> {
    await this.slowGate.promise;
    return 'allowed';
  }

  @Cron('0 9 * * 1-5', { name: 'jobs.fail' })
  fail(): void {
    throw new TypeError('disk full');
  }

  @At({ hour: 9, at: 'every monday', tz: 'Europe/Berlin' }, { name: ODD_NAME })
  odd(): string {
    return 'odd';
  }

  @OrTrigger(
    [Every({ seconds: 4 }), Cron('0 * * * *')],
    {},
    { name: HTML_NAME },
  )
  html(): void {
    throw new Error(HTML_ERROR);
  }
}

/** The feature module the specs import: group "jobs". */
@Module({
  imports: [AioClockModule.forFeature({ name: 'jobs' })],
  providers: [JobsTasks],
})
export class JobsModule {}

/** Lets a request through when it carries `x-admin: yes`; otherwise Nest answers 403. */
@Injectable()
export class HeaderGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context
      .switchToHttp()
      .getRequest<{ headers: Record<string, string | undefined> }>();
    return request.headers['x-admin'] === 'yes';
  }
}

/** One task whose name and error message are HTML; for the browser spec. */
@Injectable()
export class HostileTasks {
  @Every({ seconds: 4 }, { name: HTML_NAME })
  hostile(): void {
    throw new Error(HTML_ERROR);
  }
}

@Module({ providers: [HostileTasks] })
export class HostileModule {}

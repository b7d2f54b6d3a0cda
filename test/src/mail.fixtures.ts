import { Injectable, Module } from '@nestjs/common';
import { AioClockModule, Every, type TaskContext } from '../../lib';

/** A dependency tests replace with overrideProvider. */
@Injectable()
export class MailService {
  readonly sent: string[] = [];

  send(to: string): void {
    this.sent.push(to);
  }
}

@Injectable()
export class NewsletterTasks {
  constructor(private readonly mail: MailService) {}

  @Every({ minutes: 1 })
  weekly(ctx: TaskContext): void {
    this.mail.send(`subscriber@${ctx.scheduledAt.toISOString()}`);
  }

  @Every({ seconds: 30 }, { enabled: false })
  disabled(): void {
    this.mail.send('never');
  }
}

@Module({ providers: [MailService, NewsletterTasks], exports: [MailService] })
export class NewsletterModule {}

@Injectable()
export class QuietTasks {
  runs = 0;

  @Every({ seconds: 1 })
  tick(): void {
    this.runs += 1;
  }
}

@Module({
  imports: [AioClockModule.forFeature({ name: 'quiet', enabled: false })],
  providers: [QuietTasks],
})
export class QuietModule {}

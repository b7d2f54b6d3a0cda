import type { LoggerService } from '@nestjs/common';

/** One line a Nest logger was asked to write. */
export interface LogEntry {
  level: 'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal';
  message: string;
  context?: string;
  stack?: string;
}

/** A Nest logger that records instead of printing, so specs can assert on exact lines. */
export class CaptureLogger implements LoggerService {
  readonly entries: LogEntry[] = [];

  log(message: unknown, context?: string): void {
    this.entries.push({ level: 'log', message: String(message), context });
  }
  warn(message: unknown, context?: string): void {
    this.entries.push({ level: 'warn', message: String(message), context });
  }
  error(message: unknown, stack?: string, context?: string): void {
    this.entries.push({
      level: 'error',
      message: String(message),
      stack,
      context,
    });
  }
  debug(message: unknown, context?: string): void {
    this.entries.push({ level: 'debug', message: String(message), context });
  }
  verbose(message: unknown, context?: string): void {
    this.entries.push({ level: 'verbose', message: String(message), context });
  }
  fatal(message: unknown, context?: string): void {
    this.entries.push({ level: 'fatal', message: String(message), context });
  }

  /** Lines written with the AioClock context at one level. */
  aioclock(level: LogEntry['level']): LogEntry[] {
    return this.entries.filter(
      (e) => e.level === level && e.context === 'AioClock',
    );
  }
}

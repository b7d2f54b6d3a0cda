/**
 * Base class of every error nestjs-aioclock throws on purpose, so callers can
 * tell the scheduler's errors from their own with one `instanceof`.
 */
export class AioClockError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

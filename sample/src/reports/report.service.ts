import { Injectable } from '@nestjs/common';

/** Stands in for a real reporting backend; the sample's spec overrides it. */
@Injectable()
export class ReportService {
  private counter = 0;

  async snapshot(): Promise<number> {
    this.counter += 1;
    return this.counter;
  }

  async publishDigest(): Promise<string> {
    return `digest with ${this.counter} snapshots`;
  }
}

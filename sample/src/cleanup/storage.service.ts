import { Injectable } from '@nestjs/common';

/** Stands in for a file store; the sample's spec overrides it. */
@Injectable()
export class StorageService {
  async purgeTemp(): Promise<number> {
    // Pretend a few stale files were found.
    return 1 + Math.floor(Math.random() * 3);
  }

  async rotateLogs(): Promise<void> {}

  async flush(): Promise<void> {}
}

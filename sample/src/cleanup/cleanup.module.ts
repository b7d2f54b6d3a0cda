import { Module } from '@nestjs/common';
import { CleanupTasks } from './cleanup.tasks';
import { StorageService } from './storage.service';

/** No forFeature here: the group takes the module's name, "CleanupModule". */
@Module({ providers: [StorageService, CleanupTasks] })
export class CleanupModule {}

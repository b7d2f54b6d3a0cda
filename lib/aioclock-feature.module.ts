import { Module } from '@nestjs/common';

/**
 * What `AioClockModule.forFeature()` returns is an instance of this module,
 * carrying the group options; the explorer finds it among the imports of the
 * module that hosts a task.
 */
@Module({})
export class AioClockFeatureModule {}

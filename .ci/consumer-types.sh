#!/usr/bin/env bash
# A strict consumer must compile against the published .d.ts files with none
# of the optional peers (ioredis, pg, @opentelemetry/api, @nestjs/terminus)
# installed. Packs the build, installs the tarball in a scratch folder beside
# the required peers only (symlinked from this repo's node_modules), and runs
# `tsc --strict --skipLibCheck false` over a consumer of the main entry, under
# both the CommonJS (node10) and the node16 (exports map) module resolutions.
# Then adds @nestjs/terminus alone and checks the opt-in
# 'nestjs-aioclock/health' entry the same way. Each entry is also require()d
# under plain Node, so it loads as well as compiles.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

npm run build >/dev/null
tarball=$(npm pack --silent --pack-destination "$scratch" | tail -n 1)

cd "$scratch"
npm init -y >/dev/null
# The tarball and its own dependencies from the registry, no peers
# (--legacy-peer-deps); then the required peers linked from this repo.
npm install --no-audit --no-fund --silent --ignore-scripts --legacy-peer-deps --prefer-offline \
  "./$tarball" >/dev/null
link() {
  for pkg in "$@"; do
    mkdir -p "node_modules/$(dirname "$pkg")"
    ln -s "$root/node_modules/$pkg" "node_modules/$pkg"
  done
}
# @types/node: every Node app has it; the declarations mention AbortSignal.
link @nestjs/common @nestjs/core reflect-metadata rxjs @types/node

# Prove the optional peers are really out of reach from the installed package.
for peer in ioredis pg @opentelemetry/api @nestjs/terminus; do
  if (cd node_modules/nestjs-aioclock && node -e "require.resolve('$peer/package.json')" 2>/dev/null); then
    echo "consumer-types: optional peer $peer is resolvable from the scratch install" >&2
    exit 1
  fi
done

# And at run time: the main entry loads with no optional peer, through the exports map.
node -e "
require('reflect-metadata');
const lib = require('nestjs-aioclock');
if (typeof lib.RedisCoordinator !== 'function' || typeof lib.AioClockModule !== 'function')
  throw new Error('nestjs-aioclock: main entry is missing exports');
require('nestjs-aioclock/package.json');
"

mkdir -p src
cat >src/main-entry.ts <<'TS'
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import {
  AioClockModule,
  AioClockRegistry,
  Clock,
  Every,
  RedisCoordinator,
  VirtualClock,
  type RedisCoordinatorOptions,
  type TaskContext,
  type TaskInfo,
} from 'nestjs-aioclock';

@Injectable()
export class ReportTasks {
  @Every({ seconds: 30 })
  send(ctx: TaskContext): void {
    void ctx.signal.aborted;
  }
}

// Builds the module with a Redis coordinator without naming ioredis's types.
export function appModule(client: RedisCoordinatorOptions['client']) {
  const coordinator: RedisCoordinator = new RedisCoordinator({ client });
  @Module({
    imports: [AioClockModule.forRoot({ timeZone: 'UTC', coordinator })],
    providers: [ReportTasks],
  })
  class AppModule {}
  return AppModule;
}

export function names(registry: AioClockRegistry): string[] {
  return registry.getTasks().map((task: TaskInfo) => task.name);
}

export const clock: Clock = new VirtualClock(new Date(0));
TS

cat >src/health-entry.ts <<'TS'
import { AioClockHealthIndicator } from 'nestjs-aioclock/health';

export type Indicator = AioClockHealthIndicator;
TS

check() {
  local what=$1 module=$2 resolution=$3 file=$4
  echo "== $what ($module/$resolution, strict, skipLibCheck false)"
  "$root/node_modules/.bin/tsc" --noEmit --strict --skipLibCheck false \
    --experimentalDecorators --emitDecoratorMetadata --target ES2022 \
    --module "$module" --moduleResolution "$resolution" "$file"
}

check "main entry without optional peers" commonjs node10 src/main-entry.ts
check "main entry without optional peers" node16 node16 src/main-entry.ts

link @nestjs/terminus
node -e "require('reflect-metadata'); require('nestjs-aioclock/health')"
check "health entry with @nestjs/terminus" commonjs node10 src/health-entry.ts
check "health entry with @nestjs/terminus" node16 node16 src/health-entry.ts
echo "consumer-types: both entries load, and compile for a strict consumer"

#!/usr/bin/env bash
# Jest on Node 20 cannot load NestJS 12 (ESM only), so prove the ^12 peer range
# here: pack the built library, install it beside NestJS 12 in a scratch folder,
# and run the compiled sample there under plain Node for a few seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

npm run build >/dev/null
npx tsc -p sample/tsconfig.json
tarball=$(npm pack --silent --pack-destination "$scratch" | tail -n 1)

cd "$scratch"
npm init -y >/dev/null
npm install --no-audit --no-fund --silent \
  "./$tarball" @nestjs/common@12 @nestjs/core@12 reflect-metadata rxjs >/dev/null
echo "installed: $(node -p "require('@nestjs/core/package.json').version") of @nestjs/core"

# The compiled sample, importing the published package instead of ../../lib.
mkdir -p app
cp -r "$root/dist-sample/sample/src/." app/
find app -name '*.js' -print0 | xargs -0 sed -i -E \
  -e 's#require\("(\.\./)+lib/health"\)#require("nestjs-aioclock/health")#g' \
  -e 's#require\("(\.\./)+lib(/http)?"\)#require("nestjs-aioclock")#g'
if grep -rq '/lib")' app; then echo "sample still imports lib/ directly" >&2; exit 1; fi

log="$scratch/sample.log"
SAMPLE_RUN_FOR_MS=4000 node app/main.js >"$log" 2>&1 || { cat "$log"; exit 1; }
cat "$log"
grep -q "ran" "$log" || { echo "no task ran under NestJS 12" >&2; exit 1; }
echo "NestJS 12: sample ran tasks and shut down cleanly"

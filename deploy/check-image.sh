#!/usr/bin/env bash
# The Dockerfile's steps, run without Docker (CI has no container engine): install with no scripts and
# build the one native module, compile, prune dev dependencies, lay out the runtime image, then start it
# as an unprivileged user and run the image's HEALTHCHECK and the readiness probe. Keep in step with the
# Dockerfile.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
chmod 755 "$work"

echo "image build stage: npm ci --ignore-scripts, rebuild better-sqlite3, build, prune"
mkdir -p "$work/build"
cp "$root/package.json" "$root/package-lock.json" "$work/build/"
(cd "$work/build" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error && npm rebuild better-sqlite3 --loglevel=error)
cp "$root/tsconfig.json" "$root/tsconfig.build.json" "$work/build/"
cp -r "$root/src" "$work/build/src"
(cd "$work/build" && npm run build --silent && npm prune --omit=dev --ignore-scripts --loglevel=error)

echo "image runtime stage: node_modules, dist, package.json, migrations, migrations-postgres, schema"
mkdir -p "$work/app" "$work/data"
cp -r "$work/build/node_modules" "$work/build/dist" "$work/app/"
cp "$root/package.json" "$work/app/"
cp -r "$root/migrations" "$root/migrations-postgres" "$root/schema" "$work/app/"
[ ! -e "$work/app/node_modules/tsx" ] || { echo "FAIL: dev dependencies left in the image"; exit 1; }
[ ! -e "$work/app/node_modules/typescript" ] || { echo "FAIL: dev dependencies left in the image"; exit 1; }

user_run=()
if [ "$(id -u)" = 0 ]; then
  chown -R nobody "$work/data"
  # setpriv execs node itself (no forking wrapper), so SIGTERM reaches Baton as it would in the container.
  user_run=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
fi
port=$((20000 + RANDOM % 20000))
(cd "$work/app" && exec env -i PATH="$PATH" NODE_ENV=production PORT="$port" DATABASE_PATH="$work/data/baton.sqlite" \
  SLACK_BOT_TOKEN=xoxb-image-check SLACK_SIGNING_SECRET=a1b2c3d4e5f60718293a4b5c6d7e8f90 \
  SLACK_API_URL=http://127.0.0.1:9/api/ BATON_CONFIG="$root/examples/baton.yml" LOG_LEVEL=warn \
  "${user_run[@]}" node dist/main.js) > "$work/baton.log" 2>&1 &
pid=$!

healthcheck() {
  # The Dockerfile's HEALTHCHECK command.
  PORT="$port" node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/livez').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
}
for _ in $(seq 1 100); do healthcheck && break; sleep 0.2; done
healthcheck || { echo "FAIL: /livez did not answer"; cat "$work/baton.log"; exit 1; }
ready=$(node -e "fetch('http://127.0.0.1:$port/readyz').then(async r=>{console.log(r.status, await r.text())})")
echo "readyz: $ready"
case "$ready" in 200*) ;; *) echo "FAIL: /readyz"; cat "$work/baton.log"; exit 1 ;; esac
[ "$(stat -c %U "$work/data/baton.sqlite")" = "$( [ -n "${user_run[*]}" ] && echo nobody || id -un )" ] || { echo "FAIL: database not owned by the image's user"; exit 1; }

kill -TERM "$pid"
wait "$pid" && code=0 || code=$?
pid=""
[ "$code" = 0 ] || { echo "FAIL: exit code $code after SIGTERM"; cat "$work/baton.log"; exit 1; }
echo "image steps ok: built, started as an unprivileged user, healthy, ready, stopped cleanly"

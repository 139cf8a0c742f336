#!/bin/sh
# `npm start`: install what is missing, build, then run Corral on embedded defaults.
set -e
cd "$(dirname "$0")/../.."
if [ ! -x node_modules/.bin/node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "corral: installing dependencies (npm ci)..."
  npm ci --no-audit --no-fund --loglevel=error
fi
node_modules/.bin/swc apps libs tools --config-file .swcrc --out-dir dist --copy-files --quiet
exec node_modules/.bin/node dist/tools/embedded/src/main.js "$@"

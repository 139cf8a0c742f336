#!/bin/sh
# `npm start`: install what is missing, build, then run Corral on embedded defaults.
set -e
cd "$(dirname "$0")/../.."
# real nodes need root; say so before installing or building anything (main.ts says it too)
case " $* " in *" --stand-ins "*) ;; *)
  if [ "$(id -u)" -ne 0 ]; then
    cat >&2 <<'EOF'
corral: npm start runs the demo on real Kubernetes nodes, and that needs root: each host is a network
namespace with its own cgroups and mounts, running containerd, the kubelet and runc containers.
  sudo npm start                  # as root (if sudo loses node or go: sudo env "PATH=$PATH" npm start)
  npm start -- --stand-ins        # the loopback demo with the stand-in binaries, no root needed
EOF
    exit 1
  fi ;;
esac
if [ ! -x node_modules/.bin/node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "corral: installing dependencies (npm ci)..."
  npm ci --no-audit --no-fund --loglevel=error
fi
node_modules/.bin/swc apps libs tools --config-file .swcrc --out-dir dist --copy-files --quiet
# the web console, served by the server at /
node_modules/.bin/vite build --config apps/web/vite.config.mts
exec node_modules/.bin/node dist/tools/embedded/src/main.js "$@"

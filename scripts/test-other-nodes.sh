#!/usr/bin/env bash
# The test suite on Node 22 and 24 as well as the Node that runs npm (20 on our machines).
# lanparty leans on a few of Node's private parts for speed (src/net/server/net-reads.ts:
# a socket's onread symbols; ws's receiver), each with a fallback, and on V8's GC entries
# (src/engine/thread-cpu.ts): what a newer Node changes there shows up here first.
#
# The runtimes come from the npm registry (node-<platform>-<arch>, the binaries of the `node`
# package), unpacked once into node_modules/.cache/lanparty-node/<major>/.
#
#   npm run test:nodes                       the whole suite on 22, then on 24
#   npm run test:nodes -- test/net           only these tests
#   NODE_MAJORS="24" npm run test:nodes      only these majors
set -euo pipefail
cd "$(dirname "$0")/.."

pkg="node-$(node -p 'process.platform + "-" + process.arch')"
cache="$PWD/node_modules/.cache/lanparty-node"
status=0
for major in ${NODE_MAJORS:-22 24}; do
  dir="$cache/$major"
  if [ ! -x "$dir/package/bin/node" ]; then
    echo "test:nodes: fetching $pkg@$major from the npm registry"
    rm -rf "$dir" && mkdir -p "$dir"
    (cd "$dir" && npm pack --silent "$pkg@$major" >/dev/null && tar xzf ./*.tgz && rm ./*.tgz)
  fi
  echo "test:nodes: Node $("$dir/package/bin/node" --version)"
  PATH="$dir/package/bin:$PATH" npx vitest run "$@" || status=1
done
exit $status

#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image: install Node 20 and vmlab.
#
# The autograder zip (made by make-autograder.sh) holds this script, run_autograder, vmlab-*.tgz
# (vmlab packed with `npm pack`), EXERCISE (the exercise's folder name) and exercises/<name>/ without
# its solution.
set -euo pipefail
SOURCE="${AUTOGRADER:-/autograder}/source"

# vmlab needs Node >= 20.19. Gradescope's Ubuntu images ship an older one or none; `n` installs
# the current Node 20 release.
need_node() {
  ! command -v node >/dev/null 2>&1 || ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'
}
if need_node; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
  npm install -g n >/dev/null
  n 20 >/dev/null
  hash -r
fi

# vmlab itself, from the packed tarball in the zip (no network needed for vmlab's own code).
npm install -g --no-audit --no-fund "$SOURCE"/vmlab-*.tgz
vmlab --help >/dev/null
echo "setup: node $(node --version), vmlab installed; grading exercise $(cat "$SOURCE/EXERCISE")"

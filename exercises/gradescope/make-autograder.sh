#!/usr/bin/env bash
# Builds the zip to upload as a Gradescope autograder for one exercise: ./make-autograder.sh 01-syscall [out.zip]
#
# Run it from anywhere inside a vmlab checkout. The zip holds setup.sh, run_autograder, vmlab packed
# with `npm pack`, EXERCISE, and exercises/<name>/ with its solution/ left out. Needs `zip`.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
NAME="${1:?usage: make-autograder.sh <exercise, e.g. 01-syscall> [out.zip]}"
NAME="${NAME%/}"
NAME="${NAME##*/}"
OUT="$(realpath -m "${2:-autograder-$NAME.zip}")"
[[ -f "$REPO/exercises/$NAME/suite.ts" ]] || { echo "make-autograder: no exercise exercises/$NAME (with a suite.ts)" >&2; exit 2; }
command -v zip >/dev/null || { echo "make-autograder: needs zip (apt-get install zip)" >&2; exit 2; }

STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
cp "$HERE/setup.sh" "$HERE/run_autograder" "$STAGE/"
echo "$NAME" >"$STAGE/EXERCISE"
(cd "$REPO" && npm pack --silent --pack-destination "$STAGE" >/dev/null)
# The solutions stay out of vmlab's own tarball too, whatever the package's file list says.
TGZ="$(ls "$STAGE"/vmlab-*.tgz)"
mkdir "$STAGE/pkg"
tar -xzf "$TGZ" -C "$STAGE/pkg"
rm -rf "$STAGE"/pkg/package/exercises/*/solution
tar -czf "$TGZ" -C "$STAGE/pkg" package
rm -rf "$STAGE/pkg"
mkdir -p "$STAGE/exercises"
# The solution must never reach the grader's image, where a submission's code runs.
(cd "$REPO/exercises" && tar --exclude="$NAME/solution" -cf - "$NAME") | (cd "$STAGE/exercises" && tar -xf -)
# Suites (and TypeScript work) load as ES modules wherever they sit.
echo '{"type": "module"}' >"$STAGE/package.json"
rm -f "$OUT"
(cd "$STAGE" && zip -qr "$OUT" .)
echo "wrote $OUT: upload it as the autograder of the assignment (Gradescope: Configure Autograder, zip file)"

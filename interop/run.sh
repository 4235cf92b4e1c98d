#!/usr/bin/env bash
# Runs Hayate's interop tests (go test in this directory) and prints the two matrices.
#
#   bash interop/run.sh [go test flags...]      e.g. bash interop/run.sh -race
#
# It installs no system package. The peers it needs: node with this directory's
# node_modules (installed here with `npm ci` when missing), /usr/bin/chromium,
# /usr/bin/python3 with python3-websockets, nginx. A missing peer skips its tests, or fails
# them when CI=true. Environment: INTEROP_TIMEOUT (go test -timeout, default 8m),
# INTEROP_CHROMIUM and INTEROP_PYTHON (other binaries for those peers).
set -euo pipefail

cd "$(dirname "$0")"

if [ ! -d node_modules ]; then
	if command -v npm >/dev/null 2>&1; then
		echo "interop: node_modules missing, running npm ci"
		npm ci --no-audit --no-fund
	else
		echo "interop: node_modules missing and no npm: the Node and Chromium peers will be missing"
	fi
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT

set +e
go test -count=1 -v -timeout "${INTEROP_TIMEOUT:-8m}" "$@" ./... 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e

# The matrices: one row per top-level test, one column per subtest (close holds two);
# the compression tests (TestDeflate*) have a table of their own, a column per profile.
awk '
function label(t) {
	if (t ~ /^TestDeflate/) sub(/^TestDeflate/, "Test", t)
	if (t == "TestServerChromium")    return "Chromium client -> Hayate server"
	if (t == "TestServerNodeWS")      return "Node ws client -> Hayate server"
	if (t == "TestServerPython")      return "Python websockets client -> Hayate server"
	if (t == "TestServerGorilla")     return "gorilla client -> Hayate server"
	if (t == "TestServerCoder")       return "coder client -> Hayate server"
	if (t == "TestServerBehindNginx") return "Hayate client -> nginx -> Hayate server"
	if (t == "TestNginx")             return "Hayate client -> nginx -> Hayate server"
	if (t == "TestClientNodeWS")      return "Hayate client -> Node ws server"
	if (t == "TestClientPython")      return "Hayate client -> Python websockets server"
	if (t == "TestClientGorilla")     return "Hayate client -> gorilla server"
	if (t == "TestClientCoder")       return "Hayate client -> coder server"
	return t
}
# table prints the rows of the tests that deflate selects (1: TestDeflate*, 0: others).
function table(title, colspec, deflate,    r, c, top, v, n, cols, w) {
	n = split(colspec, cols, " ")
	w = (deflate ? 19 : 11)
	any = 0
	for (r = 1; r <= nrows; r++) if ((order[r] ~ /^TestDeflate/) == deflate) any = 1
	if (!any) return
	printf "\n%-44s", title
	for (c = 1; c <= n; c++) printf(c < n ? " %-" w "s" : " %s", cols[c])
	printf "\n"
	for (r = 1; r <= nrows; r++) {
		top = order[r]
		if ((top ~ /^TestDeflate/) != deflate) continue
		printf "%-44s", label(top)
		for (c = 1; c <= n; c++) {
			v = cell[top, cols[c]]
			if (v == "") v = (topres[top] == "SKIP" ? "skip" : (topres[top] == "FAIL" ? "FAIL" : "-"))
			else if (v == "PASS") v = "pass"
			else if (v == "SKIP") v = (topres[top] == "SKIP" ? "skip" : "n/a")
			printf(c < n ? " %-" w "s" : " %s", v)
			if (v == "pass") pass++
			else if (v == "FAIL") fail++
			else skip++
		}
		printf "\n"
	}
}
match($0, /^[ \t]*--- (PASS|FAIL|SKIP): Test[A-Za-z0-9_]+(\/[^ ]+)? /) {
	line = $0
	sub(/^[ \t]*--- /, "", line)
	result = substr(line, 1, 4)
	name = line
	sub(/^[A-Z]+: /, "", name)
	sub(/ .*/, "", name)
	n = split(name, part, "/")
	top = part[1]
	if (!(top in seen)) { seen[top] = 1; order[++nrows] = top }
	if (n == 1) { topres[top] = result }
	else if (n == 2) { cell[top, part[2]] = result }
}
END {
	if (nrows == 0) { print "interop: no test ran"; exit }
	table("interop matrix", "text binary 1MiB fragmented ping-pong close subprotocol compression", 0)
	table("compression (permessage-deflate)", "takeover no-takeover-peer no-takeover-hayate window-peer window-hayate", 1)
	printf "\n(n/a: the scenario does not apply to that pair; skip: the peer is missing)\n"
	printf "interop: %d passed, %d failed, %d skipped\n", pass, fail, skip
}
' "$log"

exit "$rc"

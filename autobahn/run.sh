#!/usr/bin/env bash
# Go-native Autobahn run, used by `make autobahn`.
#
# Builds Hayate's testee agents, the Go-native runner and the checker, runs
# both roles on loopback ports, then checks both index.json files. Exits
# non-zero if any case is not OK or INFORMATIONAL (UNIMPLEMENTED is allowed
# only in the sections of AUTOBAHN_ALLOW_UNIMPLEMENTED, default 12,13 until
# permessage-deflate lands; set it empty to allow nothing).
#
# Environment (all optional):
#   AUTOBAHN_OUT                  report directory (default autobahn/reports)
#   AUTOBAHN_CASES                case globs, comma-separated (default *)
#   AUTOBAHN_EXCLUDE              case globs to skip (default none)
#   AUTOBAHN_ALLOW_UNIMPLEMENTED  sections where UNIMPLEMENTED passes (default 12,13)
#   AUTOBAHN_SERVER_PORT          testee server port (default 9001)
#   AUTOBAHN_FUZZ_PORT            runner's fuzzing server port (default 9002)
#   AUTOBAHN_STREAM=1             agents echo through Reader/Writer instead of Read/Write
#   AUTOBAHN_AGENT                agent name in the reports (default hayate)
#   AUTOBAHN_SERVER_BIN           use this prebuilt testee server (takes -addr) instead of autobahn/server
#   AUTOBAHN_CLIENT_BIN           use this prebuilt testee client (takes -url, -agent) instead of autobahn/client
set -euo pipefail
cd "$(dirname "$0")/.."

out=${AUTOBAHN_OUT:-autobahn/reports}
cases=${AUTOBAHN_CASES:-*}
exclude=${AUTOBAHN_EXCLUDE:-}
allow=${AUTOBAHN_ALLOW_UNIMPLEMENTED-12,13}
server_port=${AUTOBAHN_SERVER_PORT:-9001}
fuzz_port=${AUTOBAHN_FUZZ_PORT:-9002}
agent=${AUTOBAHN_AGENT:-hayate}
stream=()
if [[ "${AUTOBAHN_STREAM:-}" == 1 ]]; then stream=(-stream); fi
role_timeout=900 # seconds per role; a normal run takes well under two minutes

bin=$(mktemp -d)
pids=()
cleanup() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	rm -rf "$bin"
}
trap cleanup EXIT

# wait_port PORT SECONDS: wait until 127.0.0.1:PORT accepts connections.
wait_port() {
	local deadline=$((SECONDS + $2))
	until (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; do
		if ((SECONDS >= deadline)); then
			echo "autobahn: nothing listens on 127.0.0.1:$1 after $2 s" >&2
			return 1
		fi
		sleep 0.1
	done
}

echo "autobahn: building agents, runner and checker"
go build -o "$bin/runner" ./autobahn/runner
go build -o "$bin/check" ./autobahn/check
server_bin=${AUTOBAHN_SERVER_BIN:-$bin/server}
client_bin=${AUTOBAHN_CLIENT_BIN:-$bin/client}
if [[ -z "${AUTOBAHN_SERVER_BIN:-}" ]]; then go build -o "$bin/server" ./autobahn/server; fi
if [[ -z "${AUTOBAHN_CLIENT_BIN:-}" ]]; then go build -o "$bin/client" ./autobahn/client; fi
rm -rf "$out/servers" "$out/clients"

status=0

echo "autobahn: testing the server agent (runner as fuzzingclient)"
"$server_bin" -addr "127.0.0.1:$server_port" "${stream[@]}" &
server_pid=$!
pids+=("$server_pid")
wait_port "$server_port" 30
timeout "$role_timeout" "$bin/runner" -mode fuzzingclient -url "ws://127.0.0.1:$server_port" -agent "$agent" \
	-out "$out" -cases "$cases" -exclude "$exclude" || status=$?
kill "$server_pid" 2>/dev/null || true
wait "$server_pid" 2>/dev/null || true

echo "autobahn: testing the client agent (runner as fuzzingserver)"
timeout "$role_timeout" "$bin/runner" -mode fuzzingserver -addr "127.0.0.1:$fuzz_port" -out "$out" \
	-cases "$cases" -exclude "$exclude" -once -wait "$((role_timeout - 30))s" &
runner_pid=$!
pids+=("$runner_pid")
wait_port "$fuzz_port" 30
timeout "$role_timeout" "$client_bin" -url "ws://127.0.0.1:$fuzz_port" -agent "$agent" "${stream[@]}" || status=$?
wait "$runner_pid" || status=$?

echo "autobahn: checking reports"
check_args=()
if [[ -n "$allow" ]]; then check_args=(-allow-unimplemented "$allow"); fi
"$bin/check" "${check_args[@]}" "$out/servers/index.json" "$out/clients/index.json" || status=$?
echo "autobahn: summaries in $out/servers/summary.md and $out/clients/summary.md"
exit "$status"

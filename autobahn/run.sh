#!/usr/bin/env bash
# Go-native Autobahn run, used by `make autobahn` and `make autobahn-full`.
#
# Builds Hayate's testee agents, the Go-native runner and the checker, runs
# both roles on loopback ports, then checks both index.json files. Exits
# non-zero if any case is not OK or INFORMATIONAL (UNIMPLEMENTED passes only
# in the sections of AUTOBAHN_ALLOW_UNIMPLEMENTED, none by default).
#
# By default the compression sections run a representative subset (below,
# under a minute per role; the whole run takes about 2 minutes on 2 cores).
# AUTOBAHN_FULL=1 runs all 216 of their cases: about 13-15 minutes per role,
# about 15 minutes for both with AUTOBAHN_PARALLEL=1.
#
# Environment (all optional):
#   AUTOBAHN_FULL=1               every case of sections 12 and 13, not the subset
#   AUTOBAHN_PARALLEL=1           run the two roles at the same time
#   AUTOBAHN_OUT                  report directory (default autobahn/reports)
#   AUTOBAHN_CASES                case globs, comma-separated (default *)
#   AUTOBAHN_EXCLUDE              case globs to skip (default: the compression
#                                 cases outside the subset, none with AUTOBAHN_FULL=1)
#   AUTOBAHN_ALLOW_UNIMPLEMENTED  sections where UNIMPLEMENTED passes (default none)
#   AUTOBAHN_SERVER_PORT          testee server port (default 9001)
#   AUTOBAHN_FUZZ_PORT            runner's fuzzing server port (default 9002)
#   AUTOBAHN_STREAM=1             agents echo through Reader/Writer instead of Read/Write
#   AUTOBAHN_AGENT                agent name in the reports (default hayate)
#   AUTOBAHN_SERVER_BIN           use this prebuilt testee server (takes -addr) instead of autobahn/server
#   AUTOBAHN_CLIENT_BIN           use this prebuilt testee client (takes -url, -agent) instead of autobahn/client
set -euo pipefail
cd "$(dirname "$0")/.."

# The compression subset. Each group of 12.* (a payload kind) and 13.* (a set of
# permessage-deflate offers) has 18 runs of 1000 messages: 1-10 are 16 B to 128 KiB
# messages, 11-18 are 8 KiB to 128 KiB messages fragmented to 256 B to 32 KiB. The
# subset keeps, in every group, runs 1-6 (16 B to 8 KiB) and 11 (8 KiB in 256-byte
# fragments), and run 9 (64 KiB, twice the largest window) in 12.1 (JSON), 12.5
# (PDF-like, barely compressible), 13.3 and 13.5 (an 8-bit window, with and without
# context takeover) and 13.7 (three offers). The runs left out are the larger
# and longer versions of the same: they take about 13 of the 14 minutes per role.
subset_exclude=""
for run in 7 8 10 12 13 14 15 16 17 18; do
	subset_exclude+="12.*.$run,13.*.$run,"
done
subset_exclude+="12.2.9,12.3.9,12.4.9,13.1.9,13.2.9,13.4.9,13.6.9"

full=${AUTOBAHN_FULL:-}
out=${AUTOBAHN_OUT:-autobahn/reports}
cases=${AUTOBAHN_CASES:-*}
if [[ "$full" == 1 ]]; then
	exclude=${AUTOBAHN_EXCLUDE:-}
else
	exclude=${AUTOBAHN_EXCLUDE-$subset_exclude}
fi
allow=${AUTOBAHN_ALLOW_UNIMPLEMENTED:-}
server_port=${AUTOBAHN_SERVER_PORT:-9001}
fuzz_port=${AUTOBAHN_FUZZ_PORT:-9002}
agent=${AUTOBAHN_AGENT:-hayate}
stream=()
if [[ "${AUTOBAHN_STREAM:-}" == 1 ]]; then stream=(-stream); fi
# Seconds per role: a default run takes about two minutes per role, a full one
# about 15 (a compression case may take up to 130 s when the machine is busy).
role_timeout=900
if [[ "$full" == 1 ]]; then role_timeout=3600; fi

bin=$(mktemp -d)
pids=() # background processes to stop on the way out
stop_pids() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
}
cleanup() {
	stop_pids
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
if [[ "$full" == 1 ]]; then
	echo "autobahn: all cases of $cases${exclude:+, except $exclude}"
else
	echo "autobahn: cases $cases, the compression sections as a subset (AUTOBAHN_FULL=1 for all of them)"
fi

# server_role tests the server agent (runner as fuzzingclient).
server_role() {
	local rc=0 server_pid
	echo "autobahn: testing the server agent (runner as fuzzingclient)"
	"$server_bin" -addr "127.0.0.1:$server_port" "${stream[@]}" &
	server_pid=$!
	pids+=("$server_pid")
	wait_port "$server_port" 30 || rc=$?
	if ((rc == 0)); then
		timeout "$role_timeout" "$bin/runner" -mode fuzzingclient -url "ws://127.0.0.1:$server_port" -agent "$agent" \
			-out "$out" -cases "$cases" -exclude "$exclude" || rc=$?
	fi
	kill "$server_pid" 2>/dev/null || true
	wait "$server_pid" 2>/dev/null || true
	return "$rc"
}

# client_role tests the client agent (runner as fuzzingserver).
client_role() {
	local rc=0 runner_pid
	echo "autobahn: testing the client agent (runner as fuzzingserver)"
	timeout "$role_timeout" "$bin/runner" -mode fuzzingserver -addr "127.0.0.1:$fuzz_port" -out "$out" \
		-cases "$cases" -exclude "$exclude" -once -wait "$((role_timeout - 30))s" &
	runner_pid=$!
	pids+=("$runner_pid")
	if wait_port "$fuzz_port" 30; then
		timeout "$role_timeout" "$client_bin" -url "ws://127.0.0.1:$fuzz_port" -agent "$agent" "${stream[@]}" || rc=$?
	else
		rc=1
		kill "$runner_pid" 2>/dev/null || true
	fi
	wait "$runner_pid" || rc=$?
	return "$rc"
}

status=0
start=$SECONDS
if [[ "${AUTOBAHN_PARALLEL:-}" == 1 ]]; then
	# Each role runs in a subshell that stops what it started when it ends; its log
	# lines are prefixed so that the two can be told apart.
	(
		trap stop_pids EXIT
		server_role
	) > >(sed -u 's/^/[server] /') 2>&1 &
	spid=$!
	(
		trap stop_pids EXIT
		client_role
	) > >(sed -u 's/^/[client] /') 2>&1 &
	cpid=$!
	pids+=("$spid" "$cpid")
	wait "$spid" || status=$?
	wait "$cpid" || status=$?
	echo "autobahn: both roles took $((SECONDS - start)) s"
else
	server_role || status=$?
	echo "autobahn: the server role took $((SECONDS - start)) s"
	mid=$SECONDS
	client_role || status=$?
	echo "autobahn: the client role took $((SECONDS - mid)) s"
fi

echo "autobahn: checking reports"
check_args=()
if [[ -n "$allow" ]]; then check_args=(-allow-unimplemented "$allow"); fi
"$bin/check" "${check_args[@]}" "$out/servers/index.json" "$out/clients/index.json" || status=$?
echo "autobahn: summaries in $out/servers/summary.md and $out/clients/summary.md"
exit "$status"

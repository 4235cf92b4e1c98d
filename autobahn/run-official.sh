#!/usr/bin/env bash
# Runs the official Autobahn|Testsuite (wstest in the crossbario/autobahn-testsuite
# Docker image) against Hayate's agents in both roles, then the checker.
#
# Needs a Docker engine that supports --network host (Linux, e.g. GitHub
# Actions' ubuntu runners). The configs are autobahn/config/*.json; the
# reports go to $AUTOBAHN_OUT/servers and $AUTOBAHN_OUT/clients.
#
# Environment (all optional):
#   AUTOBAHN_IMAGE                image (default crossbario/autobahn-testsuite:0.8.2)
#   AUTOBAHN_OUT                  report directory (default autobahn/reports/official)
#   AUTOBAHN_ALLOW_UNIMPLEMENTED  sections where UNIMPLEMENTED passes (default none)
#   AUTOBAHN_ROLE_TIMEOUT         seconds per role (default 2400)
set -euo pipefail
cd "$(dirname "$0")/.."

image=${AUTOBAHN_IMAGE:-crossbario/autobahn-testsuite:0.8.2}
out=${AUTOBAHN_OUT:-autobahn/reports/official}
allow=${AUTOBAHN_ALLOW_UNIMPLEMENTED:-}
role_timeout=${AUTOBAHN_ROLE_TIMEOUT:-2400}
port=9001 # must match the URLs in autobahn/config/*.json
container=hayate-autobahn-fuzzingserver-$$

if ! command -v docker >/dev/null 2>&1 || ! docker info >/dev/null 2>&1; then
	echo "run-official: no Docker engine here; use autobahn/run.sh (the Go-native runner) instead" >&2
	exit 2
fi

bin=$(mktemp -d)
server_pid=
cleanup() {
	if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; fi
	docker rm -f "$container" >/dev/null 2>&1 || true
	rm -rf "$bin"
}
trap cleanup EXIT

wait_port() {
	local deadline=$((SECONDS + $2))
	until (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; do
		if ((SECONDS >= deadline)); then
			echo "run-official: nothing listens on 127.0.0.1:$1 after $2 s" >&2
			return 1
		fi
		sleep 0.2
	done
}

go build -o "$bin/server" ./autobahn/server
go build -o "$bin/client" ./autobahn/client
go build -o "$bin/check" ./autobahn/check
mkdir -p "$out"
out_abs=$(cd "$out" && pwd)
rm -rf "$out_abs/servers" "$out_abs/clients"
docker pull "$image"

# wstest resolves the specs' "./reports/..." outdirs against its working
# directory, so run it in / with the report directory mounted on /reports.
docker_run=(docker run --network host -w / -v "$PWD/autobahn/config:/config:ro" -v "$out_abs:/reports")

status=0

echo "run-official: wstest fuzzingclient against the server agent"
"$bin/server" -addr "127.0.0.1:$port" &
server_pid=$!
wait_port "$port" 30
timeout "$role_timeout" "${docker_run[@]}" --rm "$image" \
	wstest -m fuzzingclient -s /config/fuzzingclient.json || status=$?
kill "$server_pid" 2>/dev/null || true
wait "$server_pid" 2>/dev/null || true
server_pid=

echo "run-official: wstest fuzzingserver for the client agent"
"${docker_run[@]}" -d --name "$container" "$image" \
	wstest -m fuzzingserver -s /config/fuzzingserver.json >/dev/null
wait_port "$port" 120
timeout "$role_timeout" "$bin/client" -url "ws://127.0.0.1:$port" -agent hayate || status=$?
docker logs --tail 20 "$container" || true
docker rm -f "$container" >/dev/null

echo "run-official: checking reports"
check_args=()
if [[ -n "$allow" ]]; then check_args=(-allow-unimplemented "$allow"); fi
"$bin/check" "${check_args[@]}" "$out/servers/index.json" "$out/clients/index.json" || status=$?
exit "$status"

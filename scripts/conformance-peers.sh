#!/usr/bin/env bash
# Runs a conformance suite against the peer emulators installed under
# test/peers (cd test/peers && npm install): each peer is started on a free
# loopback port, the suite runs with SPK_CONFORMANCE_ENDPOINT/PEER set, and
# the peer is stopped. Exits non-zero if any run fails.
#
#   scripts/conformance-peers.sh kinesis     # kinesalite and kinesis-local
#   scripts/conformance-peers.sh dynamodb    # dynalite
#   scripts/conformance-peers.sh all         # both
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
peers="$root/test/peers/node_modules"
mode="${1:-}"

free_port() {
	node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close() })'
}

# wait_port PORT PID: wait until the peer accepts connections.
wait_port() {
	for _ in $(seq 1 300); do
		if ! kill -0 "$2" 2>/dev/null; then
			echo "peer exited before listening on port $1" >&2
			return 1
		fi
		if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	echo "peer did not listen on port $1 within 30s" >&2
	return 1
}

peer_pid=""
stop_peer() {
	if [ -n "$peer_pid" ]; then
		kill "$peer_pid" 2>/dev/null || true
		wait "$peer_pid" 2>/dev/null || true
		peer_pid=""
	fi
}
trap stop_peer EXIT

# run_suite PEER PORT PACKAGE: run one package's conformance tests.
run_suite() {
	echo "== $3 against $1 on 127.0.0.1:$2"
	(cd "$root" && SPK_CONFORMANCE_ENDPOINT="http://127.0.0.1:$2" SPK_CONFORMANCE_PEER="$1" \
		go test -count=1 -run 'Test(K[0-9]|W[0-9]|ListStreams|DescribeStream|Tags|Retention|StreamARN|UpdateShardCount|DeleteStream|StreamModeUpdate|DescribeLimits|StreamEncryption|EnhancedMonitoring|ResourceTags|ResourcePolicy|MaxRecordSize|PutRecordsRequestLimit|AccountSettings|WarmThroughput|RecordDistributionStrategy|StreamID|LargestRecord|NewerMembersInCBOR|Channels|Validation)' "$3")
}

failed=0
kinesis_peers() {
	if [ ! -x "$peers/.bin/kinesalite" ]; then
		echo "kinesalite is not installed; run: cd test/peers && npm install" >&2
		exit 1
	fi
	port="$(free_port)"
	log="$(mktemp)"
	"$peers/.bin/kinesalite" --port "$port" --createStreamMs 200 --deleteStreamMs 100 --updateStreamMs 200 --shardLimit 100000 >"$log" 2>&1 &
	peer_pid=$!
	wait_port "$port" "$peer_pid"
	run_suite kinesalite "$port" ./provision/local/kinesis/ || failed=1
	stop_peer

	port="$(free_port)"
	tls_port="$(free_port)"
	(cd "$peers/kinesis-local" && KINESIS_MOCK_PLAIN_PORT="$port" KINESIS_MOCK_TLS_PORT="$tls_port" \
		CREATE_STREAM_DURATION=200ms DELETE_STREAM_DURATION=100ms SPLIT_SHARD_DURATION=200ms \
		MERGE_SHARDS_DURATION=200ms UPDATE_SHARD_COUNT_DURATION=200ms SHARD_LIMIT=100000 LOG_LEVEL=ERROR \
		exec node main.js) >"$log" 2>&1 &
	peer_pid=$!
	wait_port "$port" "$peer_pid"
	run_suite kinesis-local "$port" ./provision/local/kinesis/ || failed=1
	stop_peer
}

dynamodb_peers() {
	if [ ! -x "$peers/.bin/dynalite" ]; then
		echo "dynalite is not installed; run: cd test/peers && npm install" >&2
		exit 1
	fi
	port="$(free_port)"
	log="$(mktemp)"
	"$peers/.bin/dynalite" --port "$port" --createTableMs 50 --deleteTableMs 50 --updateTableMs 50 >"$log" 2>&1 &
	peer_pid=$!
	wait_port "$port" "$peer_pid"
	echo "== ./provision/local/dynamodb/ against dynalite on 127.0.0.1:$port"
	(cd "$root" && SPK_CONFORMANCE_ENDPOINT="http://127.0.0.1:$port" SPK_CONFORMANCE_PEER=dynalite \
		go test -count=1 -run 'Test' ./provision/local/dynamodb/) || failed=1
	stop_peer
}

case "$mode" in
kinesis) kinesis_peers ;;
dynamodb) dynamodb_peers ;;
all)
	kinesis_peers
	dynamodb_peers
	;;
*)
	echo "usage: $0 kinesis|dynamodb|all" >&2
	exit 2
	;;
esac
exit "$failed"

#!/usr/bin/env bash
# Issue 5's store of many keys: fills a release `cofferd --dev` with N AES-256 keys through the bulk
# path (`coffer key generate-symmetric --count`), restarts it, and measures start-up from a sealed
# node to serving mutual TLS (unseal and index load included), its resident memory, and
# find-by-label latency through libcoffer-pkcs11.so (`coffer bench --operation find`).
# Not run by CI. The store (.bench/store-<N>/, gitignored) is kept, so a second run skips the fill.
set -euo pipefail
cd "$(dirname "$0")/.."

keys=1000000
operations=3000
restarts=1
usage() {
    cat <<'EOF_USAGE'
usage: scripts/bench-million-keys.sh [--keys N] [--operations N] [--restarts R]

  --keys N        AES-256 keys in the store (default 1000000)
  --operations N  find operations measured, 1 thread (default 3000)
  --restarts R    cold starts measured; start-up and memory are reported per start (default 1)

The store lives in .bench/store-<N>/ and is reused by later runs (delete it to refill).
Results (JSON, logs, a summary) go to .bench/million-<timestamp>/.
EOF_USAGE
}
while (($#)); do
    case "$1" in
        --keys) keys=$2; shift 2 ;;
        --operations) operations=$2; shift 2 ;;
        --restarts) restarts=$2; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
done
say() { echo "bench-million-keys: $*" >&2; }

# Release builds with the same flags as scripts/bench-vs-softhsm.sh, so the builds are shared.
say "building release cofferd, coffer and libcoffer-pkcs11.so"
swift build -c release -Xswiftc -static-stdlib --product cofferd >&2
swift build -c release -Xswiftc -static-stdlib --product coffer >&2
scripts/build-pkcs11 >&2
bin=$(swift build -c release --show-bin-path)
coffer="$bin/coffer"

store="$PWD/.bench/store-$keys"
raw=".bench/million-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$store" "$raw"
say "store in $store, results in $raw"
export COFFER_CONFIG_DIR="$store/cli" COFFER_PROFILE="$store/coffer/client/profile.json"
export COFFER_PKCS11_CONF="$store/coffer/client/coffer-pkcs11.conf"
mkdir -p "$COFFER_CONFIG_DIR"

cofferd_pid=""
stop_node() {
    if [ -n "$cofferd_pid" ]; then kill "$cofferd_pid" 2>/dev/null || true; wait "$cofferd_pid" 2>/dev/null || true; fi
    cofferd_pid=""
}
trap stop_node EXIT

# start_node LOG: starts the node and waits until it serves mutual TLS; the seconds it took go to
# $startup (not printed: a command substitution would run the node in a subshell).
start_node() {
    local log=$1 port started
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    started=$(date +%s.%N)
    "$bin/cofferd" --dev --data-dir "$store/coffer" --listen "127.0.0.1:$port" >"$log" 2>&1 &
    cofferd_pid=$!
    until grep -q "serving mutual TLS" "$log"; do
        kill -0 "$cofferd_pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
        sleep 0.05
    done
    startup=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$started" "$(date +%s.%N)")
}

rss_mib() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$cofferd_pid/status"; }

# First start (initializes the dev node on an empty store) and the bench user.
start_node "$raw/cofferd-fill.log"
[ -f "$store/filled" ] || rss_mib >"$store/empty-rss"
if [ ! -f "$store/bench-password" ]; then
    for attempt in 1 2 3; do
        COFFER_PASSWORD=$(cat "$store/coffer/client/dev-admin-password") "$coffer" login --user admin >/dev/null && break
        ((attempt < 3)) || exit 1
    done
    python3 -c 'import secrets; print(secrets.token_urlsafe(18))' >"$store/bench-password.new"
    "$coffer" user create --name bench --role crypto-user --password-file "$store/bench-password.new" >/dev/null
    "$coffer" logout >/dev/null
    mv "$store/bench-password.new" "$store/bench-password"
fi
password=$(cat "$store/bench-password")
"$coffer" login --user bench --password-file "$store/bench-password" >/dev/null

# Fill: the labels `coffer bench --operation find --keys N` looks for (coffer-bench-find-<i>).
if [ ! -f "$store/filled" ]; then
    say "generating $keys keys"
    fill_start=$(date +%s)
    "$coffer" key generate-symmetric --label coffer-bench-find- --count "$keys" --json >"$raw/fill.json"
    echo "$(($(date +%s) - fill_start))" >"$store/filled"
    cat "$raw/fill.json" >&2
fi
fill_seconds=$(cat "$store/filled")
stop_node

# Cold starts: exec to "serving mutual TLS" (dev mode unseals from its on-disk share, then loads the
# index), then VmRSS once the node serves.
for restart in $(seq "$restarts"); do
    sync
    start_node "$raw/cofferd-start$restart.log"
    sleep 2
    rss=$(rss_mib)
    say "start $restart: serving after $startup s, VmRSS $rss MiB"
    echo "$startup $rss" >>"$raw/starts.txt"
    ((restart == restarts)) || stop_node
done

# Find by label through the PKCS#11 library, 1 thread; the bench checks a sample of the store.
COFFER_BENCH_PIN="bench:$password" "$coffer" bench --module "$bin/libcoffer-pkcs11.so" --operation find \
    --keys "$keys" --threads 1 --operations "$operations" --json >"$raw/find.json"
rss_after=$(rss_mib)
stop_node

python3 - "$raw" "$keys" "$fill_seconds" "$rss_after" "$(cat "$store/empty-rss")" <<'PYTHON'
"""The summary: fill time, each cold start, memory, and the find latency."""
import json, pathlib, sys
raw, keys, fill, rss_after, rss_empty = pathlib.Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
starts = [line.split() for line in (raw / "starts.txt").read_text().splitlines()]
find = json.loads((raw / "find.json").read_text())["operations"]["find"]
lines = [
    f"keys: {keys:,} AES-256 (filled in {fill} s)",
    f"VmRSS of the empty node (first start): {rss_empty} MiB",
    *[f"start {i + 1}: serving after {s} s, VmRSS {r} MiB, "
      f"{(int(r) - int(rss_empty)) * 1048576 / keys:.0f} bytes per key" for i, (s, r) in enumerate(starts)],
    f"VmRSS after the find run: {rss_after} MiB",
    f"find by label, 1 thread: {json.dumps(find, sort_keys=True)}",
]
(raw / "summary.txt").write_text("\n".join(lines) + "\n")
print("\n".join(lines))
PYTHON

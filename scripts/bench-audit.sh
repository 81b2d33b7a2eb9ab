#!/usr/bin/env bash
# Measures what the audit log costs the crypto path (issue 13): P-256 signing through the shipped
# PKCS#11 library against one release `cofferd --dev`, with crypto calls recorded in the audit log
# (the default) and without (`"auditCryptoCalls": false`), side by side: the node restarts between
# runs and the order alternates every round (off/on, then on/off). Prints a Markdown table of the
# medians, and the audit log's growth during the recorded runs (entries per successful call).
#
#   scripts/bench-audit.sh [--rounds N] [--duration SECONDS] [--threads T] [--pin]
#
# --pin runs the node on the last CPU and the client on the others (taskset), so that the client
# does not compete with the node's threads: closer to clients on other hosts.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=3 duration=5 threads=4 node_cpus=() client_cpus=()
while (($#)); do
    case $1 in
        --rounds) rounds=$2; shift 2 ;;
        --duration) duration=$2; shift 2 ;;
        --threads) threads=$2; shift 2 ;;
        --pin)
            last=$(($(nproc) - 1))
            ((last > 0)) || { echo "--pin needs at least two CPUs" >&2; exit 2; }
            node_cpus=(taskset -c "$last") client_cpus=(taskset -c "0-$((last - 1))")
            shift ;;
        *) echo "usage: $0 [--rounds N] [--duration SECONDS] [--threads T] [--pin]" >&2; exit 2 ;;
    esac
done
say() { echo "bench-audit: $*" >&2; }

# Release builds in a folder of their own (COFFER_BENCH_SCRATCH, .build-release by default), so
# that they do not hold the debug build's lock; the library as scripts/build-pkcs11 builds it.
scratch=${COFFER_BENCH_SCRATCH:-.build-release}
say "building release cofferd, coffer and libcoffer-pkcs11.so in $scratch"
swift build -c release --scratch-path "$scratch" -Xswiftc -static-stdlib --product cofferd >&2
swift build -c release --scratch-path "$scratch" -Xswiftc -static-stdlib --product coffer >&2
swift build -c release --scratch-path "$scratch" --product coffer-pkcs11 -Xswiftc -static-stdlib \
    -Xlinker "--version-script=$PWD/pkcs11/exports.map" >&2
bin=$(swift build -c release --scratch-path "$scratch" --show-bin-path)
strip --strip-unneeded "$bin/libcoffer-pkcs11.so"
coffer="$bin/coffer"

work=$(mktemp -d "${TMPDIR:-/tmp}/coffer-bench-audit.XXXXXX")
cofferd_pid=""
stop_node() {
    if [ -n "$cofferd_pid" ]; then kill "$cofferd_pid" 2>/dev/null || true; wait "$cofferd_pid" 2>/dev/null || true; fi
    cofferd_pid=""
}
trap 'stop_node; rm -rf "$work"' EXIT

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf '{"auditCryptoCalls": true}\n' >"$work/on.json"
printf '{"auditCryptoCalls": false}\n' >"$work/off.json"
export COFFER_PROFILE="$work/coffer/client/profile.json" COFFER_PKCS11_CONF="$work/coffer/client/coffer-pkcs11.conf"

# start MODE: a release dev node over the same folder, with auditing of crypto calls on or off.
start_node() {
    "${node_cpus[@]}" "$bin/cofferd" --dev --data-dir "$work/coffer" --listen "127.0.0.1:$port" --config "$work/$1.json" >>"$work/cofferd.log" 2>&1 &
    cofferd_pid=$!
    for _ in $(seq 300); do
        COFFER_CONFIG_DIR="$work/probe" "$coffer" cluster status --json 2>/dev/null | grep -q '"unsealed"' && return
        kill -0 "$cofferd_pid" 2>/dev/null || { cat "$work/cofferd.log" >&2; exit 1; }
        sleep 0.2
    done
    echo "cofferd did not come up" >&2
    exit 1
}

start_node on
for attempt in 1 2 3; do
    COFFER_CONFIG_DIR="$work/admin" COFFER_PASSWORD=$(cat "$work/coffer/client/dev-admin-password") \
        "$coffer" login --user admin >/dev/null && break
    ((attempt < 3)) || exit 1
done
password=$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')
printf '%s\n' "$password" >"$work/password"
COFFER_CONFIG_DIR="$work/admin" "$coffer" user create --name bench --role crypto-user --password-file "$work/password" >/dev/null
COFFER_CONFIG_DIR="$work/admin" "$coffer" user create --name auditor --role auditor --password-file "$work/password" >/dev/null
pin="bench:$password"
# The key, made outside the measured runs.
COFFER_BENCH_PIN=$pin "$coffer" bench --module "$bin/libcoffer-pkcs11.so" --operation p256-sign --threads 1 --operations 1 --json >/dev/null

# The audit log's size, read by the auditor (logged in again after each restart).
log_size() {
    COFFER_CONFIG_DIR="$work/auditor" "$coffer" login --user auditor --password-file "$work/password" >/dev/null
    COFFER_CONFIG_DIR="$work/auditor" "$coffer" --json audit tail --count 1 | python3 -c 'import json, sys; lines = sys.stdin.read().split(); print(json.loads(lines[-1])["seq"] + 1 if lines else 0)'
}

raw=".bench/audit-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$raw"
say "raw results in $raw"
stop_node
for round in $(seq "$rounds"); do
    if ((round % 2)); then order=(off on); else order=(on off); fi
    for mode in "${order[@]}"; do
        start_node "$mode"
        before=$(log_size)
        say "round $round/$rounds: audit $mode, $threads threads, ${duration} s"
        COFFER_BENCH_PIN=$pin "${client_cpus[@]}" "$coffer" bench --module "$bin/libcoffer-pkcs11.so" --operation p256-sign \
            --threads "$threads" --duration "$duration" --json >"$raw/round$round-$mode.json"
        # Past the recorder's 100 ms and the sequencer's next append.
        sleep 1
        after=$(log_size)
        echo "$before $after" >"$raw/round$round-$mode.log-size"
        stop_node
    done
done

python3 - "$raw" "$rounds" "$threads" "$duration" "${node_cpus[*]:+, node on CPU ${node_cpus[2]}, client on CPUs ${client_cpus[2]}}" <<'EOF'
import json, statistics, sys
raw, rounds, threads, duration, pinned = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
def figures(mode):
    out = []
    for r in range(1, rounds + 1):
        result = json.load(open(f"{raw}/round{r}-{mode}.json"))
        before, after = map(int, open(f"{raw}/round{r}-{mode}.log-size").read().split())
        out.append((result, after - before))
    return out
def find(result, *names):
    for name in names:
        if name in result: return result[name]
    for value in result.values():
        if isinstance(value, dict):
            found = find(value, *names)
            if found is not None: return found
    return None
rows = {}
for mode in ("off", "on"):
    runs = figures(mode)
    ops = [find(r, "ops_per_second", "opsPerSecond") for r, _ in runs]
    calls = [find(r, "ops") for r, _ in runs]
    p50 = [find(r, "p50_us", "p50") for r, _ in runs]
    p99 = [find(r, "p99_us", "p99") for r, _ in runs]
    grown = [g for _, g in runs]
    rows[mode] = dict(ops=statistics.median(ops), all=ops, p50=statistics.median(p50), p99=statistics.median(p99), calls=calls, grown=grown)
print(f"P-256 signing (CKM_ECDSA_SHA256), {threads} threads, {rounds} rounds of {duration} s{pinned}, medians:\n")
print("| crypto calls in the audit log | ops/s | p50 / p99 µs | every round's ops/s | log entries added per round |")
print("|---|---:|---:|---|---|")
for mode, label in (("off", "off (`auditCryptoCalls: false`)"), ("on", "on (the default)")):
    row = rows[mode]
    print(f"| {label} | {row['ops']:,.0f} | {row['p50']:,.0f} / {row['p99']:,.0f} | {', '.join(f'{o:,.0f}' for o in row['all'])} | {', '.join(f'{g:,}' for g in row['grown'])} |")
pairs = [on / off for on, off in zip(rows['on']['all'], rows['off']['all'])]
print(f"\nOn ÷ off: {rows['on']['ops'] / rows['off']['ops']:.1%} (medians); round by round {', '.join(f'{p:.1%}' for p in pairs)}, median {statistics.median(pairs):.1%}.")
print(f"Successful calls per recorded round: {', '.join(str(c) for c in rows['on']['calls'])}.")
EOF

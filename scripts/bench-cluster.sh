#!/usr/bin/env bash
# Measures the 3-node cluster (scripts/cluster: a 3-member etcd and three release cofferd on loopback)
# against the single node (a release `cofferd --dev` on SQLite), through the shipped
# libcoffer-pkcs11.so with the same harness, `coffer bench`, and writes docs/cluster-benchmarks.md:
# P-256 signing and token-key generation side by side, medians of several rounds. Raw JSON of every
# run stays in .bench/cluster-<timestamp>/ (gitignored). Runs from a clean clone (needs etcd, jq).
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=3
duration=10
output=docs/cluster-benchmarks.md
usage() {
    cat <<'EOF'
usage: scripts/bench-cluster.sh [--rounds R] [--duration SECONDS] [--output FILE]

  --rounds R      rounds of every figure; each figure is the median of the rounds (default 3)
  --duration S    seconds per measured run (default 10; each run also has a 1 s warm-up)
  --output FILE   the page to write (default docs/cluster-benchmarks.md)

Needs: swift, python3, jq, curl and etcd (apt-get install -y etcd-server jq curl). Uses the
loopback ports of `scripts/cluster` (COFFER_CLUSTER_PORT, default 24000). Within a round the
single node and the cluster alternate for every figure, so machine drift hits both.
EOF
}
command_line="scripts/bench-cluster.sh${*:+ $*}"
while (($#)); do
    case "$1" in
        --rounds) rounds=$2; shift 2 ;;
        --duration) duration=$2; shift 2 ;;
        --output) output=$2; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
done

# operation@threads: signing at 4 threads, token-key generation at 1 (one connection's commits
# one after the other) and at 32 (concurrent commits, which etcd batches).
figures=(p256-sign@4 token-keygen@1 token-keygen@32)

say() { echo "bench-cluster: $*" >&2; }
for tool in etcd jq curl python3; do
    command -v "$tool" >/dev/null || { echo "bench-cluster: $tool is missing (apt-get install -y etcd-server jq curl)" >&2; exit 1; }
done

say "building release cofferd, coffer and libcoffer-pkcs11.so"
swift build -c release -Xswiftc -static-stdlib --product cofferd >&2
swift build -c release -Xswiftc -static-stdlib --product coffer >&2
scripts/build-pkcs11 >&2
bin=$(swift build -c release --show-bin-path)
coffer="$bin/coffer"
module="$bin/libcoffer-pkcs11.so"

work=$(mktemp -d "${TMPDIR:-/tmp}/coffer-bench-cluster.XXXXXX")
cofferd_pid=""
cleanup() {
    if [ -n "$cofferd_pid" ]; then kill "$cofferd_pid" 2>/dev/null || true; wait "$cofferd_pid" 2>/dev/null || true; fi
    scripts/cluster stop "$work/cluster" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

# make_user PROFILE ADMIN-PASSWORD-FILE CONFIG-DIR: a crypto-user "bench"; prints its PIN.
make_user() {
    local profile=$1 admin=$2 config=$3 password
    mkdir -p "$config"
    for attempt in 1 2 3; do
        COFFER_CONFIG_DIR=$config "$coffer" login --profile "$profile" --user admin --password-file "$admin" >/dev/null && break
        ((attempt < 3)) || exit 1
    done
    password=$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')
    printf '%s\n' "$password" >"$config/bench-password"
    COFFER_CONFIG_DIR=$config "$coffer" user create --profile "$profile" --name bench --role crypto-user \
        --password-file "$config/bench-password" >/dev/null
    echo "bench:$password"
}

# The single node.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin/cofferd" --dev --data-dir "$work/single" --listen "127.0.0.1:$port" >"$work/cofferd.log" 2>&1 &
cofferd_pid=$!
for _ in $(seq 300); do
    "$coffer" cluster status --profile "$work/single/client/profile.json" --json 2>/dev/null | grep -q '"unsealed"' && break
    kill -0 "$cofferd_pid" 2>/dev/null || { cat "$work/cofferd.log" >&2; exit 1; }
    sleep 0.2
done
single_conf="$work/single/client/coffer-pkcs11.conf"
single_pin=$(make_user "$work/single/client/profile.json" "$work/single/client/dev-admin-password" "$work/cli-single")

# The cluster.
say "starting the 3-node cluster"
started=$(date +%s.%N)
COFFER_BIN=$bin scripts/cluster start "$work/cluster" >&2
cluster_seconds=$(python3 -c "import time; print(f'{time.time() - $started:.1f}')")
cluster_conf="$work/cluster/client/coffer-pkcs11.conf"
cluster_pin=$(make_user "$work/cluster/client/profile.json" "$work/cluster/admin-password" "$work/cli-cluster")

raw=".bench/cluster-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$raw"
say "raw results in $raw"

# run single|cluster OPERATION THREADS FILE [extra coffer bench arguments]
run() {
    local name=$1 operation=$2 threads=$3 file=$4 conf pin
    shift 4
    if [ "$name" = single ]; then conf=$single_conf pin=$single_pin; else conf=$cluster_conf pin=$cluster_pin; fi
    COFFER_PKCS11_CONF=$conf COFFER_BENCH_PIN=$pin "$coffer" bench --module "$module" --operation "$operation" \
        --threads "$threads" --json "$@" >"$file"
}

say "creating keys on both"
load=$(cut -d' ' -f1-3 /proc/loadavg)
for operation in $(printf '%s\n' "${figures[@]}" | cut -d@ -f1 | sort -u); do
    for name in single cluster; do run "$name" "$operation" 1 "$raw/setup-$name-$operation.json" --operations 1; done
done
for round in $(seq "$rounds"); do
    if ((round % 2)); then order=(single cluster); else order=(cluster single); fi
    for figure in "${figures[@]}"; do
        operation=${figure%@*} threads=${figure#*@}
        for name in "${order[@]}"; do
            say "round $round/$rounds: $operation, $threads thread(s), $name"
            run "$name" "$operation" "$threads" "$raw/round$round-$operation-t$threads-$name.json" --duration "$duration"
        done
    done
done

{
    echo "cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
    echo "cores=$(nproc)"
    echo "memory=$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
    echo "kernel=$(uname -sr)"
    echo "swift=$(swift --version 2>/dev/null | head -1)"
    echo "etcd=$(etcd --version 2>/dev/null | head -1)"
    echo "commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo ' (with local changes)')"
    echo "date=$(date -u +%Y-%m-%d)"
    echo "command=$command_line"
    echo "rounds=$rounds"
    echo "duration=$duration"
    echo "load=$load"
    echo "cluster_seconds=$cluster_seconds"
} >"$raw/machine.txt"

python3 - "$raw" "$output" "${figures[@]}" <<'PYTHON'
"""Medians of the rounds per figure, single node and cluster side by side, as docs/cluster-benchmarks.md."""
import json, pathlib, statistics, sys

raw, output, figures = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3:]
machine = dict(line.split("=", 1) for line in (raw / "machine.txt").read_text().splitlines())

def figure(operation, threads, name):
    entries = [json.loads(p.read_text())["operations"][operation]
               for p in sorted(raw.glob(f"round*-{operation}-t{threads}-{name}.json"))]
    good = [e for e in entries if e.get("status") in ("ok", "errors")]
    pick = lambda f: statistics.median([f(e) for e in good]) if good else None
    return {
        "ops": pick(lambda e: e["ops_per_second"]),
        "p50": pick(lambda e: e["latency_us"]["p50"]),
        "p99": pick(lambda e: e["latency_us"]["p99"]),
        "errors": sum(e.get("errors", 0) for e in entries),
        "first_error": next((e["first_error"] for e in entries if e.get("first_error")), None),
    }

def number(value):
    return "–" if value is None else f"{value:,.0f}"

lines = []
add = lines.append
add("# The cluster against the single node")
add("")
add("The same harness (`coffer bench`) through the shipped `libcoffer-pkcs11.so` on the same machine:")
add("the single node is a release `cofferd --dev` on SQLite; the cluster is `scripts/cluster` (a")
add("3-member etcd and three release cofferd on loopback, the library's profile listing all three).")
add(f"Each figure is the median of {machine['rounds']} rounds of {machine['duration']} s (after a 1 s")
add("warm-up); within a round the two alternate for every figure. Everything (etcd, the nodes, the")
add("benchmark) shares the machine's cores, so the cluster's figures include its members' CPU.")
add("")
add("| operation | threads | single ops/s | cluster ops/s | single p50 / p99 µs | cluster p50 / p99 µs | errors (single / cluster) |")
add("|---|---:|---:|---:|---:|---:|---:|")
notes = []
for item in figures:
    operation, threads = item.split("@")
    single, cluster = figure(operation, threads, "single"), figure(operation, threads, "cluster")
    add(f"| {operation} | {threads} | {number(single['ops'])} | {number(cluster['ops'])} | "
        f"{number(single['p50'])} / {number(single['p99'])} | {number(cluster['p50'])} / {number(cluster['p99'])} | "
        f"{single['errors']} / {cluster['errors']} |")
    for name, side in (("single", single), ("cluster", cluster)):
        if side["first_error"]:
            notes.append(f"- {operation} at {threads} threads, {name}: first error {side['first_error']}")
add("")
lines += notes + ([""] if notes else [])
add("- `token-keygen`: AES-256 `C_GenerateKey` of a token object, one store write each (on the cluster")
add("  an etcd transaction committed on a quorum before the call returns); the keys are kept, labelled")
add("  `coffer-bench-token-keygen`.")
add("- `p256-sign`: `C_SignInit` + `C_Sign` (CKM_ECDSA) with an existing token key.")
add(f"- `scripts/cluster start` served the cluster in {machine['cluster_seconds']} s (etcd, three nodes,")
add("  init, unseal).")
add("")
add("## What these figures say")
add("")
add("Recorded by hand after the run that wrote this page (edit `scripts/bench-cluster.sh` to keep it):")
add("")
add("- Signing costs the cluster nothing: it is served from each node's memory, as on the single node.")
add("- **Token-key generation on the cluster misses issue 10's target** of 1,000 keys/s: about 520 at")
add("  32 threads, a third of the single node's. Each key is one etcd transaction; the node does not")
add("  batch concurrent commits into one transaction yet, and on this 2-core machine etcd's three")
add("  members, the nodes and the benchmark share the cores.")
add("- **Errors on the cluster's key generation:** a few calls in every run fail with `CKR_DEVICE_ERROR`")
add("  \"the store is unavailable (... Stream unexpectedly closed.)\": the node's gRPC stream to etcd")
add("  closes under load although no member logs a fault. The cause is not found yet; such a call")
add("  may or may not have written its key.")
add("")
add("## Machine and versions")
add("")
add(f"- CPU: {machine['cpu']}, {machine['cores']} cores; memory {machine['memory']}; {machine['kernel']}")
add(f"- {machine['swift']}; {machine['etcd']}")
add(f"- Coffer commit {machine['commit']}, measured {machine['date']}; load average when it started: {machine['load']}")
add("")
add("## How to reproduce")
add("")
add("```")
add(machine["command"])
add("```")
add("")
add("`scripts/bench-cluster.sh --help` lists the options. It builds the release binaries and the")
add("library, starts both, makes a crypto-user on each with the `coffer` CLI, runs every figure and")
add("writes this page; the raw JSON stays in `.bench/`.")
output.write_text("\n".join(lines) + "\n")
print(f"wrote {output}")
PYTHON

#!/usr/bin/env bash
# Measures Coffer (a release `cofferd --dev` over loopback mTLS, through the shipped
# libcoffer-pkcs11.so) against SoftHSM2 (in-process) with the same harness, `coffer bench`, and
# writes docs/benchmarks.md: medians of several rounds, the ratios, issue 5's targets, the machine.
# Raw JSON of every run stays in .bench/<timestamp>/ (gitignored). Runs from a clean clone.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=3
duration=10
keys=1000
output=docs/benchmarks.md
only=""
usage() {
    cat <<'EOF'
usage: scripts/bench-vs-softhsm.sh [--rounds R] [--duration SECONDS] [--keys N]
                                   [--operations NAME,NAME...] [--output FILE]

  --rounds R         rounds of every figure; each figure is the median of the rounds (default 3)
  --duration S       seconds per measured run (default 10; each run also has a 1 s warm-up)
  --keys N           AES keys in the find benchmark's store (default 1000)
  --operations LIST  only these `coffer bench` operations, comma-separated (default: all)
  --output FILE      the page to write (default docs/benchmarks.md)

Needs: swift, python3, and softhsm2 (installed with apt-get when missing).
Within a round the two modules alternate for every figure (the first module switches
each round), so machine drift hits both.
EOF
}
command_line="scripts/bench-vs-softhsm.sh${*:+ $*}"
while (($#)); do
    case "$1" in
        --rounds) rounds=$2; shift 2 ;;
        --duration) duration=$2; shift 2 ;;
        --keys) keys=$2; shift 2 ;;
        --operations) only=$2; shift 2 ;;
        --output) output=$2; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
done

# The figures: operation@threads. The thread counts are issue 5's: RSA-2048 at 2 threads,
# P-256 sign at 4 (throughput) and at 1 (p99 latency), AES-GCM at 4, the rest at 2.
figures=(
    rsa2048-pkcs@2 rsa2048-pss@2 rsa3072-pkcs@2 rsa3072-pss@2
    p256-sign@4 p256-sign@1 p256-verify@2 ed25519-sign@2
    aes-gcm-4k@4 mldsa65-sign@2 keygen@2 find@2
)
if [ -n "$only" ]; then
    selected=()
    for figure in "${figures[@]}"; do
        [[ ",$only," == *",${figure%@*},"* ]] && selected+=("$figure")
    done
    ((${#selected[@]})) || { echo "no figure matches --operations $only" >&2; exit 2; }
    figures=("${selected[@]}")
fi

say() { echo "bench-vs-softhsm: $*" >&2; }

# SoftHSM2 (Debian's package).
softhsm_module=/usr/lib/softhsm/libsofthsm2.so
if ! dpkg -s softhsm2 >/dev/null 2>&1; then
    say "installing softhsm2"
    if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq softhsm2
fi

# Release builds. The same -static-stdlib swiftc flag as scripts/build-pkcs11 for all three, so
# that the library's build reuses the compiled modules and only relinks.
say "building release cofferd, coffer and libcoffer-pkcs11.so"
swift build -c release -Xswiftc -static-stdlib --product cofferd >&2
swift build -c release -Xswiftc -static-stdlib --product coffer >&2
scripts/build-pkcs11 >&2
bin=$(swift build -c release --show-bin-path)
coffer="$bin/coffer"
coffer_module="$bin/libcoffer-pkcs11.so"

work=$(mktemp -d "${TMPDIR:-/tmp}/coffer-bench.XXXXXX")
cofferd_pid=""
cleanup() {
    if [ -n "$cofferd_pid" ]; then kill "$cofferd_pid" 2>/dev/null || true; wait "$cofferd_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

# A SoftHSM2 token in the temporary folder.
export SOFTHSM2_CONF="$work/softhsm2.conf"
mkdir -p "$work/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$work/tokens" >"$SOFTHSM2_CONF"
softhsm2-util --init-token --free --label coffer-bench --pin 1234 --so-pin 5678 >/dev/null
softhsm_pin=1234

# A release dev node on a free loopback port, and a crypto-user made with the coffer CLI.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin/cofferd" --dev --data-dir "$work/coffer" --listen "127.0.0.1:$port" >"$work/cofferd.log" 2>&1 &
cofferd_pid=$!
export COFFER_CONFIG_DIR="$work/cli" COFFER_PROFILE="$work/coffer/client/profile.json"
export COFFER_PKCS11_CONF="$work/coffer/client/coffer-pkcs11.conf"
mkdir -p "$COFFER_CONFIG_DIR"
for _ in $(seq 300); do
    "$coffer" cluster status --json 2>/dev/null | grep -q '"unsealed"' && break
    kill -0 "$cofferd_pid" 2>/dev/null || { cat "$work/cofferd.log" >&2; exit 1; }
    sleep 0.2
done
# The admin login hashes a password; on a busy machine it may miss its deadline, so try thrice.
for attempt in 1 2 3; do
    COFFER_PASSWORD=$(cat "$work/coffer/client/dev-admin-password") "$coffer" login --user admin >/dev/null && break
    ((attempt < 3)) || exit 1
done
password=$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')
printf '%s\n' "$password" >"$work/bench-password"
"$coffer" user create --name bench --role crypto-user --password-file "$work/bench-password" >/dev/null
"$coffer" logout >/dev/null
coffer_pin="bench:$password"

raw=".bench/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$raw"
say "raw results in $raw"

# run MODULE-NAME OPERATION THREADS FILE [extra coffer bench arguments]
run() {
    local name=$1 operation=$2 threads=$3 file=$4
    shift 4
    local module pin token=()
    if [ "$name" = coffer ]; then module=$coffer_module pin=$coffer_pin; else
        module=$softhsm_module pin=$softhsm_pin token=(--token-label coffer-bench)
    fi
    COFFER_BENCH_PIN=$pin "$coffer" bench --module "$module" "${token[@]}" --operation "$operation" \
        --threads "$threads" --keys "$keys" --json "$@" >"$file"
}

# Setup pass: each module creates its keys (and the find store) once, outside the measured runs.
say "creating keys on both tokens"
load=$(cut -d' ' -f1-3 /proc/loadavg)
operations=$(printf '%s\n' "${figures[@]}" | cut -d@ -f1 | sort -u)
for operation in $operations; do
    for name in coffer softhsm; do
        run "$name" "$operation" 1 "$raw/setup-$name-$operation.json" --operations 1
    done
done

for round in $(seq "$rounds"); do
    if ((round % 2)); then order=(coffer softhsm); else order=(softhsm coffer); fi
    for figure in "${figures[@]}"; do
        operation=${figure%@*} threads=${figure#*@}
        for name in "${order[@]}"; do
            say "round $round/$rounds: $operation, $threads thread(s), $name"
            run "$name" "$operation" "$threads" "$raw/round$round-$operation-t$threads-$name.json" --duration "$duration"
        done
    done
done

# The machine and the versions, for the page.
{
    echo "cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
    echo "cores=$(nproc)"
    echo "memory=$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
    echo "kernel=$(uname -sr)"
    echo "swift=$(swift --version 2>/dev/null | head -1)"
    echo "softhsm=$(dpkg-query -W -f '${Version}' softhsm2)"
    echo "openssl=$(openssl version)"
    echo "commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo ' (with local changes)')"
    echo "date=$(date -u +%Y-%m-%d)"
    echo "command=$command_line"
    echo "rounds=$rounds"
    echo "duration=$duration"
    echo "keys=$keys"
    echo "load=$load"
} >"$raw/machine.txt"

python3 - "$raw" "$output" "${figures[@]}" <<'PYTHON'
"""Medians of the rounds per figure, the ratios and issue 5's targets, as docs/benchmarks.md."""
import json, pathlib, statistics, sys

raw, output, figures = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3:]
machine = dict(line.split("=", 1) for line in (raw / "machine.txt").read_text().splitlines())

def runs(operation, threads, module):
    """The measured entries of every round of one figure on one module."""
    entries = []
    for path in sorted(raw.glob(f"round*-{operation}-t{threads}-{module}.json")):
        entry = json.loads(path.read_text())["operations"][operation]
        entries.append(entry)
    return entries

def median(entries, pick):
    values = [pick(e) for e in entries if e.get("status") in ("ok", "errors")]
    return statistics.median(values) if values else None

rows, figures_by_key = [], {}
for figure in figures:
    operation, threads = figure.split("@")
    result = {}
    for module in ("coffer", "softhsm"):
        entries = runs(operation, threads, module)
        statuses = {e.get("status") for e in entries}
        result[module] = {
            "status": "unsupported" if statuses == {"unsupported"} else ("failed" if statuses == {"failed"} else "ok"),
            "ops": median(entries, lambda e: e["ops_per_second"]),
            "p50": median(entries, lambda e: e["latency_us"]["p50"]),
            "p99": median(entries, lambda e: e["latency_us"]["p99"]),
            "cpu": median(entries, lambda e: e["cpu_seconds"] / e["wall_seconds"]),
            "errors": sum(e.get("errors", 0) for e in entries),
            "first_error": next((e["first_error"] for e in entries if e.get("first_error")), None),
            "reason": next((e["reason"] for e in entries if e.get("reason")), None),
        }
    figures_by_key[(operation, int(threads))] = result
    rows.append((operation, int(threads), result))

def number(value, digits=0):
    return "–" if value is None else f"{value:,.{digits}f}"

def cell(side, key, digits=0):
    if side["status"] != "ok":
        return side["status"]
    return number(side[key], digits)

def ratio(result):
    c, s = result["coffer"]["ops"], result["softhsm"]["ops"]
    if c is None or s is None or s == 0 or "ok" != result["coffer"]["status"] or "ok" != result["softhsm"]["status"]:
        return None
    return c / s

lines = []
add = lines.append
add("# Benchmarks")
add("")
add("Coffer against SoftHSM2, measured by the same harness (`coffer bench`) in one session on one machine.")
add("Coffer is a release `cofferd --dev` on the same machine, reached over loopback mutual TLS 1.3 through")
add("the shipped `libcoffer-pkcs11.so`; SoftHSM2 runs inside the benchmark process. Each figure is the")
add(f"median of {machine['rounds']} rounds of {machine['duration']} s (after a 1 s warm-up); within a round the two")
add("modules alternate for every figure, and the module that goes first switches every round.")
add("")
add("> **Not all of issue 5's ratios hold.** [`performance.md`](performance.md) shows where a call's time")
add("> goes (profiles), what has been done (the pipeline, then the fast path) and what stands in the way.")
add("")
add("The 3-node cluster against the single node (signing and token-key generation, same harness) is on")
add("its own page, [`cluster-benchmarks.md`](cluster-benchmarks.md), written by `scripts/bench-cluster.sh`.")
add("")
add("## Results")
add("")
add("ops/s is the throughput of all threads together; latencies are per call (C_*Init + the call) in µs;")
add("CPU is the benchmark process's user+system time per wall second (for SoftHSM2 this includes the")
add("cryptography; for Coffer only the client side, the node's CPU is not counted). Ratio = Coffer ÷ SoftHSM2 ops/s.")
add("")
add("| operation | threads | Coffer ops/s | SoftHSM2 ops/s | ratio | Coffer p50 / p99 µs | SoftHSM2 p50 / p99 µs | CPU (Coffer / SoftHSM2) |")
add("|---|---:|---:|---:|---:|---:|---:|---:|")
notes = []
for operation, threads, result in rows:
    c, s = result["coffer"], result["softhsm"]
    r = ratio(result)
    latency = lambda side: side["status"] if side["status"] != "ok" else f"{number(side['p50'], 0)} / {number(side['p99'], 0)}"
    cpu = f"{number(c['cpu'], 2) if c['status'] == 'ok' else '–'} / {number(s['cpu'], 2) if s['status'] == 'ok' else '–'}"
    add(f"| {operation} | {threads} | {cell(c, 'ops')} | {cell(s, 'ops')} | {'–' if r is None else f'{r:.2f}×'} | {latency(c)} | {latency(s)} | {cpu} |")
    for name, side in (("Coffer", c), ("SoftHSM2", s)):
        if side["errors"]:
            notes.append(f"- {operation} ({threads} threads), {name}: {side['errors']} failed calls, first {side['first_error']}.")
        if side["status"] != "ok" and side["reason"]:
            notes.append(f"- {operation}, {name}: {side['status']} ({side['reason']}).")
if notes:
    add("")
    lines.extend(notes)

add("")
add("## Issue 5's targets")
add("")
add("| target | measured | holds |")
add("|---|---|---|")
def target(label, key, goal):
    result = figures_by_key.get(key)
    r = ratio(result) if result else None
    if r is None:
        add(f"| {label} | not measured in this run | – |")
    else:
        add(f"| {label} | {r:.2f}× ({number(result['coffer']['ops'])} vs {number(result['softhsm']['ops'])} ops/s) | {'yes' if r >= goal else '**no**'} |")
target("RSA-2048 sign (CKM_SHA256_RSA_PKCS), 2 threads: Coffer ≥ 2.0× SoftHSM2", ("rsa2048-pkcs", 2), 2.0)
target("P-256 ECDSA sign, 4 threads: ≥ 1.0×", ("p256-sign", 4), 1.0)
target("AES-256-GCM 4 KiB encrypt, 4 threads: ≥ 1.0×", ("aes-gcm-4k", 4), 1.0)
single = figures_by_key.get(("p256-sign", 1))
if single and single["coffer"]["p99"] is not None:
    p99 = single["coffer"]["p99"]
    add(f"| P-256 sign p99 latency at 1 thread: < 500 µs | {number(p99)} µs | {'yes' if p99 < 500 else '**no**'} |")
else:
    add("| P-256 sign p99 latency at 1 thread: < 500 µs | not measured in this run | – |")
find = figures_by_key.get(("find", 2))
if find and find["coffer"]["p99"] is not None:
    p99 = find["coffer"]["p99"]
    add(f"| find-by-label < 1 ms (target is for 1,000,000 keys; here a store of {int(machine['keys']):,}) | p99 {number(p99)} µs | {'yes' if p99 < 1000 else '**no**'} (this store size) |")
add("| 1,000,000 AES keys: start-up < 60 s, find < 1 ms, cofferd RSS < 2 GiB | measured by `scripts/bench-million-keys.sh`, see performance.md (\"A store of many keys\") | – |")

add("")
add("For scale, the vendors' published figures: Azure Cloud HSM per instance RSA-2048 sign 1,100/s, P-256")
add("sign 330/s, Ed25519 sign 420/s, AES 10,000/s (4 KB); AWS CloudHSM (3-HSM hsm2m cluster) RSA-2048")
add("sign 3,000/s, P-256 sign 4,500/s.")
add("")
add("## Machine and versions")
add("")
add(f"- CPU: {machine['cpu']}, {machine['cores']} cores; memory {machine['memory']}; {machine['kernel']}")
add(f"- {machine['swift']}")
add(f"- SoftHSM2 {machine['softhsm']} (Debian package), {machine['openssl']}")
add(f"- Coffer commit {machine['commit']}, measured {machine['date']}")
add(f"- Load average (1, 5, 15 min) when the measurement started: {machine['load']}; other work on the machine")
add("  moves the figures, which is why the modules alternate and each figure is a median.")
add("")
add("## Method and how to reproduce")
add("")
add("The command that produced this page:")
add("")
add("```")
add(machine["command"])
add("```")
add("")
add("From a clean clone, `scripts/bench-vs-softhsm.sh` (defaults: 3 rounds of 10 s) does everything:")
add("")
add("1. installs Debian's `softhsm2` if it is missing;")
add("2. builds release `cofferd` and `coffer`, and the shipped library with `scripts/build-pkcs11`;")
add("3. makes a SoftHSM2 token in a temporary folder (`SOFTHSM2_CONF`, `softhsm2-util --init-token`);")
add("4. starts `cofferd --dev` on a free loopback port with its data in the temporary folder, and makes")
add("   a crypto-user with the `coffer` CLI;")
add("5. runs `coffer bench --operations 1` once per operation and module, which creates the keys")
add("   (`coffer-bench-*` token objects, and the find store of `--keys` AES keys) outside the measurement;")
add("6. for each round and figure runs `coffer bench --module <module> --operation <op> --threads <T>")
add("   --duration <s> --json` on Coffer and on SoftHSM2, alternating, and keeps every JSON in `.bench/`;")
add("7. writes this page from the medians.")
add("")
add("One `coffer bench` measurement: T threads, one session each (all logged in), call the operation in a")
add("loop; every successful call's latency goes into an HdrHistogram (3 significant digits), merged across")
add("threads; ops/s is successful calls ÷ wall time. `coffer bench --help` lists the operations and options;")
add("run it by hand against any PKCS#11 module, for example:")
add("")
add("```")
add("COFFER_BENCH_PIN=1234 coffer bench --module /usr/lib/softhsm/libsofthsm2.so --token-label coffer-bench \\")
add("    --threads 4 --duration 10 --operation p256-sign")
add("```")
add("")
# Measurements made by hand (listing objects) live in the page's "## Listing objects" section: kept as it is.
if output.exists():
    previous = output.read_text().split("\n")
    if "## Listing objects" in previous:
        start = previous.index("## Listing objects")
        end = next((i for i in range(start + 1, len(previous)) if previous[i].startswith("## ")), len(previous))
        kept = previous[start:end]
        while kept and kept[-1] == "":
            kept.pop()
        lines += kept + [""]
output.write_text("\n".join(lines) + "\n")
print("\n".join(lines[lines.index("## Results"):lines.index("## Machine and versions")]))
PYTHON
say "wrote $output"

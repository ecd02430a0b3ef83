#!/usr/bin/env bash
# Black-box checks of the pertoken binary: exit codes (0 ok, 1 failure or "does not fit",
# 2 usage error) and the one-line messages users see. Arguments: BINARY TEST_DATA SHIPPED_DATA.
set -u
bin="$1"
fixture="$2/catalog_small"
shipped="$3"

# shellcheck source=lib/expect.bash
source "$(dirname "$0")/lib/expect.bash"

# Help on every subcommand.
expect 0 "fit" --help
for sub in "fit" "estimate" "simulate" "validate" "catalog list" "catalog show" "catalog check"; do
  # shellcheck disable=SC2086
  expect 0 "--json" $sub --help
done
expect 0 "list" catalog --help
expect 0 "pertoken 0.1.0" --version

# Usage errors exit 2.
expect 2 "" 
expect 2 "--model is required" fit --accelerator h100
expect 2 "" fit --model llama-2-70b --accelerator h100 --bogus
expect 2 "" fit --model llama-2-70b --accelerator h100 --tp two

# Failures and negative answers exit 1 with one clear message.
expect 1 "unknown model 'llama-70b'; did you mean llama-2-70b, llama-3.1-70b?" \
  --data-dir "$fixture" fit --model llama-70b --accelerator h100
expect 1 "TP=3 does not divide the 64 attention heads" --data-dir "$fixture" fit -m llama-2-70b -a h100 --tp 3
expect 1 "--count 3 is not TP×PP" --data-dir "$fixture" fit -m llama-2-70b -a h100 --count 3 --tp 2
expect 1 "--context must be at least 1, got -5" --data-dir "$fixture" fit -m llama-2-70b -a h100 --context -5
expect 1 "Fits: no" --data-dir "$fixture" fit -m llama-2-70b -a h100 --count 1
expect 0 "Fits: yes" --data-dir "$fixture" fit -m llama-2-70b -a h100 --count 2
expect 1 "does not exist" --data-dir /nonexistent fit -m llama-2-70b -a h100

# estimate, validate and calibrate.
expect 0 "output throughput" --data-dir "$fixture" estimate -m llama-2-70b -a h100 -n 2 \
  --input-len 1000 --output-len 200 --concurrency 8
expect 0 '"usd_per_million_output_tokens"' --data-dir "$fixture" estimate -m llama-2-70b -a h100 \
  -n 2 --input-len 1000 --output-len 200 --json
expect 1 "--output-len must be at least 1" --data-dir "$fixture" estimate -m llama-2-70b -a h100 \
  --input-len 10 --output-len 0
expect 1 "accept must be in [0, 1)" --data-dir "$fixture" estimate -m llama-2-70b -a h100 -n 2 \
  --input-len 10 --output-len 10 --spec-decode k=4,accept=1.5
expect 2 "--input-len is required" estimate -m llama-2-70b -a h100 --output-len 10
# --workload: a catalog workload's mean lengths (and plan's targets).
expect 0 "workload mlperf-llama2-70b" --data-dir "$fixture" estimate -m llama-2-70b -a h100 -n 2 \
  --workload mlperf-llama2-70b
expect 1 "contradictory flags" --data-dir "$fixture" estimate -m llama-2-70b -a h100 -n 2 \
  --workload mlperf-llama2-70b --input-len 100
expect 1 "unknown benchmark workload 'mlperf-nope'; known: mlperf-llama2-70b" --data-dir "$fixture" \
  estimate -m llama-2-70b -a h100 -n 2 --workload mlperf-nope
expect 2 "--slo-ttft is required (or --workload ID)" --data-dir "$fixture" plan -m llama-2-70b \
  --input-len 100 --output-len 100 --requests-per-day 1000
expect 0 "the p99 limits of its Server scenario" --data-dir "$fixture" plan -m llama-2-70b \
  --workload mlperf-llama2-70b --requests-per-day 1e6 --verify 0
expect 0 "Rows 9, predicted 9" --data-dir "$shipped" validate --measurements "$2/measurements/regimes.csv"
expect 1 "cannot open" validate --measurements /nonexistent.csv
expect 2 "expected source, accelerator" validate --by colour
expect 1 "cannot list" calibrate ops --opdb /nonexistent --out "$tmp"
expect 1 "--rounds 0: a fit needs at least 1 round per pass" --data-dir "$fixture" calibrate engines --rounds 0

# simulate: every bad input is one `error:` line and exit 1; usage errors exit 2.
traces="$2/traces"
sim=(--data-dir "$fixture" simulate -m llama-2-7b -a h100)
expect 0 "output tok/s" "${sim[@]}" --trace "$traces/five_rows.csv" --slo-ttft 0.5
expect 0 '"usd_per_million_output_tokens"' "${sim[@]}" --arrivals poisson:rate=5 \
  --lengths fixed:in=100,out=10 --requests 20 --json
expect 0 "azure2023_conv.csv" --data-dir "$shipped" simulate -m llama-3.1-8b -a h100-sxm \
  --trace azure-conv --max-requests 100
expect 1 "did you mean azure-conv" "${sim[@]}" --trace azure-cov
expect 1 "bad_rows.csv:3: input_tokens" "${sim[@]}" --trace "$traces/bad_rows.csv"
expect 1 "not both" "${sim[@]}" --trace azure-conv --arrivals poisson:rate=1
expect 1 "give a workload" "${sim[@]}"
expect 1 "one of --requests N and --duration S" "${sim[@]}" --arrivals poisson:rate=1 \
  --lengths fixed:in=10,out=5 --requests 5 --duration 3
expect 1 "one of --requests N and --duration S" "${sim[@]}" --arrivals poisson:rate=1 \
  --lengths fixed:in=10,out=5
expect 1 "--speedup must be a number > 0" "${sim[@]}" --trace azure-conv --speedup 0
expect 1 "--replicas must be from 1" "${sim[@]}" --trace azure-conv --replicas 0
expect 1 "--slo-ttft must be a number > 0" "${sim[@]}" --trace azure-conv --slo-ttft -1
expect 1 "does not fit on 1 × h100-sxm" --data-dir "$fixture" simulate -m llama-2-70b -a h100 -n 1 \
  --trace "$traces/five_rows.csv"
expect 1 "exceeds replica 1's context of 4096 tokens" "${sim[@]}" --arrivals poisson:rate=1 \
  --lengths fixed:in=5000,out=10 --requests 3
expect 1 "--requests-out $tmp/no/x.csv: cannot open" "${sim[@]}" --trace "$traces/five_rows.csv" \
  --requests-out "$tmp/no/x.csv"
expect 1 "give a deployment: --model M --accelerator A, or a fleet file" --data-dir "$fixture" \
  simulate --accelerator h100 --trace azure-conv
expect 2 "" "${sim[@]}" --trace azure-conv --replicas two
# PERTOKEN_TRACES_DIR moves the built-in traces.
if PERTOKEN_TRACES_DIR="$tmp/none" "$bin" "${sim[@]}" --trace azure-conv >"$tmp/out" 2>"$tmp/err" ||
  ! grep -qF "no file $tmp/none/azure2023_conv.csv" "$tmp/err"; then
  echo "FAIL: PERTOKEN_TRACES_DIR was not used"; cat "$tmp/err"; failures=$((failures + 1))
fi
# simulate with a heterogeneous fleet: --fleet files and --disaggregate.
examples="$3/../../examples/fleets"
expect 0 "handed off     4 requests" "${sim[@]}" --disaggregate 1:1 --trace "$traces/five_rows.csv"
expect 0 "group 1: 2 decode replicas of llama-3.1-70b" --data-dir "$shipped" simulate \
  --fleet "$examples/disaggregated-70b.toml" --trace "$traces/five_rows.csv"
expect 0 "tier large (30% of requests)" --data-dir "$shipped" simulate \
  --fleet "$examples/tiers-8b-70b.toml" --trace "$traces/five_rows.csv"
expect 0 '"accelerator": "h200-sxm"' --data-dir "$shipped" simulate \
  --fleet "$examples/mixed-h100-h200.toml" --trace "$traces/five_rows.csv" --json
expect 1 "--fleet describes the whole fleet: give --model, --replicas in the fleet file" \
  --data-dir "$shipped" simulate --fleet "$examples/tiers-8b-70b.toml" -m llama-3.1-8b --replicas 2 \
  --trace "$traces/five_rows.csv"
expect 1 "--fleet $tmp/none.toml: no such file" --data-dir "$fixture" simulate --fleet "$tmp/none.toml" \
  --trace azure-conv
printf '[[group]]\nmodel = "llama-2-7b"\naccelerator = "h100"\nrole = "both"\n' >"$tmp/bad.toml"
expect 1 "$tmp/bad.toml:4: group[0].role: 'both' is not one of" --data-dir "$fixture" simulate \
  --fleet "$tmp/bad.toml" --trace azure-conv
printf '[[group]]\nmodel = "llama-2-7b"\naccelerator = "h100"\nrole = "decode"\n' >"$tmp/decode.toml"
expect 1 "$tmp/decode.toml: tier 0 mixes roles" --data-dir "$fixture" simulate \
  --fleet "$tmp/decode.toml" --trace "$traces/five_rows.csv"
expect 1 "drop --replicas" "${sim[@]}" --disaggregate 1:1 --replicas 2 --trace azure-conv
expect 1 "not --batching static" "${sim[@]}" --disaggregate 1:1 --batching static --trace azure-conv
expect 1 "--disaggregate must be P:D" "${sim[@]}" --disaggregate 2 --trace azure-conv
expect 1 "it needs --disaggregate P:D" "${sim[@]}" --kv-transfer-gbps 50 --trace azure-conv
expect 1 "--prefix-caching must be on or off" "${sim[@]}" --prefix-caching yes --trace azure-conv
expect 1 "--preemption must be recompute or swap" "${sim[@]}" --preemption evict --trace azure-conv
expect 1 "--engine-flags: --port: not a flag pertoken knows for vllm" "${sim[@]}" --engine-flags="--port 8000" --trace azure-conv
expect 1 "--spec-decode: accept=... is required" "${sim[@]}" --spec-decode k=4 \
  --trace "$traces/five_rows.csv"
# A long run into a pipe draws no progress bar: stderr stays empty.
expect 0 "25,000 requests" "${sim[@]}" --arrivals poisson:rate=50 --lengths fixed:in=100,out=10 \
  --requests 25000
if [ -s "$tmp/err" ]; then
  echo "FAIL: simulate wrote to a piped stderr"; cat "$tmp/err"; failures=$((failures + 1))
fi

# A broken catalog: every problem with file:line, exit 1; other commands refuse to run on it.
cp -r "$fixture" "$tmp/cat"
printf 'schema_version = 1\nid = "x"\nname = "X"\n' >"$tmp/cat/models/x.toml"
printf 'oops = \n' >"$tmp/cat/engines/broken.toml"
expect 1 "models/x.toml:1: source: required key is missing" catalog check --data-dir "$tmp/cat"
expect 1 "engines/broken.toml:1:" catalog check --data-dir "$tmp/cat"
expect 1 "does not load" --data-dir "$tmp/cat" catalog list

# The shipped catalog: the hand-derived numbers of the issue.
expect 0 "every file is valid" catalog check --data-dir "$shipped"
expect 1 "Fits: no" --data-dir "$shipped" fit -m llama-2-70b -a h100-sxm --weights bf16 --count 1
expect 0 "Fits: yes" --data-dir "$shipped" fit -m llama-2-70b -a h100-sxm --weights bf16 --count 2 --tp 2
expect 0 "327,680 B per token" --data-dir "$shipped" fit -m llama-2-70b -a h100-sxm
expect 0 "524,288 B per token" --data-dir "$shipped" fit -m llama-2-7b -a h100-sxm
expect 0 "70,272 B per token" --data-dir "$shipped" fit -m deepseek-v3 -a h200-sxm --count 8
expect 0 "137.95 GB in all" --data-dir "$shipped" fit -m llama-2-70b -a h100-sxm --weights bf16
for name in "H100-SXM-80GB" "NVIDIA H100 SXM5" "h100-sxm"; do
  expect 0 "h100-sxm" --data-dir "$shipped" catalog show "$name"
done

if [ "$failures" -gt 0 ]; then echo "$failures failed"; exit 1; fi
echo "cli exit codes: all passed"

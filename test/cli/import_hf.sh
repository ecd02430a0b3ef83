#!/usr/bin/env bash
# Black-box checks of `pertoken catalog import-hf` and `--model-config`: exit codes (0 ok, 1 a
# failure, 2 a usage error), the messages users see, and that a written file passes
# `catalog check`. Arguments: BINARY TEST_DATA SHIPPED_DATA.
set -u
bin="$1"
fixture="$2/catalog_small"
configs="$2/hf_configs"

# shellcheck source=lib/expect.bash
source "$(dirname "$0")/lib/expect.bash"

gemma="$configs/google__gemma-3-1b-it.json"
whisper="$configs/openai__whisper-large-v3.json"

# import-hf prints the file, or writes it; a published size is checked to 1%.
expect 0 'family = "gemma3-text"' --data-dir "$fixture" catalog import-hf "$gemma"
expect 0 "999,885,952 parameters" --data-dir "$fixture" catalog import-hf "$gemma"
expect 0 "checked against --params-published 1B" --data-dir "$fixture" catalog import-hf "$gemma" \
  --params-published 1B
expect 1 "away from --params-published 2B" --data-dir "$fixture" catalog import-hf "$gemma" \
  --params-published 2B
expect 2 "is not a parameter count" --data-dir "$fixture" catalog import-hf "$gemma" \
  --params-published many
expect 2 "config is required" --data-dir "$fixture" catalog import-hf
expect 1 "whisper-large-v3" --data-dir "$fixture" catalog import-hf "$whisper"
expect 1 "pass --id" --data-dir "$fixture" catalog import-hf "$whisper"

# A written file is a catalog file like any other.
cp -r "$fixture" "$tmp/cat"
rm -rf "$tmp/cat/workloads"  # optional, and its relative paths do not survive the copy
expect 0 "wrote $tmp/cat/models/gemma-3-1b-it.toml" --data-dir "$fixture" catalog import-hf "$gemma" \
  --out "$tmp/cat/models/gemma-3-1b-it.toml" --params-published 1B
expect 0 "wrote $tmp/cat/models/whisper-import.toml" --data-dir "$fixture" catalog import-hf \
  "$whisper" --out "$tmp/cat/models/whisper-import.toml" --params-published 1.55B
expect 0 "every file is valid" catalog check --data-dir "$tmp/cat"
expect 0 "gemma3-text" --data-dir "$tmp/cat" catalog show gemma-3-1b-it

# Configs that are not, or not of a language model: one clear line each, exit 1.
printf '' >"$tmp/empty.json"
printf 'model_type = "llama"\n' >"$tmp/toml.json"
printf '{"model_type": "bert", "architectures": ["BertModel"], "hidden_size": 768}\n' >"$tmp/bert.json"
printf '{"model_type": "falcon", "architectures": ["FalconForCausalLM"]}\n' >"$tmp/falcon.json"
printf '{"model_type": "llama", "num_hidden_layers": 2, "hidden_size": 4096, "num_attention_heads": 7, "intermediate_size": 1, "vocab_size": 1, "max_position_embeddings": 1}\n' >"$tmp/heads.json"
expect 1 "$tmp/empty.json: the file is empty" --data-dir "$fixture" catalog import-hf "$tmp/empty.json"
expect 1 "$tmp/toml.json: not JSON" --data-dir "$fixture" catalog import-hf "$tmp/toml.json"
expect 1 "no language-model head" --data-dir "$fixture" catalog import-hf "$tmp/bert.json"
expect 1 "unknown architecture 'FalconForCausalLM'" --data-dir "$fixture" catalog import-hf "$tmp/falcon.json"
expect 1 "num_attention_heads: 7 does not divide hidden_size = 4096" --data-dir "$fixture" \
  catalog import-hf "$tmp/heads.json"
expect 1 "cannot be read" --data-dir "$fixture" catalog import-hf "$tmp/none.json"

# --model-config wherever --model is.
expect 0 "Fits: yes" --data-dir "$fixture" fit --model-config "$gemma" -a h100
expect 0 "output throughput" --data-dir "$fixture" estimate --model-config "$gemma" -a h100 \
  --input-len 100 --output-len 10
expect 0 "gemma-3-1b-it" --data-dir "$fixture" simulate --model-config "$gemma" -a h100 \
  --arrivals poisson:rate=2 --lengths fixed:in=100,out=10 --requests 5
expect 0 "Plan for gemma-3-1b-it" --data-dir "$fixture" plan --model-config "$gemma" \
  --slo-ttft 1 --slo-tpot 0.1 --requests-per-day 1000 --input-len 100 --output-len 100
expect 0 "gemma-3-1b-it" --data-dir "$fixture" cost --model-config "$gemma" -a h100 \
  --input-len 100 --output-len 100 --requests-per-day 1000
expect 1 "contradictory flags: --model llama-2-7b and --model-config" --data-dir "$fixture" \
  fit -m llama-2-7b --model-config "$gemma" -a h100
expect 1 "--model-config: $tmp/bert.json: model_type 'bert'" --data-dir "$fixture" \
  fit --model-config "$tmp/bert.json" -a h100
expect 2 "--model is required" --data-dir "$fixture" fit -a h100
expect 2 "--model is required" --data-dir "$fixture" plan --slo-ttft 1 --slo-tpot 0.1

if [ "$failures" -gt 0 ]; then echo "$failures failed"; exit 1; fi
echo "cli import-hf: all passed"

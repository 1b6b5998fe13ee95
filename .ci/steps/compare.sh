#!/usr/bin/env bash
# `simcloud compare` end to end on the shipped comparison scenario: it must succeed and
# write its three files, and one thread must give the same bytes as every core.
set -euo pipefail
out="$(mktemp -d)"
cargo run --release -- compare scenarios/compare-targets.toml --replicates 5 --out "$out/all" --quiet
cargo run --release -- compare scenarios/compare-targets.toml --replicates 5 --threads 1 --out "$out/one" --quiet
for f in compare.csv compare.json replicates.csv; do
  cmp "$out/all/$f" "$out/one/$f"
done

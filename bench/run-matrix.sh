#!/usr/bin/env bash
# Runs the pipeline benchmark for 10, 100 and 1,000 containers and 100 B, 1 KiB and 16 KiB lines, and prints
# the rows of the cost table in BENCHMARKS.md (Markdown), with the commit and the machine they were measured on.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build bench/Aggregator.Benchmarks -c Release -v quiet -nologo >/dev/null
echo "Measured at commit $(git rev-parse --short HEAD) on $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)."
echo
echo "| containers | line | lines | lines/s | MB/s | raw lines/s | ratio | sustained lines/s | sustained MB/s | sustained ratio | cpu-s per M lines | peak RSS MiB | exactly once |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | :---: |"
for containers in 10 100 1000; do
  for bytes in 100 1024 16384; do
    # About 200 MB of log text per run, whatever the shape.
    total=$(( 200000000 / bytes ))
    per=$(( total / containers ))
    out=$(dotnet bench/Aggregator.Benchmarks/bin/Release/net10.0/Aggregator.Benchmarks.dll pipeline \
      --containers "$containers" --line-bytes "$bytes" --lines "$per" 2>&1)
    last=$(echo "$out" | tail -1)
    value() { echo "$last" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k {print $2}'; }
    mbs=$(echo "$out" | sed -nE 's/^aggregator: .* lines\/s, ([0-9.]+) MB\/s$/\1/p')
    cpu=$(echo "$out" | sed -nE 's/^cpu: ([0-9.]+) cpu-seconds.*/\1/p')
    sustained=$(echo "$out" | sed -nE 's/^sustained: ([0-9]+) lines\/s, ([0-9.]+) MB\/s.*aggregator\/raw = ([0-9.]+),.*/\1 | \2 | \3/p')
    echo "| $containers | $bytes B | $(( per * containers )) | $(value lines_per_s) | $mbs | $(value raw_lines_per_s) | $(value ratio) | ${sustained:-n/a | n/a | n/a} | $cpu | $(value peak_rss_mib) | $(value exactly_once) |"
  done
done

#!/usr/bin/env python3
"""Benchmarks `awscluster lint` as users run it: whole processes, cold.

Prints, for the release binary:
- one typical spec (fixtures/clusters/default.cluster.json): wall time of
  a fresh process, over many runs (the first run and the median);
- 1,000 specs in one call: wall time and the process's peak memory (RSS).

Usage: scripts/bench.py [--runs N] [--binary PATH]. Builds the release
binary first unless --binary is given. Standard library only.
"""

import argparse
import json
import os
import pathlib
import platform
import resource
import shutil
import statistics
import subprocess
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent


def wall(cmd, cwd=ROOT):
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{cmd} failed with {proc.returncode}")
    return elapsed


def peak_rss_mib(cmd, cwd):
    """Peak RSS of one run, measured in a fresh child so earlier runs don't count."""
    code = (
        "import resource, subprocess, sys\n"
        "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    out = subprocess.run(["python3", "-c", code, *cmd], cwd=cwd, capture_output=True, text=True, check=True)
    return int(out.stdout.strip()) / 1024


def make_specs(directory, count):
    """`count` distinct, realistic specs: the fixtures, varied."""
    sources = [
        json.loads((ROOT / "fixtures/clusters/default.cluster.json").read_text()),
        json.loads((ROOT / "fixtures/clusters/spot-gpu.cluster.json").read_text()),
    ]
    for i in range(count):
        spec = json.loads(json.dumps(sources[i % len(sources)]))
        spec["name"] = f"cluster-{i:04}"
        spec.pop("$schema", None)
        spec["nodePools"][-1]["size"] = 1 + i % 9
        path = directory / f"c{i:04}.cluster.json"
        path.write_text(json.dumps(spec, indent=2))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--binary")
    args = parser.parse_args()

    if args.binary:
        binary = pathlib.Path(args.binary).resolve()
    else:
        subprocess.run(["cargo", "build", "--release", "--locked", "-q"], cwd=ROOT, check=True)
        binary = ROOT / "target/release/awscluster"

    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    print(f"machine: {os.cpu_count()} cores, {cpu}, {platform.system()} {platform.release()}")

    spec = "fixtures/clusters/default.cluster.json"
    times = [wall([str(binary), "lint", spec]) for _ in range(args.runs)]
    print(f"one spec, whole process: first {times[0] * 1000:.1f} ms, "
          f"median {statistics.median(times) * 1000:.1f} ms, "
          f"min {min(times) * 1000:.1f} ms over {args.runs} runs (target: at most 5 ms)")

    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        make_specs(tmp, 1000)
        cmd = [str(binary), "lint", ".", "--format", "json"]
        runs = [wall(cmd, cwd=tmp) for _ in range(max(5, args.runs // 10))]
        rss = peak_rss_mib(cmd, tmp)
        print(f"1,000 specs, one call: median {statistics.median(runs) * 1000:.0f} ms, "
              f"min {min(runs) * 1000:.0f} ms over {len(runs)} runs, peak RSS {rss:.1f} MiB "
              f"(target: at most 300 ms, under 50 MB)")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Benchmarks awscluster as users run it: whole processes, cold.

Prints, for the release binary:
- the process start alone (`--version`), the floor under every figure;
- one spec (fixtures/clusters/spot-gpu.cluster.json), and one that names
  five policy files (fixtures/clusters/default.cluster.json): wall time of
  a fresh process, over many runs (the first run, the median, the least);
- 1,000 specs in one call: wall time and the process's peak memory (RSS);
- hostile sizes, each a whole process with its peak memory: a policy of
  10,000 statements, a spec with 100,000 tags, a spec with a 1 MB value,
  and 100,000 spec files in one call, reported as JSON and as SARIF;
- the seed's four policies (policies/): `awscluster iam lint` and
  `awscluster iam check`, each a whole process, beside parliament (PyPI,
  pinned below, installed into .venv-bench) linting the same four files;
- in process (`cargo bench --bench catalog`): expanding `*` over the whole
  IAM action catalog, and the coverage check of the seed's requirements.

Usage: scripts/bench.py [--runs N] [--binary PATH] [--no-parliament] [--no-large].
Builds the release binary first unless --binary is given. Standard
library only (pip installs parliament).
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
PARLIAMENT = "parliament==1.6.4"


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


def measured(cmd, cwd):
    """Wall time and peak RSS (MiB) of one run, in a fresh child."""
    code = (
        "import resource, subprocess, sys, time\n"
        "start = time.perf_counter()\n"
        "proc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        "print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, proc.returncode)\n"
    )
    out = subprocess.run(["python3", "-c", code, *cmd], cwd=cwd, capture_output=True, text=True, check=True)
    seconds, rss, status = out.stdout.split()
    if int(status) not in (0, 1):
        raise SystemExit(f"{cmd} failed with {status}")
    return float(seconds), int(rss) / 1024


def large_inputs(binary):
    """The issue's hostile sizes: each whole process, once, with its peak memory."""
    default = json.loads((ROOT / "fixtures/clusters/default.cluster.json").read_text())
    default.pop("iam", None)
    default.pop("$schema", None)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        statements = [
            {"Sid": f"S{i}", "Effect": "Allow",
             "Action": [f"ec2:Describe{['Vpcs', 'Subnets', 'Instances', 'Images'][i % 4]}", f"s3:Get{i % 50}*"],
             "Resource": f"arn:aws:s3:::bucket-{i % 100}/*"}
            for i in range(10_000)
        ]
        (tmp / "policy.json").write_text(json.dumps({"Version": "2012-10-17", "Statement": statements}, indent=1))
        tags = dict(default)
        tags["tags"] = {f"key-{i:06}": f"value-{i}" for i in range(100_000)}
        (tmp / "tags.cluster.json").write_text(json.dumps(tags, indent=1))
        value = dict(default)
        value["description"] = "x" * 1_000_000
        (tmp / "value.cluster.json").write_text(json.dumps(value))
        for cmd, what in [
            (["iam", "lint", "policy.json"], "a policy of 10,000 statements, iam lint"),
            (["lint", "tags.cluster.json"], "a spec with 100,000 tags"),
            (["lint", "value.cluster.json"], "a spec with a 1 MB value"),
        ]:
            seconds, rss = measured([str(binary), *cmd, "--format", "json"], tmp)
            print(f"{what}: {seconds * 1000:.0f} ms, peak RSS {rss:.1f} MiB")
        many = tmp / "many"
        many.mkdir()
        make_specs(many, 100_000)
        for fmt in ["json", "sarif"]:
            seconds, rss = measured([str(binary), "lint", ".", "--format", fmt], many)
            print(f"100,000 specs, one call, {fmt}: {seconds:.1f} s, peak RSS {rss:.1f} MiB")


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
        if "iam" in spec:
            # The same policy files for every spec, as in a repository of
            # clusters sharing one provisioning role.
            spec["iam"]["policies"] = [
                str((ROOT / "fixtures/clusters" / p).resolve()) for p in spec["iam"]["policies"]
            ]
        path = directory / f"c{i:04}.cluster.json"
        path.write_text(json.dumps(spec, indent=2))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--binary")
    parser.add_argument("--no-parliament", action="store_true", help="skip the comparison with parliament")
    parser.add_argument("--no-large", action="store_true", help="skip the hostile sizes (100,000 files take a while)")
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

    # What any run pays before it reads a file (exec, the dynamic loader,
    # the runtime, the argument parser): the floor under the figures below.
    start = [wall([str(binary), "--version"]) for _ in range(args.runs)]
    print(f"process start alone (`awscluster --version`): median {statistics.median(start) * 1000:.1f} ms, "
          f"min {min(start) * 1000:.1f} ms over {args.runs} runs")
    for spec, what in [
        ("fixtures/clusters/spot-gpu.cluster.json", "one spec"),
        ("fixtures/clusters/default.cluster.json", "one spec naming five policies (their lints and coverage too)"),
    ]:
        times = [wall([str(binary), "lint", spec]) for _ in range(args.runs)]
        target = "2 ms" if what == "one spec" else "5 ms"
        print(f"{what}, whole process: first {times[0] * 1000:.1f} ms, "
              f"median {statistics.median(times) * 1000:.1f} ms, "
              f"min {min(times) * 1000:.1f} ms over {args.runs} runs (target: at most {target})")

    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        make_specs(tmp, 1000)
        cmd = [str(binary), "lint", ".", "--format", "json"]
        runs = [wall(cmd, cwd=tmp) for _ in range(max(5, args.runs // 10))]
        rss = peak_rss_mib(cmd, tmp)
        print(f"1,000 specs, one call: median {statistics.median(runs) * 1000:.0f} ms, "
              f"min {min(runs) * 1000:.0f} ms over {len(runs)} runs, peak RSS {rss:.1f} MiB "
              f"(target: at most 50 ms, under 50 MB)")

    if not args.no_large:
        large_inputs(binary)

    seed = ["policies/controller.json", "policies/control-plane.json", "policies/nodes.json", "policies/deployment.json"]
    lint = [wall([str(binary), "iam", "lint", *seed]) for _ in range(args.runs)]
    check = [wall([str(binary), "iam", "check", "--granted", *seed]) for _ in range(args.runs)]
    print(f"the seed's four policies, whole process: iam lint median {statistics.median(lint) * 1000:.1f} ms, "
          f"iam check median {statistics.median(check) * 1000:.1f} ms (target: at most 5 ms)")
    if not args.no_parliament:
        venv = ROOT / ".venv-bench"
        tool = venv / "bin" / "parliament"
        if not tool.exists():
            subprocess.run(["python3", "-m", "venv", str(venv)], check=True)
            subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", PARLIAMENT], check=True)
        runs = max(3, args.runs // 10)
        times = [wall([str(tool), "--files", ",".join(seed)]) for _ in range(runs)]
        print(f"  beside {PARLIAMENT} on the same four files: median {statistics.median(times) * 1000:.0f} ms "
              f"over {runs} runs ({statistics.median(times) / statistics.median(lint):.0f}x awscluster iam lint)")

    out = subprocess.run(["cargo", "bench", "--locked", "-q", "-p", "awscluster-lint", "--bench", "catalog"],
                         cwd=ROOT, check=True, capture_output=True, text=True)
    for line in out.stdout.splitlines():
        if line.strip():
            print(f"in process: {line}")


if __name__ == "__main__":
    main()

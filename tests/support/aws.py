"""AWS state for the provisioning tests, read and written with boto3 (which
moto's server package brings) against the emulator the test started.

    aws.py URL inventory        counts of every resource in us-east-1, owned or not
    aws.py URL static-network   an existing VPC and subnets, and decoys; prints their ids
    aws.py URL foreign-elb NAME a load balancer of that name owned by no cluster
    aws.py URL attributes CLUSTER   the attributes of the cluster's resources that matter, by name
    aws.py URL ssm-image PARAMETER  an image with root device /dev/sda1, under that SSM parameter
    aws.py URL volumes CLUSTER      the block devices each machine and launch template maps
    aws.py URL iam-inventory        every IAM policy, role, instance profile and user, with tags and attachments
    aws.py URL iam-decoys           IAM resources account teardown must leave
    aws.py URL iam-user NAME        an IAM user
    aws.py URL node-roles-by-hand   the nodes' roles and instance profiles, made without awscluster
    aws.py URL drift CLUSTER        changes made by hand: health check, DNS hostnames,
                                    a public subnet's public IPs, the etcd rule, a spot price
"""
import base64
import json
import sys
import urllib.request

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
        "secret": len(secrets_client(url).list_secrets()["SecretList"]),
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
    # The way out that makes the public subnets public.
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    for s_ in subnets:
        if s_["type"] == "public":
            ec2.associate_route_table(RouteTableId=table, SubnetId=s_["id"])
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


def owned_by(cluster, tags):
    return any(t["Key"] == OWNED + cluster and t["Value"] == "owned" for t in tags or [])


def name_of(tags):
    return next((t["Value"] for t in tags or [] if t["Key"] == "Name"), "")


def attributes(url, cluster):
    """What the cluster's resources are, read with boto3 rather than with
    awscluster: every attribute apply sets, keyed by the resource's name."""
    ec2, elb, asg = clients(url)
    out = {}
    for v in ec2.describe_vpcs()["Vpcs"]:
        if owned_by(cluster, v.get("Tags")):
            vid = v["VpcId"]
            dns = ec2.describe_vpc_attribute(VpcId=vid, Attribute="enableDnsSupport")["EnableDnsSupport"]["Value"]
            hostnames = ec2.describe_vpc_attribute(VpcId=vid, Attribute="enableDnsHostnames")["EnableDnsHostnames"]["Value"]
            out[name_of(v["Tags"])] = {"cidr": v["CidrBlock"], "dns": dns, "hostnames": hostnames}
    for s_ in ec2.describe_subnets()["Subnets"]:
        if owned_by(cluster, s_.get("Tags")):
            out[name_of(s_["Tags"])] = {"cidr": s_["CidrBlock"], "public_ip": s_["MapPublicIpOnLaunch"]}
    for g in ec2.describe_internet_gateways()["InternetGateways"]:
        if owned_by(cluster, g.get("Tags")):
            out[name_of(g["Tags"])] = {"attached": len(g.get("Attachments", []))}
    for n in ec2.describe_nat_gateways()["NatGateways"]:
        if owned_by(cluster, n.get("Tags")) and n["State"] != "deleted":
            out[name_of(n["Tags"])] = {"state": n["State"]}
    nats = {n["NatGatewayId"] for n in ec2.describe_nat_gateways()["NatGateways"] if n["State"] == "available"}
    igws = {g["InternetGatewayId"] for g in ec2.describe_internet_gateways()["InternetGateways"]}
    for t in ec2.describe_route_tables()["RouteTables"]:
        if owned_by(cluster, t.get("Tags")):
            default = [r for r in t["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"]
            target = default[0].get("NatGatewayId") or default[0].get("GatewayId") if default else None
            out[name_of(t["Tags"])] = {
                "default_route": target in nats or target in igws,
                "subnets": len([a for a in t.get("Associations", []) if a.get("SubnetId")]),
            }
    groups = ec2.describe_security_groups()["SecurityGroups"]
    group_names = {g["GroupId"]: g["GroupName"] for g in groups}

    def rules(permission):
        protocol = permission["IpProtocol"]
        if protocol in ("tcp", "udp"):
            low, high = permission["FromPort"], permission["ToPort"]
            what = f"{protocol} {low}" if low == high else f"{protocol} {low}-{high}"
        else:
            what = f"protocol {protocol}"
        for r in permission.get("IpRanges", []):
            yield f"{what} from {r['CidrIp']}"
        for pair in permission.get("UserIdGroupPairs", []):
            yield f"{what} from {group_names.get(pair['GroupId'], pair['GroupId'])}"

    for g in groups:
        if owned_by(cluster, g.get("Tags")):
            out[g["GroupName"]] = {"ingress": sorted(r for p in g["IpPermissions"] for r in rules(p))}
    for lb in elb.describe_load_balancers()["LoadBalancerDescriptions"]:
        name = lb["LoadBalancerName"]
        tags = elb.describe_tags(LoadBalancerNames=[name])["TagDescriptions"][0]["Tags"]
        if owned_by(cluster, tags):
            attrs = elb.describe_load_balancer_attributes(LoadBalancerName=name)["LoadBalancerAttributes"]
            out[name] = {
                "scheme": lb["Scheme"],
                "health": "{Target} every {Interval} s, timeout {Timeout} s, {UnhealthyThreshold} down / {HealthyThreshold} up".format(
                    **lb["HealthCheck"]),
                "idle": attrs["ConnectionSettings"]["IdleTimeout"],
                "cross_zone": attrs["CrossZoneLoadBalancing"]["Enabled"],
                # moto lists an instance registered twice twice; AWS keeps a set.
                "instances": len({i["InstanceId"] for i in lb["Instances"]}),
                "listeners": [l["Listener"]["LoadBalancerPort"] for l in lb["ListenerDescriptions"]],
            }
    for r in ec2.describe_instances()["Reservations"]:
        for i in r["Instances"]:
            tags = i.get("Tags", [])
            if owned_by(cluster, tags) and i["State"]["Name"] != "terminated" and not any(
                t["Key"] == "aws:autoscaling:groupName" for t in tags
            ):
                profile = i.get("IamInstanceProfile", {}).get("Arn", "").rsplit("/", 1)[-1] or None
                out[name_of(tags)] = {
                    "state": i["State"]["Name"],
                    "groups": len(i["SecurityGroups"]),
                    "profile": profile,
                    "hop_limit": i.get("MetadataOptions", {}).get("HttpPutResponseHopLimit"),
                    "cluster_tag": any(t["Key"] == "kubernetes.io/cluster/" + cluster for t in tags),
                }
    for t in ec2.describe_launch_templates()["LaunchTemplates"]:
        if owned_by(cluster, t.get("Tags")):
            data = ec2.describe_launch_template_versions(LaunchTemplateId=t["LaunchTemplateId"], Versions=["$Latest"])[
                "LaunchTemplateVersions"
            ][0]["LaunchTemplateData"]
            market = data.get("InstanceMarketOptions", {})
            out[t["LaunchTemplateName"]] = {
                "type": data.get("InstanceType"),
                "spot": market.get("SpotOptions", {}).get("MaxPrice") if market.get("MarketType") == "spot" else None,
                "profile": data.get("IamInstanceProfile", {}).get("Name"),
                "hop_limit": data.get("MetadataOptions", {}).get("HttpPutResponseHopLimit"),
                "cluster_tag": any(tag["Key"] == "kubernetes.io/cluster/" + cluster for tag in t.get("Tags", [])),
            }
    for g in asg.describe_auto_scaling_groups()["AutoScalingGroups"]:
        if owned_by(cluster, [{"Key": t["Key"], "Value": t["Value"]} for t in g.get("Tags", [])]):
            out[g["AutoScalingGroupName"] + " (group)"] = {
                "size": [g["MinSize"], g["MaxSize"], g["DesiredCapacity"]],
                "propagated": sorted(t["Key"] for t in g.get("Tags", []) if t.get("PropagateAtLaunch")),
            }
    print(json.dumps(out, sort_keys=True))


def ssm_image(url, parameter):
    """An image whose root device is /dev/sda1 (Ubuntu's and RHEL's, not
    Amazon Linux's /dev/xvda), under an SSM parameter of that name."""
    ec2, _, _ = clients(url)
    ssm = boto3.client(
        "ssm", endpoint_url=url, region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    image = ec2.register_image(
        Name="ubuntu-like", RootDeviceName="/dev/sda1", Architecture="x86_64", VirtualizationType="hvm",
        BlockDeviceMappings=[{"DeviceName": "/dev/sda1", "Ebs": {"VolumeSize": 8}}],
    )["ImageId"]
    ssm.put_parameter(Name=parameter, Value=image, Type="String", DataType="aws:ec2:image")
    print(json.dumps({"image": image}))


def volumes(url, cluster):
    """The block devices each machine and launch template maps, by name."""
    ec2, _, _ = clients(url)
    out = {}
    for r in ec2.describe_instances()["Reservations"]:
        for i in r["Instances"]:
            if owned_by(cluster, i.get("Tags")) and i["State"]["Name"] != "terminated":
                out[name_of(i["Tags"])] = sorted(b["DeviceName"] for b in i.get("BlockDeviceMappings", []))
    for t in ec2.describe_launch_templates()["LaunchTemplates"]:
        if owned_by(cluster, t.get("Tags")):
            data = ec2.describe_launch_template_versions(LaunchTemplateId=t["LaunchTemplateId"], Versions=["$Latest"])[
                "LaunchTemplateVersions"
            ][0]["LaunchTemplateData"]
            out[t["LaunchTemplateName"]] = sorted(b["DeviceName"] for b in data.get("BlockDeviceMappings", []))
    print(json.dumps(out, sort_keys=True))


def secrets_client(url):
    return boto3.client(
        "secretsmanager", endpoint_url=url, region_name=REGION, aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def secrets(url):
    """Every secret: its value and tags, by name."""
    sm = secrets_client(url)
    out = {}
    for s_ in sm.list_secrets()["SecretList"]:
        value = sm.get_secret_value(SecretId=s_["ARN"])["SecretString"]
        out[s_["Name"]] = {"value": value, "tags": {t["Key"]: t["Value"] for t in s_.get("Tags", [])}}
    print(json.dumps(out, sort_keys=True))


def user_data(url, cluster):
    """The user data EC2 holds for each machine and launch template, by name."""
    ec2, _, _ = clients(url)
    out = {}
    for r in ec2.describe_instances()["Reservations"]:
        for i in r["Instances"]:
            if owned_by(cluster, i.get("Tags")) and i["State"]["Name"] != "terminated":
                data = ec2.describe_instance_attribute(InstanceId=i["InstanceId"], Attribute="userData")
                value = data.get("UserData", {}).get("Value")
                out[name_of(i["Tags"])] = base64.b64decode(value).decode() if value else None
    for t in ec2.describe_launch_templates()["LaunchTemplates"]:
        if owned_by(cluster, t.get("Tags")):
            data = ec2.describe_launch_template_versions(LaunchTemplateId=t["LaunchTemplateId"], Versions=["$Latest"])[
                "LaunchTemplateVersions"
            ][0]["LaunchTemplateData"]
            value = data.get("UserData")
            out[t["LaunchTemplateName"]] = base64.b64decode(value).decode() if value else None
    print(json.dumps(out, sort_keys=True))


def fake_cli(url, *args):
    """The two AWS CLI commands a machine's boot hook runs, against the
    emulator: `secretsmanager get-secret-value … --query SecretString
    --output text` and `secretsmanager delete-secret …`."""
    def flag(name):
        return args[args.index(name) + 1]
    sm = secrets_client(url)
    if args[:2] == ("secretsmanager", "get-secret-value"):
        try:
            print(sm.get_secret_value(SecretId=flag("--secret-id"))["SecretString"])
        except sm.exceptions.ResourceNotFoundException:
            sys.exit(254)
    elif args[:2] == ("secretsmanager", "delete-secret"):
        assert "--force-delete-without-recovery" in args, args
        sm.delete_secret(SecretId=flag("--secret-id"), ForceDeleteWithoutRecovery=True)
    else:
        sys.exit(f"fake aws: not a command the boot hook runs: {args}")


def provisioner_role(url, *files):
    """The role the demo spec assumes, with these policy files attached as
    managed policies and a small inline policy beside them."""
    client = iam(url)
    client.create_role(RoleName="ProvisionerRole", AssumeRolePolicyDocument=EC2_TRUST)
    for i, path in enumerate(files):
        with open(path) as f:
            document = f.read()
        arn = client.create_policy(PolicyName=f"provisioner-{i}", PolicyDocument=document)["Policy"]["Arn"]
        client.attach_role_policy(RoleName="ProvisionerRole", PolicyArn=arn)
    client.put_role_policy(
        RoleName="ProvisionerRole",
        PolicyName="describe",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "ec2:DescribeRegions", "Resource": "*"}]}),
    )
    print(json.dumps({"role": "ProvisionerRole", "policies": len(files)}))


def deployer_enforced(url):
    """A user `deployer` with access keys who may assume ProvisionerRole
    (made before, by provisioner-role) and nothing else; the role trusts it.
    Then the emulator starts enforcing IAM on every call: from here on only
    the user's keys work, and only for what their policies grant."""
    client = iam(url)
    user = client.create_user(UserName="deployer")["User"]
    key = client.create_access_key(UserName="deployer")["AccessKey"]
    client.put_user_policy(
        UserName="deployer",
        PolicyName="assume",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::*:role/ProvisionerRole"}]}),
    )
    client.update_assume_role_policy(
        RoleName="ProvisionerRole",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": user["Arn"]}, "Action": "sts:AssumeRole"}]}),
    )
    request = urllib.request.Request(
        f"{url}/moto-api/reset-auth", data=b"0", method="POST", headers={"Content-Type": "text/plain"}
    )
    urllib.request.urlopen(request).read()
    print(json.dumps({"access_key_id": key["AccessKeyId"], "secret_access_key": key["SecretAccessKey"]}))


def untag_subnet(url, subnet, key):
    ec2, _, _ = clients(url)
    ec2.delete_tags(Resources=[subnet], Tags=[{"Key": key}])
    print(json.dumps({"untagged": key}))


def key_pair(url, name):
    ec2, _, _ = clients(url)
    ec2.create_key_pair(KeyName=name)
    print(json.dumps({"key": name}))


def vpcs(url, count):
    """VPCs made by someone else: they count against the Region's quota."""
    ec2, _, _ = clients(url)
    for i in range(int(count)):
        ec2.create_vpc(CidrBlock=f"172.{16 + i}.0.0/16")
    print(json.dumps({"vpcs": int(count)}))


def addresses(url, count):
    ec2, _, _ = clients(url)
    for _ in range(int(count)):
        ec2.allocate_address(Domain="vpc")
    print(json.dumps({"addresses": int(count)}))


def arm_image(url):
    """An arm64 image (one of those moto serves as Amazon's), which x86
    instance types cannot run."""
    ec2, _, _ = clients(url)
    images = ec2.describe_images(Filters=[{"Name": "architecture", "Values": ["arm64"]}])["Images"]
    print(json.dumps({"image": sorted(i["ImageId"] for i in images)[0]}))


def iam(url):
    return boto3.client(
        "iam", endpoint_url=url, region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing"
    )


EC2_TRUST = json.dumps(
    {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
)


def iam_inventory(url):
    """Every policy, role, instance profile and user of the account: path,
    tags, attachments, trust."""
    client = iam(url)
    tags = lambda t: {x["Key"]: x["Value"] for x in (t or [])}
    policies = {}
    for p in client.list_policies(Scope="Local")["Policies"]:
        full = client.get_policy(PolicyArn=p["Arn"])["Policy"]
        policies[p["PolicyName"]] = {"path": p["Path"], "tags": tags(full.get("Tags"))}
    roles = {}
    for r in client.list_roles()["Roles"]:
        full = client.get_role(RoleName=r["RoleName"])["Role"]
        attached = client.list_attached_role_policies(RoleName=r["RoleName"])["AttachedPolicies"]
        roles[r["RoleName"]] = {
            "path": r["Path"],
            "tags": tags(full.get("Tags")),
            "policies": sorted(a["PolicyName"] for a in attached),
            "trust": full["AssumeRolePolicyDocument"],
        }
    profiles = {}
    for p in client.list_instance_profiles()["InstanceProfiles"]:
        profiles[p["InstanceProfileName"]] = {
            "path": p["Path"],
            "tags": tags(client.get_instance_profile(InstanceProfileName=p["InstanceProfileName"])[
                "InstanceProfile"].get("Tags")),
            "roles": [r["RoleName"] for r in p["Roles"]],
        }
    users = {}
    for u in client.list_users()["Users"]:
        attached = client.list_attached_user_policies(UserName=u["UserName"])["AttachedPolicies"]
        users[u["UserName"]] = sorted(a["PolicyName"] for a in attached)
    print(json.dumps({"policies": policies, "roles": roles, "profiles": profiles, "users": users}))


def iam_decoys(url):
    """What account teardown must leave: names like setup's, at its path
    without its tag, or its tag at another path, and a user holding a
    policy of someone else's."""
    client = iam(url)
    doc = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "ec2:DescribeRegions", "Resource": "*"}]})
    client.create_policy(PolicyName="awscluster-nodes-copy", PolicyDocument=doc)
    client.create_policy(PolicyName="awscluster-untagged", Path="/awscluster/", PolicyDocument=doc)
    client.create_policy(PolicyName="awscluster-elsewhere", Path="/other/", PolicyDocument=doc,
                         Tags=[{"Key": "awscluster/account", "Value": "owned"}])
    client.create_role(RoleName="awscluster-provisioner-old", AssumeRolePolicyDocument=EC2_TRUST)
    client.create_role(RoleName="awscluster-decoy", Path="/awscluster/", AssumeRolePolicyDocument=EC2_TRUST)
    client.create_instance_profile(InstanceProfileName="awscluster-decoy", Path="/awscluster/")
    client.add_role_to_instance_profile(InstanceProfileName="awscluster-decoy", RoleName="awscluster-decoy")
    client.create_user(UserName="someone")
    arn = [p["Arn"] for p in client.list_policies(Scope="Local")["Policies"]
           if p["PolicyName"] == "awscluster-nodes-copy"][0]
    client.attach_user_policy(UserName="someone", PolicyArn=arn)
    print(json.dumps({"decoys": 7}))


def iam_user(url, name):
    """An IAM user, as the account's owner makes one for access keys."""
    iam(url).create_user(UserName=name)
    print(json.dumps({"user": name}))


def node_roles_by_hand(url):
    """The nodes' roles and instance profiles as made without awscluster
    (by hand, or by clusterawsadm): at the root path, untagged."""
    client = iam(url)
    for name in ["control-plane", "nodes"]:
        full = f"{name}.cluster-api-provider-aws.sigs.k8s.io"
        client.create_role(RoleName=full, AssumeRolePolicyDocument=EC2_TRUST)
        client.create_instance_profile(InstanceProfileName=full)
        client.add_role_to_instance_profile(InstanceProfileName=full, RoleName=full)
    print(json.dumps({"profiles": 2}))


def drift(url, cluster):
    """What someone might change by hand, one of each kind apply repairs."""
    ec2, elb, _ = clients(url)
    elb.configure_health_check(
        LoadBalancerName=f"{cluster}-apiserver",
        HealthCheck={"Target": "TCP:22", "Interval": 30, "Timeout": 5, "UnhealthyThreshold": 2, "HealthyThreshold": 10},
    )
    vpc = [v for v in ec2.describe_vpcs()["Vpcs"] if owned_by(cluster, v.get("Tags"))][0]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": False})
    subnet = [s for s in ec2.describe_subnets()["Subnets"] if name_of(s.get("Tags")) == f"{cluster}-subnet-public-us-east-1a"][0]
    ec2.modify_subnet_attribute(SubnetId=subnet["SubnetId"], MapPublicIpOnLaunch={"Value": False})
    group = [g for g in ec2.describe_security_groups()["SecurityGroups"] if g["GroupName"] == f"{cluster}-controlplane"][0]
    etcd = [p for p in group["IpPermissions"] if p.get("FromPort") == 2379]
    ec2.revoke_security_group_ingress(GroupId=group["GroupId"], IpPermissions=etcd)
    template = [t for t in ec2.describe_launch_templates()["LaunchTemplates"] if t["LaunchTemplateName"] == f"{cluster}-batch"][0]
    data = ec2.describe_launch_template_versions(LaunchTemplateId=template["LaunchTemplateId"], Versions=["$Latest"])[
        "LaunchTemplateVersions"
    ][0]["LaunchTemplateData"]
    # The latest version as it is, but for the spot price.
    same = {k: data[k] for k in ["ImageId", "InstanceType", "KeyName", "SecurityGroupIds", "UserData",
                                 "TagSpecifications", "BlockDeviceMappings"] if k in data}
    same["MetadataOptions"] = {"HttpTokens": "required", "HttpEndpoint": "enabled"}
    same["InstanceMarketOptions"] = {"MarketType": "spot", "SpotOptions": {"MaxPrice": "0.09"}}
    ec2.create_launch_template_version(LaunchTemplateId=template["LaunchTemplateId"], LaunchTemplateData=same)
    print(json.dumps({"drifted": 5}))


if __name__ == "__main__":
    url, command, *rest = sys.argv[1:]
    {
        "inventory": inventory,
        "static-network": static_network,
        "still-there": still_there,
        "foreign-elb": foreign_elb,
        "attributes": attributes,
        "drift": drift,
        "ssm-image": ssm_image,
        "volumes": volumes,
        "iam-inventory": iam_inventory,
        "iam-decoys": iam_decoys,
        "iam-user": iam_user,
        "node-roles-by-hand": node_roles_by_hand,
        "secrets": secrets,
        "user-data": user_data,
        "fake-cli": fake_cli,
        "key-pair": key_pair,
        "untag-subnet": untag_subnet,
        "provisioner-role": provisioner_role,
        "deployer-enforced": deployer_enforced,
        "vpcs": vpcs,
        "addresses": addresses,
        "arm-image": arm_image,
    }[command](url, *rest)

//! destroy: deletes what a cluster owns, found by its ownership tag, in
//! reverse dependency order, with the waits AWS needs between the steps.
//! NotFound counts as done; a resource without this cluster's `owned` tag
//! is never found, so never touched. A pass deletes what it can; the next
//! pass, after a fresh discovery, retries what failed (a security group
//! still held by a load balancer's network interface, say).

use std::sync::atomic::AtomicBool;

use futures_util::future::join_all;

use crate::apply::{Did, Outcome, Run, interrupted};
use crate::clients::Clients;
use crate::discover::Existing;
use crate::error::{AwsResult, Error};
use crate::progress::Progress;
use crate::wait::{Timing, released, until};

/// Passes before destroy gives up on what still fails.
const PASSES: usize = 4;

/// Deletes what `cluster` owns, except `leave` (static placement's VPC and
/// subnets, which may carry the cluster's tag as the seed guide asks).
pub async fn destroy(
    clients: &Clients,
    cluster: &str,
    leave: Option<(String, Vec<String>)>,
    timing: &Timing,
    progress: &Progress,
    stop: &AtomicBool,
) -> Result<Outcome, Error> {
    let mut run = Run::new(clients, timing, progress, stop);
    run.keep_going = true;
    let mut failures = Vec::new();
    for pass in 1..=PASSES {
        let mut existing = Existing::discover(clients, cluster).await?;
        if let Some((vpc, subnets)) = &leave {
            existing = existing.without(vpc, subnets);
        }
        if existing.is_empty() || run.stopped() {
            failures.clear();
            break;
        }
        if pass > 1 {
            progress.say(&format!("pass {pass}: retrying what is left"));
            tokio::time::sleep(timing.poll).await;
        }
        delete(&run, &existing).await;
        failures = std::mem::take(&mut *run.failures.lock().unwrap_or_else(|p| p.into_inner()));
        if failures.is_empty() {
            // A last discovery confirms nothing is left.
            continue;
        }
    }
    *run.failures.lock().unwrap_or_else(|p| p.into_inner()) = failures;
    let interrupted = interrupted(&run);
    Ok(run.outcome(interrupted))
}

/// Deletes `what`, in order. Also apply's last phase, for what the spec no
/// longer asks for.
pub(crate) async fn delete(run: &Run<'_>, what: &Existing) {
    let ec2 = &run.clients.ec2;
    join_all(what.auto_scaling_groups.iter().map(|g| {
        run.step(format!("auto-scaling-group {}", g.name), async {
            let deleted = gone(
                run.clients
                    .autoscaling
                    .delete_auto_scaling_group()
                    .auto_scaling_group_name(&g.name)
                    .force_delete(true)
                    .send()
                    .await
                    .on("DeleteAutoScalingGroup", &g.name),
            )?;
            if deleted {
                until(
                    &format!("Auto Scaling group {} to be deleted", g.name),
                    run.timing,
                    || async {
                        let out = run
                            .clients
                            .autoscaling
                            .describe_auto_scaling_groups()
                            .auto_scaling_group_names(&g.name)
                            .send()
                            .await
                            .on("DescribeAutoScalingGroups", &g.name)?;
                        Ok(out.auto_scaling_groups().is_empty().then_some(()))
                    },
                )
                .await?;
            }
            Ok(Did::Deleted((), g.name.clone()))
        })
    }))
    .await;
    join_all(what.launch_templates.iter().map(|t| {
        run.step(format!("launch-template {}", t.name), async {
            gone(
                ec2.delete_launch_template()
                    .launch_template_id(&t.id)
                    .send()
                    .await
                    .on("DeleteLaunchTemplate", &t.name),
            )?;
            Ok(Did::Deleted((), t.id.clone()))
        })
    }))
    .await;
    if let Some(lb) = what.load_balancer.as_ref().filter(|lb| lb.owned) {
        run.step(format!("load-balancer {}", lb.name), async {
            gone(
                run.clients
                    .elb
                    .delete_load_balancer()
                    .load_balancer_name(&lb.name)
                    .send()
                    .await
                    .on("DeleteLoadBalancer", &lb.name),
            )?;
            Ok(Did::Deleted((), lb.name.clone()))
        })
        .await;
    }
    join_all(what.instances.iter().map(|i| {
        run.step(format!("instance {}", i.name), async {
            if i.is_live() {
                gone(
                    ec2.terminate_instances()
                        .instance_ids(&i.id)
                        .send()
                        .await
                        .on("TerminateInstances", &i.name),
                )?;
            }
            until(
                &format!("instance {} ({}) to terminate", i.name, i.id),
                run.timing,
                || async {
                    let out = ec2
                        .describe_instances()
                        .instance_ids(&i.id)
                        .send()
                        .await
                        .on("DescribeInstances", &i.name);
                    let out = match out {
                        Err(e) if e.is_not_found() => return Ok(Some(())),
                        other => other?,
                    };
                    let terminated =
                        out.reservations()
                            .iter()
                            .flat_map(|r| r.instances())
                            .all(|x| {
                                x.state()
                                    .and_then(|s| s.name())
                                    .is_some_and(|n| n.as_str() == "terminated")
                            });
                    Ok(terminated.then_some(()))
                },
            )
            .await?;
            Ok(Did::Deleted((), i.id.clone()))
        })
    }))
    .await;
    // Rules first: groups refer to each other, and a group that another
    // group's rule names cannot be deleted.
    join_all(
        what.groups
            .iter()
            .filter(|g| !g.ingress.is_empty())
            .map(|g| {
                run.step(format!("security-group {} rules", g.name), async {
                    gone(
                        ec2.revoke_security_group_ingress()
                            .group_id(&g.id)
                            .set_ip_permissions(Some(
                                g.ingress.iter().map(crate::apply::permission).collect(),
                            ))
                            .send()
                            .await
                            .on("RevokeSecurityGroupIngress", &g.name),
                    )?;
                    Ok(Did::Changed(
                        (),
                        format!("revoked {} rule(s)", g.ingress.len()),
                    ))
                })
            }),
    )
    .await;
    join_all(what.groups.iter().map(|g| {
        run.step(format!("security-group {}", g.name), async {
            released("security group", run.timing, || async {
                gone(
                    ec2.delete_security_group()
                        .group_id(&g.id)
                        .send()
                        .await
                        .on("DeleteSecurityGroup", &g.name),
                )
            })
            .await?;
            Ok(Did::Deleted((), g.id.clone()))
        })
    }))
    .await;
    join_all(what.route_tables.iter().map(|t| {
        run.step(format!("route-table {}", t.name), async {
            for association in t.associations.keys() {
                gone(
                    ec2.disassociate_route_table()
                        .association_id(association)
                        .send()
                        .await
                        .on("DisassociateRouteTable", &t.name),
                )?;
            }
            gone(
                ec2.delete_route_table()
                    .route_table_id(&t.id)
                    .send()
                    .await
                    .on("DeleteRouteTable", &t.name),
            )?;
            Ok(Did::Deleted((), t.id.clone()))
        })
    }))
    .await;
    // A NAT gateway holds its Elastic IP until it is gone.
    join_all(what.nat_gateways.iter().map(|n| {
        run.step(format!("nat-gateway {}", n.name), async {
            if n.state != "deleting" {
                gone(
                    ec2.delete_nat_gateway()
                        .nat_gateway_id(&n.id)
                        .send()
                        .await
                        .on("DeleteNatGateway", &n.name),
                )?;
            }
            until(
                &format!("NAT gateway {} ({}) to be deleted", n.name, n.id),
                run.timing,
                || async {
                    let out = ec2
                        .describe_nat_gateways()
                        .nat_gateway_ids(&n.id)
                        .send()
                        .await
                        .on("DescribeNatGateways", &n.name);
                    let out = match out {
                        Err(e) if e.is_not_found() => return Ok(Some(())),
                        other => other?,
                    };
                    let deleted = out
                        .nat_gateways()
                        .iter()
                        .all(|g| g.state().is_some_and(|s| s.as_str() == "deleted"));
                    Ok(deleted.then_some(()))
                },
            )
            .await?;
            Ok(Did::Deleted((), n.id.clone()))
        })
    }))
    .await;
    join_all(what.addresses.iter().map(|a| {
        run.step(format!("elastic-ip {}", a.name), async {
            released("Elastic IP", run.timing, || async {
                gone(
                    ec2.release_address()
                        .allocation_id(&a.allocation_id)
                        .send()
                        .await
                        .on("ReleaseAddress", &a.name),
                )
            })
            .await?;
            Ok(Did::Deleted((), a.allocation_id.clone()))
        })
    }))
    .await;
    join_all(what.gateways.iter().map(|g| {
        run.step(format!("internet-gateway {}", g.name), async {
            for vpc in &g.attached_to {
                released("internet gateway", run.timing, || async {
                    gone(
                        ec2.detach_internet_gateway()
                            .internet_gateway_id(&g.id)
                            .vpc_id(vpc)
                            .send()
                            .await
                            .on("DetachInternetGateway", &g.name),
                    )
                })
                .await?;
            }
            gone(
                ec2.delete_internet_gateway()
                    .internet_gateway_id(&g.id)
                    .send()
                    .await
                    .on("DeleteInternetGateway", &g.name),
            )?;
            Ok(Did::Deleted((), g.id.clone()))
        })
    }))
    .await;
    join_all(what.subnets.iter().map(|s| {
        run.step(format!("subnet {}", s.name), async {
            released("subnet", run.timing, || async {
                gone(
                    ec2.delete_subnet()
                        .subnet_id(&s.id)
                        .send()
                        .await
                        .on("DeleteSubnet", &s.name),
                )
            })
            .await?;
            Ok(Did::Deleted((), s.id.clone()))
        })
    }))
    .await;
    join_all(what.vpcs.iter().map(|v| {
        run.step(format!("vpc {}", v.name), async {
            released("VPC", run.timing, || async {
                gone(
                    ec2.delete_vpc()
                        .vpc_id(&v.id)
                        .send()
                        .await
                        .on("DeleteVpc", &v.name),
                )
            })
            .await?;
            Ok(Did::Deleted((), v.id.clone()))
        })
    }))
    .await;
}

/// A delete that found nothing to delete has done its job: `Ok(false)`.
fn gone<T>(result: Result<T, Error>) -> Result<bool, Error> {
    match result {
        Ok(_) => Ok(true),
        Err(e) if e.is_not_found() || is_missing_group(&e) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Auto Scaling says a group is missing with a ValidationError.
fn is_missing_group(e: &Error) -> bool {
    matches!(e, Error::Aws { code, message, .. } if code == "ValidationError" && message.to_ascii_lowercase().contains("not found"))
}

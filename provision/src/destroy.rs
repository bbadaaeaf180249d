//! destroy: every resource the cluster owns, found by its ownership tag
//! and checked again in the client, deleted by a plan of deletions in
//! reverse order of creation ([`crate::plan::destroy`]), each as soon as
//! what stands in it is gone. NotFound counts as done. A delete AWS
//! refuses because something still holds the resource (a load balancer's
//! network interfaces linger after it) is retried until the wait's
//! timeout. A failed deletion stops only what waits for it: the rest
//! goes on, and a next run picks up what is left.

use std::sync::atomic::AtomicBool;

use crate::apply::Outcome;
use crate::aws::clients::Clients;
use crate::aws::wait::Timing;
use crate::plan::Plan;
use crate::progress::Progress;

/// Runs a plan of deletions.
pub async fn run(
    clients: &Clients,
    plan: &Plan,
    timing: &Timing,
    progress: &Progress,
    stop: &AtomicBool,
) -> Outcome {
    // Nothing it deletes needs an image.
    let root_devices = std::collections::BTreeMap::new();
    crate::apply::run(clients, timing, plan, &root_devices, progress, stop, true).await
}

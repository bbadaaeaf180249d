//! The provisioning commands behind the command line. Each loads and
//! lints the spec synchronously, then starts a tokio runtime for the AWS
//! work, and returns the exit status.

use std::collections::BTreeMap;
use std::io::{self, BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use awscluster_lint::diagnostic::escape::escape;
use awscluster_lint::report::{self, Format as LintFormat, Style};
use awscluster_lint::run::{Provisioning, Validated, validate};

use crate::apply::Outcome;
use crate::aws::clients::{AssumeRole, Clients};
use crate::aws::error::Error;
use crate::aws::wait::Timing;
use crate::desired::{Desired, Prices, read_prices};
use crate::observe::{Observed, existing_network};
use crate::plan::{Action, Plan, plan};
use crate::progress::Progress;
use crate::render;

pub use crate::aws::clients::Target as ClientTarget;

/// Exit statuses: the linter's 0/1/2, and 130 for an interrupted run.
pub const EXIT_OK: u8 = 0;
pub const EXIT_FAILED: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_INTERRUPTED: u8 = 130;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
}

/// Which cluster: a spec, or (destroy, status) a name and a Region.
#[derive(Debug, Clone)]
pub enum Target {
    Spec(PathBuf),
    Name { name: String, region: String },
}

/// What the command line asked for.
#[derive(Debug, Clone)]
pub struct Request {
    pub target: Target,
    /// `--profile`: the AWS config's named profile.
    pub profile: Option<String>,
    /// `-D/-W/-A` for the lint that gates the spec.
    pub overrides: Vec<(String, Option<awscluster_lint::Severity>)>,
    /// `--config` for the lint that gates the spec.
    pub config: Option<PathBuf>,
    pub endpoint_url: Option<String>,
    pub prices: Option<PathBuf>,
    pub yes: bool,
    pub format: Format,
    pub timing: Timing,
    /// Attempts per AWS call, retries included.
    pub max_attempts: u32,
    pub style: Style,
    /// `apply --skip-preflight`: no live checks before the plan.
    pub skip_preflight: bool,
}

/// A spec ready to provision, or what the user must be told instead.
struct Loaded {
    desired: Option<Desired>,
    cluster: String,
    region: String,
    assume_role: Option<AssumeRole>,
    /// Static placement's VPC and subnet ids, which no command may change
    /// or delete.
    leave: Option<Leave>,
    /// The spec's control-plane machines, whose bootstrap secrets
    /// `destroy` deletes even when the machine never launched.
    control_plane: Vec<String>,
    /// What preflight asks of the account, with a spec.
    wanted: Option<crate::preflight::Wanted>,
}

type Leave = (String, Vec<String>);

#[derive(PartialEq, Eq)]
enum Purpose {
    Provision,
    Destroy,
}

fn load(
    request: &Request,
    purpose: Purpose,
    err: &mut dyn Write,
) -> Result<Result<Loaded, u8>, Error> {
    let path = match &request.target {
        Target::Name { name, region } => {
            return Ok(Ok(Loaded {
                desired: None,
                cluster: name.clone(),
                region: region.clone(),
                assume_role: None,
                leave: None,
                control_plane: Vec::new(),
                wanted: None,
            }));
        }
        Target::Spec(path) => path,
    };
    let cwd = std::env::current_dir()?;
    let prices: Option<Prices> = request.prices.as_deref().map(read_prices).transpose()?;
    // Destroy needs only the name, the Region and the network to leave
    // alone: a spec it cannot provision (no images yet) still names them.
    let provisioning = (purpose == Purpose::Provision).then(|| Provisioning {
        on_demand_prices: prices.clone(),
    });
    let validated = validate(
        path,
        request.config.as_deref(),
        &request.overrides,
        &cwd,
        provisioning,
    )?;
    let (spec, layout, outcome) = match validated {
        Validated::Refused(outcome) => {
            report::emitter(LintFormat::Human, request.style).emit(&outcome, err)?;
            writeln!(
                err,
                "error: the spec has error-level findings; fix them before provisioning"
            )?;
            return Ok(Err(EXIT_FAILED));
        }
        Validated::Ready {
            spec,
            layout,
            outcome,
        } => (spec, layout, outcome),
    };
    if !outcome.diagnostics.is_empty() {
        report::emitter(LintFormat::Human, request.style).emit(&outcome, err)?;
    }
    let desired = match Desired::of(&spec, &layout, prices.as_ref()) {
        Ok(desired) => Some(desired),
        Err(_) if purpose == Purpose::Destroy => None,
        Err(e) => return Err(e),
    };
    Ok(Ok(Loaded {
        control_plane: crate::desired::control_plane_names(&spec, &layout),
        wanted: Some(crate::preflight::Wanted::of(&spec)),
        cluster: spec.name.to_string(),
        region: spec.region.to_string(),
        leave: spec.static_placement().map(|p| {
            (
                p.vpc_id.to_string(),
                p.subnets.iter().map(|s| s.id.to_string()).collect(),
            )
        }),
        assume_role: spec.assume_role().map(|r| AssumeRole {
            role_arn: r.role_arn.to_string(),
            external_id: r.external_id.as_deref().cloned(),
        }),
        desired,
    }))
}

fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

async fn connect(request: &Request, loaded: &Loaded) -> Clients {
    Clients::connect(&ClientTarget {
        region: loaded.region.clone(),
        profile: request.profile.clone(),
        endpoint_url: request.endpoint_url.clone(),
        assume_role: loaded.assume_role.clone(),
        max_attempts: request.max_attempts,
        job: crate::aws::permissions::Job::Provision,
    })
    .await
}

/// What the cluster owns, once per command: static placement's network
/// (checked first) left out.
async fn discover(
    clients: &Clients,
    cluster: &str,
    leave: Option<&Leave>,
) -> Result<Observed, Error> {
    let observed = Observed::discover(clients, cluster).await?;
    Ok(match leave {
        Some((vpc, subnets)) => observed.without(vpc, subnets),
        None => observed,
    })
}

/// The static network checked, what the cluster owns discovered, the
/// spot prices the spec lacks looked up (all together), then the plan.
async fn discover_and_plan(
    clients: &Clients,
    desired: &Desired,
    leave: Option<&Leave>,
) -> Result<Plan, Error> {
    let mut priced = desired.clone();
    let (problems, observed, ()) = tokio::try_join!(
        existing_network(clients, desired),
        discover(clients, &desired.cluster, leave),
        crate::prices::look_up(clients, &mut priced),
    )?;
    if !problems.is_empty() {
        return Err(Error::Spec(format!(
            "the spec's existing network does not match AWS:\n  - {}",
            problems.join("\n  - ")
        )));
    }
    Ok(plan(&priced, &observed))
}

/// Prints an error the way the linter does, and returns the status.
fn fail(error: &Error, err: &mut dyn Write) -> io::Result<u8> {
    writeln!(err, "error: {}", escape(&error.to_string()))?;
    Ok(match error {
        Error::Usage(_) | Error::Lint(_) | Error::Io(_) => EXIT_USAGE,
        _ => EXIT_FAILED,
    })
}

macro_rules! attempt {
    ($e:expr, $err:expr) => {
        match $e {
            Ok(v) => v,
            Err(error) => return fail(&error, $err),
        }
    };
}

// After the macro, which it uses.
pub mod account;
pub mod preflight;
pub mod quotas;

fn needs_spec(loaded: &Loaded, command: &str) -> Result<Desired, Error> {
    loaded
        .desired
        .clone()
        .ok_or_else(|| Error::Usage(format!("{command} needs a spec")))
}

/// `awscluster plan`.
pub fn plan_command(request: &Request, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<u8> {
    let loaded = match attempt!(load(request, Purpose::Provision, err), err) {
        Ok(loaded) => loaded,
        Err(code) => return Ok(code),
    };
    let desired = attempt!(needs_spec(&loaded, "plan"), err);
    let rt = attempt!(runtime(), err);
    let plan = attempt!(
        rt.block_on(async {
            let clients = connect(request, &loaded).await;
            discover_and_plan(&clients, &desired, loaded.leave.as_ref()).await
        }),
        err
    );
    match request.format {
        Format::Human => out.write_all(render::plan_human(&plan).as_bytes())?,
        Format::Json => out.write_all(render::plan_json(&plan).as_bytes())?,
    }
    Ok(EXIT_OK)
}

/// `awscluster status`.
pub fn status_command(
    request: &Request,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<u8> {
    let loaded = match attempt!(load(request, Purpose::Provision, err), err) {
        Ok(loaded) => loaded,
        Err(code) => return Ok(code),
    };
    let rt = attempt!(runtime(), err);
    if let Some(desired) = &loaded.desired {
        let plan = attempt!(
            rt.block_on(async {
                let clients = connect(request, &loaded).await;
                discover_and_plan(&clients, desired, loaded.leave.as_ref()).await
            }),
            err
        );
        match request.format {
            Format::Human => out.write_all(render::status_human(&plan).as_bytes())?,
            Format::Json => out.write_all(render::status_json(&plan).as_bytes())?,
        }
        return Ok(if plan.is_noop() { EXIT_OK } else { EXIT_FAILED });
    }
    // Without a spec there is nothing to compare with: what the cluster
    // owns (what destroy would delete).
    let owned = attempt!(
        rt.block_on(async {
            let clients = connect(request, &loaded).await;
            let observed = discover(&clients, &loaded.cluster, loaded.leave.as_ref()).await?;
            Ok::<_, Error>(crate::plan::destroy(
                &loaded.cluster,
                &loaded.region,
                &observed,
            ))
        }),
        err
    );
    match request.format {
        Format::Human => {
            writeln!(
                out,
                "Cluster {} in {} owns {} resource(s).",
                escape(&loaded.cluster),
                escape(&loaded.region),
                owned.steps.len()
            )?;
            out.write_all(render::owned_human(&owned, "", |_| true).as_bytes())?;
        }
        Format::Json => out.write_all(render::owned_json(&owned).as_bytes())?,
    }
    Ok(EXIT_OK)
}

/// Asks on the terminal; without one, `--yes` is the only way to proceed.
fn confirm(yes: bool, question: &str, err: &mut dyn Write) -> Result<bool, Error> {
    if yes {
        return Ok(true);
    }
    if !io::stdin().is_terminal() {
        return Err(Error::Usage(
            "not asking without a terminal: pass --yes to go ahead".into(),
        ));
    }
    write!(err, "{question} Type `yes` to go ahead: ")?;
    err.flush()?;
    let mut answer = String::new();
    io::stdin().lock().read_line(&mut answer)?;
    Ok(answer.trim() == "yes")
}

/// Ctrl-C stops new work and lets what is in flight finish; a second one
/// quits at once.
fn on_interrupt(stop: Arc<AtomicBool>, progress: Arc<Progress>) {
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            stop.store(true, Ordering::SeqCst);
            progress.say("interrupted: finishing the calls in flight; Ctrl-C again quits at once");
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(i32::from(EXIT_INTERRUPTED));
            }
        }
    });
}

fn report(
    command: &str,
    outcome: &Outcome,
    progress: &Progress,
    calls: u64,
    err: &mut dyn Write,
) -> io::Result<u8> {
    progress.clear();
    writeln!(
        err,
        "{command}: {} created, {} changed, {} deleted in {:.1} s ({calls} AWS calls)",
        outcome.created,
        outcome.changed,
        outcome.deleted,
        progress.elapsed_secs()
    )?;
    if outcome.failures.is_empty() && !outcome.interrupted && outcome.not_started == 0 {
        return Ok(EXIT_OK);
    }
    for failure in &outcome.failures {
        writeln!(err, "error: {}", escape(&failure.to_string()))?;
    }
    if outcome.not_started > 0 {
        writeln!(err, "{} step(s) not started.", outcome.not_started)?;
    }
    writeln!(
        err,
        "{command} did not finish. What was done is tagged and found again: run `awscluster {command}` again to finish."
    )?;
    Ok(if outcome.failures.is_empty() {
        EXIT_INTERRUPTED
    } else {
        EXIT_FAILED
    })
}

/// `awscluster apply`.
pub fn apply_command(
    request: &Request,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<u8> {
    let loaded = match attempt!(load(request, Purpose::Provision, err), err) {
        Ok(loaded) => loaded,
        Err(code) => return Ok(code),
    };
    let desired = attempt!(needs_spec(&loaded, "apply"), err);
    let rt = attempt!(runtime(), err);
    let clients = rt.block_on(connect(request, &loaded));
    let mut root_devices = BTreeMap::new();
    if request.skip_preflight {
        writeln!(
            err,
            "warning: preflight skipped (--skip-preflight): the zones, offerings, key pair, images and quotas are not checked against the account"
        )?;
    } else {
        match attempt!(preflight_gate(request, &loaded, &rt, &clients, err), err) {
            Gate::Stop(code) => return Ok(code),
            Gate::Go { images } => root_devices = images,
        }
    }
    let plan = attempt!(
        rt.block_on(discover_and_plan(&clients, &desired, loaded.leave.as_ref())),
        err
    );
    let run = Run {
        rt: &rt,
        clients: &clients,
        timing: &request.timing,
        yes: request.yes,
        command: "apply",
        root_devices,
    };
    run.carry_out(&plan, out, err)
}

/// What running a plan takes, for the commands that do.
struct Run<'a> {
    rt: &'a tokio::runtime::Runtime,
    clients: &'a Clients,
    timing: &'a Timing,
    yes: bool,
    /// The command, as the summary and the advice to run it again name it.
    command: &'a str,
    /// The images' root devices preflight read, by image.
    root_devices: BTreeMap<String, String>,
}

impl Run<'_> {
    /// Shows the plan, refuses a blocked one, asks, and runs it.
    fn carry_out(&self, plan: &Plan, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<u8> {
        out.write_all(render::plan_human(plan).as_bytes())?;
        out.flush()?;
        if let Some(step) = plan.blocked().next() {
            writeln!(
                err,
                "error: cannot {}: {} {}: {}",
                self.command,
                step.kind,
                escape(&step.name),
                escape(step.blocked.as_deref().unwrap_or_default())
            )?;
            return Ok(EXIT_FAILED);
        }
        if plan.is_noop() {
            return Ok(EXIT_OK);
        }
        if !attempt!(confirm(self.yes, "Apply this plan?", err), err) {
            writeln!(err, "Nothing done.")?;
            return Ok(EXIT_FAILED);
        }
        self.run(plan, false, err)
    }

    /// Shows a plan of deletions (`heading` first) and what it leaves,
    /// asks, and runs it past failures. Exit status 1 when something is
    /// left.
    fn delete_all(
        &self,
        plan: &Plan,
        heading: &str,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> io::Result<u8> {
        let deleting = plan.count(Action::Delete);
        writeln!(out, "{heading}: {deleting} resource(s) to delete.")?;
        out.write_all(render::owned_human(plan, "- ", |s| s.action == Action::Delete).as_bytes())?;
        // What something that stays still uses (an address associated with
        // a machine the cluster does not own) is left, and said.
        let staying: Vec<&crate::plan::Step> = plan
            .steps
            .iter()
            .filter(|s| s.action == Action::Keep)
            .collect();
        for step in &staying {
            writeln!(
                out,
                "  left: {} {} ({}): {}",
                step.kind,
                escape(&step.name),
                escape(step.id.as_deref().unwrap_or_default()),
                escape(&step.reason)
            )?;
        }
        out.flush()?;
        if deleting == 0 {
            writeln!(err, "error: nothing of it can be deleted")?;
            return Ok(EXIT_FAILED);
        }
        if !attempt!(confirm(self.yes, "Delete all of these?", err), err) {
            writeln!(err, "Nothing done.")?;
            return Ok(EXIT_FAILED);
        }
        let status = self.run(plan, true, err)?;
        if status == EXIT_OK && !staying.is_empty() {
            writeln!(
                err,
                "error: {} resource(s) were left (see above)",
                staying.len()
            )?;
            return Ok(EXIT_FAILED);
        }
        Ok(status)
    }

    /// Runs the steps with progress, Ctrl-C stopping new work.
    fn run(&self, plan: &Plan, keep_going: bool, err: &mut dyn Write) -> io::Result<u8> {
        let progress = Arc::new(Progress::stderr());
        let stop = Arc::new(AtomicBool::new(false));
        let outcome = self.rt.block_on(async {
            on_interrupt(Arc::clone(&stop), Arc::clone(&progress));
            crate::apply::run(
                self.clients,
                self.timing,
                plan,
                &self.root_devices,
                &progress,
                &stop,
                keep_going,
            )
            .await
        });
        report(
            self.command,
            &outcome,
            &progress,
            self.clients.calls.total(),
            err,
        )
    }
}

/// What one apply took, step by step: the benchmark's figures.
pub struct Timed {
    pub plan: Plan,
    pub outcome: Outcome,
    /// Discovery and planning.
    pub planning: std::time::Duration,
    /// Running the steps.
    pub running: std::time::Duration,
    pub calls: u64,
}

/// Applies a spec without asking or printing, and says how long each
/// part took.
pub fn apply_timed(request: &Request) -> Result<Timed, Error> {
    let mut sink = io::sink();
    let loaded = match load(request, Purpose::Provision, &mut sink)? {
        Ok(loaded) => loaded,
        Err(_) => return Err(Error::Spec("the spec does not lint clean".into())),
    };
    let desired = needs_spec(&loaded, "apply")?;
    let rt = runtime()?;
    let clients = rt.block_on(connect(request, &loaded));
    let started = std::time::Instant::now();
    let plan = rt.block_on(discover_and_plan(&clients, &desired, loaded.leave.as_ref()))?;
    let planning = started.elapsed();
    let progress = Progress::new(false).quiet();
    let stop = AtomicBool::new(false);
    let started = std::time::Instant::now();
    let outcome = rt.block_on(async {
        let root_devices = BTreeMap::new();
        crate::apply::run(
            &clients,
            &request.timing,
            &plan,
            &root_devices,
            &progress,
            &stop,
            false,
        )
        .await
    });
    Ok(Timed {
        running: started.elapsed(),
        planning,
        calls: clients.calls.total(),
        plan,
        outcome,
    })
}

/// What preflight before `apply` decided.
enum Gate {
    /// An error in the account: the status to stop with.
    Stop(u8),
    /// Go ahead, with the root device of each image it read (by the image
    /// as the spec gives it), which the machines' volumes name.
    Go { images: BTreeMap<String, String> },
}

/// Preflight before `apply`: the live findings the offline lint did not
/// already show, and whether to go on.
fn preflight_gate(
    request: &Request,
    loaded: &Loaded,
    rt: &tokio::runtime::Runtime,
    clients: &Clients,
    err: &mut dyn Write,
) -> Result<Gate, Error> {
    let (Some(wanted), Target::Spec(path)) = (&loaded.wanted, &request.target) else {
        return Ok(Gate::Go {
            images: BTreeMap::new(),
        });
    };
    let reader = clients.for_job(crate::aws::permissions::Job::Preflight);
    let quiet = crate::progress::Progress::new(false).quiet();
    let live = rt.block_on(crate::preflight::look(&reader, wanted, &quiet))?;
    let images = live
        .images
        .iter()
        .filter_map(|(image, found)| match found {
            awscluster_lint::live::Image::Found {
                root_device: Some(device),
                ..
            } => Some((image.clone(), device.clone())),
            _ => None,
        })
        .collect();
    let cwd = std::env::current_dir()?;
    let lint = |live| {
        awscluster_lint::run::lint(
            &awscluster_lint::run::Request {
                paths: vec![path.clone()],
                config: request.config.clone(),
                overrides: request.overrides.clone(),
                live,
                ..awscluster_lint::run::Request::default()
            },
            &cwd,
        )
    };
    let offline = lint(Vec::new())?;
    let mut online = lint(vec![awscluster_lint::run::LiveGroup {
        specs: vec![path.clone()],
        facts: live,
    }])?;
    let shown: std::collections::HashSet<(&str, &str)> = offline
        .diagnostics
        .iter()
        .map(|d| (d.rule.code, d.message.as_str()))
        .collect();
    online
        .diagnostics
        .retain(|d| !shown.contains(&(d.rule.code, d.message.as_str())));
    if online.diagnostics.is_empty() {
        return Ok(Gate::Go { images });
    }
    report::emitter(LintFormat::Human, request.style).emit(&online, err)?;
    if online.count(awscluster_lint::diagnostic::Severity::Error) > 0 {
        writeln!(
            err,
            "error: preflight found errors in the account; fix them, or pass --skip-preflight to apply anyway"
        )?;
        return Ok(Gate::Stop(EXIT_FAILED));
    }
    Ok(Gate::Go { images })
}

/// `awscluster destroy`.
pub fn destroy_command(
    request: &Request,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<u8> {
    let loaded = match attempt!(load(request, Purpose::Destroy, err), err) {
        Ok(loaded) => loaded,
        Err(code) => return Ok(code),
    };
    let rt = attempt!(runtime(), err);
    let clients = rt.block_on(connect(request, &loaded));
    let observed = attempt!(
        rt.block_on(discover(&clients, &loaded.cluster, loaded.leave.as_ref())),
        err
    );
    let plan = crate::plan::destroy(&loaded.cluster, &loaded.region, &observed);
    if plan.steps.is_empty() {
        writeln!(
            out,
            "Cluster {} owns nothing in {}: nothing to destroy.",
            escape(&loaded.cluster),
            escape(&loaded.region)
        )?;
        return sweep_secrets(&rt, &clients, &loaded, &[], EXIT_OK, err);
    }
    let run = Run {
        rt: &rt,
        clients: &clients,
        timing: &request.timing,
        yes: request.yes,
        command: "destroy",
        root_devices: BTreeMap::new(),
    };
    let status = run.delete_all(
        &plan,
        &format!(
            "Destroy cluster {} in {}",
            escape(&loaded.cluster),
            escape(&loaded.region)
        ),
        out,
        err,
    )?;
    if status == EXIT_OK {
        // A deleted instance's secret went with it.
        let deleted: Vec<&str> = plan
            .steps
            .iter()
            .filter(|s| s.action == Action::Delete && s.kind == crate::kind::Kind::Instance)
            .map(|s| s.name.as_str())
            .collect();
        return sweep_secrets(&rt, &clients, &loaded, &deleted, status, err);
    }
    Ok(status)
}

/// The bootstrap secrets of the spec's control-plane machines that were
/// not `deleted` (whose deletion took its secret along).
fn sweep_secrets(
    rt: &tokio::runtime::Runtime,
    clients: &Clients,
    loaded: &Loaded,
    deleted: &[&str],
    status: u8,
    err: &mut dyn Write,
) -> io::Result<u8> {
    let left: Vec<String> = loaded
        .control_plane
        .iter()
        .filter(|m| !deleted.contains(&m.as_str()))
        .cloned()
        .collect();
    let swept = rt.block_on(crate::resources::bootstrap::sweep(
        clients,
        &loaded.cluster,
        &left,
    ));
    match swept {
        Ok(0) => Ok(status),
        Ok(n) => {
            writeln!(
                err,
                "Deleted {n} bootstrap secret(s) of control-plane machines that never launched."
            )?;
            Ok(status)
        }
        Err(e) => fail(&e, err),
    }
}

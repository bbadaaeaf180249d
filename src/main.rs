//! The `awscluster` command line: parses arguments and dispatches to the
//! library. Nothing here decides anything about a cluster.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use awscluster_lint::Severity;
use awscluster_lint::commands::{self, EXIT_FAILURE, ExplainError, RulesFormat, Schema, iam};
use awscluster_lint::iam::Usage;
use awscluster_lint::report::{Format, Style};
use awscluster_lint::run::Request;
use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

/// Validate, preflight and provision Kubernetes clusters on AWS.
#[derive(Parser)]
#[command(name = "awscluster", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Lint cluster specs offline: files, or directories searched for
    /// *.cluster.json, *.cluster.yaml and *.cluster.yml.
    Lint {
        /// Spec files and directories [default: .]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        output: OutputArgs,
        #[command(flatten)]
        fix: FixArgs,
        /// A quota snapshot (`awscluster quotas snapshot`): the account's
        /// quota values and usage, for the specs in its Region.
        #[arg(long, value_name = "FILE")]
        quotas: Option<PathBuf>,
    },
    /// IAM policies: lint them, check what they grant, print the required
    /// ones.
    #[command(subcommand)]
    Iam(IamCommand),
    /// List every rule with its default severity.
    Rules {
        #[arg(long, value_enum, default_value_t = RulesFormatArg::Text)]
        format: RulesFormatArg,
    },
    /// Explain one rule (what it checks, why it matters, an example), or
    /// list a group's rules.
    Explain {
        /// A rule code, such as `pools/master-size`, or a group, such as
        /// `quota`.
        code: String,
    },
    /// Write a new spec that lints clean: asked for on a terminal, taken
    /// from the flags (and defaults) otherwise. Never overwrites a file
    /// without --force.
    Init(InitArgs),
    /// Serve the Language Server Protocol on stdio: findings as you type,
    /// rule docs on hover, fixes as code actions, completion of Regions,
    /// zones and instance types.
    Lsp,
    /// Print the completions of these commands for a shell (see the README's
    /// Install section for where to put them).
    Completions {
        #[arg(value_enum)]
        shell: ShellArg,
    },
    /// Print the man page (roff), made from these commands' help.
    Man,
    /// Print a JSON Schema: the cluster spec (default), awscluster.toml, or
    /// the JSON report.
    Schema {
        #[arg(value_enum, default_value_t = SchemaArg::Cluster)]
        which: SchemaArg,
    },
    /// Check specs against the live account, read-only: every lint rule,
    /// then the zones, instance type offerings, key pairs, images, networks,
    /// the credentials' policies and the quotas (with their usage) that AWS
    /// reports. Specs of one Region and account are summed as a fleet.
    Preflight {
        /// Cluster specs, or directories to search for them.
        #[arg(required = true)]
        specs: Vec<PathBuf>,
        #[command(flatten)]
        output: OutputArgs,
        /// Take the quotas and their usage from this snapshot instead of
        /// reading them.
        #[arg(long, value_name = "FILE")]
        quotas: Option<PathBuf>,
        /// Send AWS calls here (a local emulator); `AWS_ENDPOINT_URL` works too.
        #[arg(long, value_name = "URL")]
        endpoint_url: Option<String>,
        /// Attempts per AWS call, retries with backoff included.
        #[arg(long, value_name = "N", default_value_t = 5)]
        max_attempts: u32,
    },
    /// The account's quotas.
    #[command(subcommand)]
    Quotas(QuotasCommand),
    /// Show what `apply` would create, keep, change or delete in AWS, and
    /// why.
    Plan {
        /// The cluster spec.
        spec: PathBuf,
        #[arg(long, value_enum, default_value_t = ReportFormatArg::Human)]
        format: ReportFormatArg,
        #[command(flatten)]
        aws: AwsArgs,
    },
    /// Create or update the cluster in AWS to match a spec the linter
    /// passed. Shows the plan and asks first.
    Apply {
        /// The cluster spec.
        spec: PathBuf,
        /// Go ahead without asking (required without a terminal).
        #[arg(long, short = 'y')]
        yes: bool,
        /// Apply without checking the account first (preflight's live
        /// checks).
        #[arg(long)]
        skip_preflight: bool,
        #[command(flatten)]
        aws: AwsArgs,
    },
    /// Delete everything the cluster owns in AWS (found by its ownership
    /// tag), and nothing else.
    Destroy {
        #[command(flatten)]
        cluster: ClusterArgs,
        /// Go ahead without asking (required without a terminal).
        #[arg(long, short = 'y')]
        yes: bool,
        #[command(flatten)]
        aws: AwsArgs,
    },
    /// Show each of the cluster's resources in AWS and whether it matches
    /// the spec (exit status 1 when something differs).
    Status {
        #[command(flatten)]
        cluster: ClusterArgs,
        #[arg(long, value_enum, default_value_t = ReportFormatArg::Human)]
        format: ReportFormatArg,
        #[command(flatten)]
        aws: AwsArgs,
    },
    /// The account's IAM for all its clusters: the provisioning policies,
    /// the provisioning role (or a user's policies), the nodes' roles and
    /// instance profiles. Run with an administrator's credentials.
    #[command(subcommand)]
    Account(AccountCommand),
}

#[derive(Subcommand)]
enum QuotasCommand {
    /// Print the account's quota values and usage in a Region as JSON
    /// (schemas/quotas.schema.json), for `lint --quotas` and `preflight
    /// --quotas`.
    Snapshot {
        /// The Region.
        #[arg(long, value_name = "REGION", env = "AWS_REGION")]
        region: String,
        /// Send AWS calls here (a local emulator); `AWS_ENDPOINT_URL` works too.
        #[arg(long, value_name = "URL")]
        endpoint_url: Option<String>,
        /// Attempts per AWS call, retries with backoff included.
        #[arg(long, value_name = "N", default_value_t = 5)]
        max_attempts: u32,
    },
}

#[derive(Subcommand)]
enum AccountCommand {
    /// Create or update what the account needs, with a plan first.
    Setup {
        #[command(flatten)]
        setup: SetupArgs,
        /// Go ahead without asking (required without a terminal).
        #[arg(long, short = 'y')]
        yes: bool,
        #[command(flatten)]
        aws: AccountAwsArgs,
    },
    /// Show what setup with the same options would find in place, and
    /// what differs (exit status 1 when something does).
    Status {
        #[command(flatten)]
        setup: SetupArgs,
        #[arg(long, value_enum, default_value_t = ReportFormatArg::Human)]
        format: ReportFormatArg,
        #[command(flatten)]
        aws: AccountAwsArgs,
    },
    /// Delete everything setup made (under the IAM path /awscluster/ and
    /// tagged awscluster/account=owned), and nothing else.
    Teardown {
        /// Go ahead without asking (required without a terminal).
        #[arg(long, short = 'y')]
        yes: bool,
        #[command(flatten)]
        aws: AccountAwsArgs,
    },
}

/// What `account setup` makes.
#[derive(Args)]
struct SetupArgs {
    /// The provisioning policies: the seed's four, or the hardened ones
    /// (policies/hardened/: what awscluster calls and nothing more).
    #[arg(long, value_enum, default_value_t = PolicySetArg::Seed)]
    policies: PolicySetArg,
    /// Make the provisioning role, assumed from this account (12 digits).
    #[arg(
        long,
        value_name = "ACCOUNT",
        requires = "external_id",
        conflicts_with = "user"
    )]
    trust_account: Option<String>,
    /// The external ID the provisioning account presents (with
    /// --trust-account).
    #[arg(long, value_name = "ID", requires = "trust_account")]
    external_id: Option<String>,
    /// The provisioning role's name (with --trust-account).
    #[arg(
        long,
        value_name = "NAME",
        default_value = "awscluster-provisioner",
        requires = "trust_account"
    )]
    role_name: String,
    /// Attach the provisioning policies to this existing IAM user instead
    /// (access keys).
    #[arg(long, value_name = "NAME")]
    user: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum PolicySetArg {
    Seed,
    Hardened,
}

/// How account setup reaches IAM.
#[derive(Args)]
struct AccountAwsArgs {
    /// The Region IAM's calls are signed for, which names the partition
    /// (aws, aws-cn, aws-us-gov).
    #[arg(
        long,
        value_name = "REGION",
        env = "AWS_REGION",
        default_value = "us-east-1"
    )]
    region: String,
    /// Send AWS calls here (a local emulator); `AWS_ENDPOINT_URL` works too.
    #[arg(long, value_name = "URL")]
    endpoint_url: Option<String>,
    /// Attempts per AWS call, retries with backoff included.
    #[arg(long, value_name = "N", default_value_t = 5)]
    max_attempts: u32,
}

/// A cluster named by its spec, or by its name and Region.
#[derive(Args)]
struct ClusterArgs {
    /// The cluster spec.
    #[arg(required_unless_present = "name")]
    spec: Option<PathBuf>,
    /// The cluster's name, instead of a spec.
    #[arg(long, conflicts_with = "spec", requires = "region")]
    name: Option<String>,
    /// The cluster's Region, with --name.
    #[arg(long, requires = "name")]
    region: Option<String>,
}

/// How the provisioner reaches AWS.
#[derive(Args)]
struct AwsArgs {
    /// Send AWS calls here (a local emulator); `AWS_ENDPOINT_URL` works too.
    #[arg(long, value_name = "URL")]
    endpoint_url: Option<String>,
    /// The named profile of the AWS config and credentials files to use
    /// [default: `AWS_PROFILE`, else `default`].
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
    /// Configuration file for the lint that gates the spec.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(flatten)]
    severities: SeverityArgs,
    /// On-demand prices that spot pools' maximum prices are a percentage
    /// of: {"<region>": {"<instance type>": <USD per hour>}}.
    #[arg(long, value_name = "FILE")]
    on_demand_prices: Option<PathBuf>,
    /// Attempts per AWS call, retries with backoff included.
    #[arg(long, value_name = "N", default_value_t = 5)]
    max_attempts: u32,
    /// Seconds one wait (a NAT gateway, an instance) may take.
    #[arg(long, value_name = "SECONDS", default_value_t = 900)]
    wait_timeout: u64,
    /// Seconds between two polls while waiting.
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0)]
    poll_interval: f64,
}

#[derive(Clone, Copy, ValueEnum)]
enum RequiredFormatArg {
    Policy,
    Table,
}

#[derive(Clone, Copy, ValueEnum)]
enum JobArg {
    Provision,
    Preflight,
    /// `account setup`, `status` and `teardown`.
    Account,
}

#[derive(Clone, Copy, ValueEnum)]
enum ReportFormatArg {
    Human,
    Json,
}

#[derive(Subcommand)]
enum IamCommand {
    /// Lint policy documents (trust policies are recognised by their
    /// Principal): files, or directories searched for *.json.
    Lint {
        /// Policy files and directories [default: .]
        paths: Vec<PathBuf>,
        /// How the policies are used, which decides their size quota.
        #[arg(long = "as", value_enum, default_value_t = UsageArg::Managed)]
        usage: UsageArg,
        /// The files are the policies of one role or user: inline sizes add
        /// up, managed ones count against the policies a role may have
        /// attached, and privilege escalation is looked for across them.
        #[arg(long)]
        together: bool,
        #[command(flatten)]
        output: OutputArgs,
        #[command(flatten)]
        fix: FixArgs,
    },
    /// Check that the granted policies allow everything the required ones
    /// do (by default what the provisioner calls).
    Check {
        /// The policies the role is granted.
        #[arg(long, value_name = "FILE", required = true, num_args = 1..)]
        granted: Vec<PathBuf>,
        /// What is required: policy files, or lists of actions (one per
        /// line, optionally followed by resource ARNs) [default: what the
        /// provisioner calls, policies/hardened/provision.json].
        #[arg(long, value_name = "FILE", num_args = 1..)]
        required: Vec<PathBuf>,
        /// Also list what the granted policies allow that nothing requires,
        /// by service (`iam/unused-grant`).
        #[arg(long)]
        unused: bool,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Print the seed's four policies, ready to paste: one by name, or all
    /// of them.
    Print {
        /// controller, control-plane, nodes or deployment [default: all]
        name: Option<String>,
    },
    /// Repack the required statements into the fewest managed policies that
    /// each fit the limit (checked to grant exactly the same).
    Split {
        /// The most characters (white space excluded) per policy.
        #[arg(long, value_name = "N", default_value_t = 6144)]
        max_chars: usize,
        /// Policies to repack [default: the seed's four].
        #[arg(long, value_name = "FILE", num_args = 1..)]
        required: Vec<PathBuf>,
        /// Write policy-1.json, policy-2.json, … here instead of printing
        /// a JSON array.
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
    },
    /// Print the least-privilege policy for the provisioner: every action
    /// the AWS calls it makes need.
    Required {
        /// `policy` (an IAM policy document) or `table` (each call and the
        /// actions it needs).
        #[arg(long, value_enum, default_value_t = RequiredFormatArg::Policy)]
        format: RequiredFormatArg,
        /// Add what images given as SSM parameters need
        /// (`ssm:GetParameters`), which the seed's policies do not grant.
        #[arg(long)]
        with_ssm_images: bool,
        /// Whose calls: `provision` (plan, apply, destroy, status) or
        /// `preflight` (the live checks, read-only).
        #[arg(long = "for", value_enum, default_value_t = JobArg::Provision)]
        job: JobArg,
        /// Same as `--for preflight`: the read-only policy the live checks
        /// need.
        #[arg(long, conflicts_with = "job")]
        preflight: bool,
    },
    /// Print the trust policy for the provisioning role: the given account
    /// may assume it with the external ID.
    TrustPolicy {
        /// The account allowed to assume the role (12 digits).
        #[arg(long)]
        account: String,
        /// The external ID it must present.
        #[arg(long)]
        external_id: String,
        /// The partition of the account.
        #[arg(long, default_value = "aws")]
        partition: String,
    },
}

/// How findings are reported and which rules apply.
#[derive(Args)]
struct OutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Human)]
    format: FormatArg,
    /// Configuration file [default: the nearest awscluster.toml upward].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(flatten)]
    severities: SeverityArgs,
    /// Exit with status 1 on warnings too.
    #[arg(long)]
    deny_warnings: bool,
    /// An IAM action catalog to use instead of the built-in one (made by
    /// scripts/build-iam-catalog.py from AWS's service reference).
    #[arg(long, value_name = "FILE")]
    catalog: Option<PathBuf>,
    /// When to colour the human format.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    color: ColorArg,
    /// The largest file to read, in bytes, or with a unit: 512K, 16M, 1G
    /// [default: 16M, or `[files] max-file-size`].
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    max_file_size: Option<u64>,
    /// The name stdin's text (`-` as a path) is reported under; its
    /// extension chooses JSON or YAML, and the configuration's ignores
    /// match it [default: `-`, read as JSON].
    #[arg(long, value_name = "NAME")]
    stdin_filename: Option<PathBuf>,
    /// Write the report to this file instead of stdout (whole, once the
    /// run is done).
    #[arg(short = 'o', long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// The human format prints only its summary, and nothing when there is
    /// no finding.
    #[arg(short = 'q', long)]
    quiet: bool,
}

/// `awscluster init`'s answers, any of which may be given as flags.
#[derive(Args)]
struct InitArgs {
    /// Where to write it; `.json` for JSON, else YAML [default:
    /// NAME.cluster.yaml].
    path: Option<PathBuf>,
    /// The cluster's name [default: my-cluster].
    #[arg(long)]
    name: Option<String>,
    /// [default: us-east-1]
    #[arg(long)]
    region: Option<String>,
    /// Availability Zones, comma-separated [default: the Region's first
    /// three].
    #[arg(long, value_delimiter = ',')]
    zones: Vec<String>,
    /// Master nodes: 1, 3 or 5 [default: 3].
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(["1", "3", "5"]))]
    masters: Option<String>,
    /// [default: m7i.large]
    #[arg(long, value_name = "TYPE")]
    master_type: Option<String>,
    /// Worker nodes; 0 lets the masters run workloads [default: 3].
    #[arg(long)]
    workers: Option<u32>,
    /// [default: m7i.large]
    #[arg(long, value_name = "TYPE")]
    worker_type: Option<String>,
    /// Run the workers on spot capacity.
    #[arg(long)]
    spot: bool,
    /// Add a bastion, reachable over SSH from these blocks
    /// (comma-separated).
    #[arg(long, value_name = "CIDR", value_delimiter = ',')]
    bastion_cidr: Vec<String>,
    /// The EC2 key pair the nodes accept [default: the cluster's name].
    #[arg(long, value_name = "NAME")]
    ssh_key_name: Option<String>,
    /// Replace the file if it exists.
    #[arg(long)]
    force: bool,
    /// Ask even when stdin is not a terminal (answers read line by line).
    #[arg(long, conflicts_with = "no_input")]
    interactive: bool,
    /// Never ask, even on a terminal.
    #[arg(long)]
    no_input: bool,
}

/// `--fix` and its companions, for `lint` and `iam lint`.
#[derive(Args)]
struct FixArgs {
    /// Apply the fixes that cannot change what a file means, in place
    /// (formatting and comments kept), then report what is left.
    #[arg(long)]
    fix: bool,
    /// With --fix or --diff: also the fixes that might (a guessed typo, a
    /// value the spec only mirrors).
    #[arg(long)]
    unsafe_fixes: bool,
    /// Print the changes --fix would make as a unified diff; write
    /// nothing (exit 1 when there are some).
    #[arg(long)]
    diff: bool,
}

impl FixArgs {
    /// `None`: lint only. `--unsafe-fixes` alone is refused rather than
    /// ignored: it says which fixes, not whether to fix.
    fn request(&self) -> Result<Option<commands::fix::FixRequest>, &'static str> {
        if self.unsafe_fixes && !self.fix && !self.diff {
            return Err("--unsafe-fixes goes with --fix or --diff");
        }
        Ok(
            (self.fix || self.diff).then_some(commands::fix::FixRequest {
                unsafe_fixes: self.unsafe_fixes,
                diff: self.diff,
            }),
        )
    }
}

/// `-D/-W/-A`: rule severities over the configuration's.
#[derive(Args)]
struct SeverityArgs {
    /// Report a rule or group (or `all`) as an error.
    #[arg(short = 'D', long = "deny", value_name = "CODE")]
    deny: Vec<String>,
    /// Report a rule or group (or `all`) as a warning.
    #[arg(short = 'W', long = "warn", value_name = "CODE")]
    warn: Vec<String>,
    /// Turn a rule or group (or `all`) off.
    #[arg(short = 'A', long = "allow", value_name = "CODE")]
    allow: Vec<String>,
}

impl SeverityArgs {
    /// The overrides in the order given, later ones winning: clap keeps
    /// each flag's values apart, so they are merged back by position.
    fn overrides(self, matches: &ArgMatches) -> Vec<(String, Option<Severity>)> {
        let mut overrides: Vec<(usize, String, Option<Severity>)> = Vec::new();
        for (id, values, level) in [
            ("deny", self.deny, Some(Severity::Error)),
            ("warn", self.warn, Some(Severity::Warning)),
            ("allow", self.allow, None),
        ] {
            let indices = matches.indices_of(id).into_iter().flatten();
            overrides.extend(indices.zip(values).map(|(i, code)| (i, code, level)));
        }
        overrides.sort_by_key(|(i, _, _)| *i);
        overrides
            .into_iter()
            .map(|(_, code, level)| (code, level))
            .collect()
    }
}

/// `16777216`, `512K`, `16M` or `1G` (powers of 1,024).
fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (digits, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => text.split_at(i),
        None => (text, ""),
    };
    let factor: u64 = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" | "KB" | "KIB" => 1 << 10,
        "M" | "MB" | "MIB" => 1 << 20,
        "G" | "GB" | "GIB" => 1 << 30,
        _ => {
            return Err(format!(
                "`{text}` is not a size: write bytes, or a number with K, M or G"
            ));
        }
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(factor))
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("`{text}` is not a size: write bytes, or a number with K, M or G"))
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Human,
    Json,
    Sarif,
    Github,
}

#[derive(Clone, Copy, ValueEnum)]
enum ColorArg {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, ValueEnum)]
enum UsageArg {
    /// Customer managed policies, 6,144 characters each.
    Managed,
    /// Inline policies of one user, 2,048 characters together.
    InlineUser,
    /// Inline policies of one group, 5,120 characters together.
    InlineGroup,
    /// Inline policies of one role, 10,240 characters together.
    InlineRole,
}

#[derive(Clone, Copy, ValueEnum)]
enum RulesFormatArg {
    Text,
    Markdown,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum ShellArg {
    Bash,
    Zsh,
    Fish,
    Powershell,
}

#[derive(Clone, Copy, ValueEnum)]
enum SchemaArg {
    Cluster,
    Config,
    Report,
    Quotas,
}

fn main() -> ExitCode {
    // A bug must not look like a crash with a backtrace, nor like findings:
    // one line on stderr, and the status that says awscluster failed.
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let _ = writeln!(
            io::stderr(),
            "error: internal error{place}: {}; this is a bug in awscluster, please report it",
            awscluster_lint::diagnostic::escape::escape(&message)
        );
    }));
    std::panic::catch_unwind(real_main).unwrap_or(ExitCode::from(EXIT_FAILURE))
}

fn real_main() -> ExitCode {
    let matches = match Cli::command().try_get_matches() {
        Ok(m) => m,
        Err(e) => {
            let _ = e.print();
            // clap exits 0 for --help and --version, 2 for usage errors.
            return ExitCode::from(if e.use_stderr() { EXIT_FAILURE } else { 0 });
        }
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    // The language server writes stdout from a thread of its own: it must
    // not be held locked here.
    if let Command::Lsp = cli.command {
        return match commands::lsp() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                let _ = writeln!(io::stderr(), "error: the language server stopped: {e}");
                ExitCode::from(EXIT_FAILURE)
            }
        };
    }
    // A reader that stops reading (`| head`), on stdout or stderr, changes
    // nothing: the command runs to its end and the status is its own.
    let mut out =
        io::BufWriter::with_capacity(64 * 1024, commands::UntilClosed::new(io::stdout().lock()));
    // Not locked for the whole run: the provisioner's progress is written
    // from its runtime's threads too.
    let mut err = commands::UntilClosed::new(io::stderr());
    let result = run(cli.command, &matches, &mut out, &mut err).and_then(|code| {
        out.flush()?;
        Ok(code)
    });
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

fn run(
    command: Command,
    matches: &ArgMatches,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<u8> {
    let cwd = std::env::current_dir()?;
    let sub = |names: &[&str]| {
        names
            .iter()
            .try_fold(matches, |m, name| m.subcommand_matches(name))
            .expect("the parsed subcommand has matches")
    };
    match command {
        Command::Lint {
            paths,
            output,
            fix,
            quotas,
        } => {
            let (mut request, format, style, file) = output.into_request(paths, sub(&["lint"]));
            request.quota_snapshot = quotas;
            let fix = match fix.request() {
                Ok(fix) => fix,
                Err(message) => return writeln!(err, "error: {message}").map(|()| EXIT_FAILURE),
            };
            to_output(file, out, err, |out, err| match fix {
                Some(fix) => commands::fix::lint_fix(&request, fix, &cwd, format, style, out, err),
                None => commands::lint(&request, &cwd, format, style, out, err),
            })
        }
        Command::Iam(IamCommand::Lint {
            paths,
            usage,
            together,
            output,
            fix,
        }) => {
            let (request, format, style, file) = output.into_request(paths, sub(&["iam", "lint"]));
            let usage = match usage {
                UsageArg::Managed => Usage::Managed,
                UsageArg::InlineUser => Usage::InlineUser,
                UsageArg::InlineGroup => Usage::InlineGroup,
                UsageArg::InlineRole => Usage::InlineRole,
            };
            let fix = match fix.request() {
                Ok(fix) => fix,
                Err(message) => return writeln!(err, "error: {message}").map(|()| EXIT_FAILURE),
            };
            to_output(file, out, err, |out, err| match fix {
                Some(fix) => commands::fix::iam_lint_fix(
                    &request, usage, together, fix, &cwd, format, style, out, err,
                ),
                None => iam::lint(&request, usage, together, &cwd, format, style, out, err),
            })
        }
        Command::Iam(IamCommand::Check {
            granted,
            required,
            unused,
            output,
        }) => {
            let (request, format, style, file) =
                output.into_request(Vec::new(), sub(&["iam", "check"]));
            to_output(file, out, err, |out, err| {
                iam::check(
                    &request, &granted, &required, unused, &cwd, format, style, out, err,
                )
            })
        }
        Command::Iam(IamCommand::Print { name }) => {
            iam::finish(iam::print(name.as_deref()), plain_style(), out, err)
        }
        Command::Iam(IamCommand::Split {
            max_chars,
            required,
            out_dir,
        }) => iam::finish(
            iam::split(max_chars, &required, out_dir.as_deref()),
            plain_style(),
            out,
            err,
        ),
        Command::Iam(IamCommand::TrustPolicy {
            account,
            external_id,
            partition,
        }) => iam::finish(
            iam::trust_policy(&account, &external_id, &partition),
            plain_style(),
            out,
            err,
        ),
        Command::Rules { format } => {
            let format = match format {
                RulesFormatArg::Text => RulesFormat::Text,
                RulesFormatArg::Markdown => RulesFormat::Markdown,
                RulesFormatArg::Json => RulesFormat::Json,
            };
            commands::rules(format, out).map(|()| 0)
        }
        Command::Explain { code } => match commands::explain(&code, out) {
            Ok(()) => Ok(0),
            Err(ExplainError::Unknown(message)) => {
                writeln!(err, "error: {message}").map(|()| EXIT_FAILURE)
            }
            Err(ExplainError::Io(e)) => Err(e),
        },
        Command::Init(args) => {
            let interactive = args.interactive || (!args.no_input && io::stdin().is_terminal());
            let request = commands::init::InitRequest {
                path: args.path,
                answers: commands::init::Answers {
                    name: args.name,
                    region: args.region,
                    zones: args.zones,
                    masters: args.masters.and_then(|m| m.parse().ok()),
                    master_type: args.master_type,
                    workers: args.workers,
                    worker_type: args.worker_type,
                    spot_workers: args.spot,
                    bastion_cidrs: args.bastion_cidr,
                    ssh_key_name: args.ssh_key_name,
                },
                interactive,
                force: args.force,
            };
            let mut stdin = io::stdin().lock();
            commands::init::init(request, Some(&mut stdin), &cwd, out, err)
        }
        // Served before stdout is locked (see real_main).
        Command::Lsp => Ok(EXIT_FAILURE),
        Command::Completions { shell } => {
            let shell = match shell {
                ShellArg::Bash => clap_complete::Shell::Bash,
                ShellArg::Zsh => clap_complete::Shell::Zsh,
                ShellArg::Fish => clap_complete::Shell::Fish,
                ShellArg::Powershell => clap_complete::Shell::PowerShell,
            };
            clap_complete::generate(shell, &mut Cli::command(), "awscluster", out);
            Ok(0)
        }
        Command::Man => clap_mangen::Man::new(Cli::command())
            .render(out)
            .map(|()| 0),
        Command::Schema { which } => {
            let which = match which {
                SchemaArg::Cluster => Schema::Cluster,
                SchemaArg::Config => Schema::Config,
                SchemaArg::Report => Schema::Report,
                SchemaArg::Quotas => Schema::Quotas,
            };
            commands::schema(which, out).map(|()| 0)
        }
        Command::Iam(IamCommand::Required {
            format,
            with_ssm_images,
            job,
            preflight,
        }) => {
            let job = if preflight { JobArg::Preflight } else { job };
            provision::required(format, with_ssm_images, job, out, err)
        }
        Command::Quotas(QuotasCommand::Snapshot {
            region,
            endpoint_url,
            max_attempts,
        }) => provision::quota_snapshot(region, endpoint_url, max_attempts, out, err),
        Command::Preflight {
            specs,
            output,
            quotas,
            endpoint_url,
            max_attempts,
        } => {
            let (mut request, format, style, file) =
                output.into_request(specs, sub(&["preflight"]));
            request.quota_snapshot = quotas;
            to_output(file, out, err, |out, err| {
                provision::preflight(
                    request,
                    format,
                    style,
                    endpoint_url,
                    max_attempts,
                    &cwd,
                    out,
                    err,
                )
            })
        }
        Command::Plan { spec, format, aws } => {
            let request =
                aws.into_request(provision::Target::Spec(spec), false, format, sub(&["plan"]));
            provision::run(provision::Which::Plan, request, out, err)
        }
        Command::Apply {
            spec,
            yes,
            skip_preflight,
            aws,
        } => {
            let request = aws.into_request(
                provision::Target::Spec(spec),
                yes,
                ReportFormatArg::Human,
                sub(&["apply"]),
            );
            provision::apply(request, skip_preflight, out, err)
        }
        Command::Destroy { cluster, yes, aws } => {
            let request = aws.into_request(
                cluster.into_target(),
                yes,
                ReportFormatArg::Human,
                sub(&["destroy"]),
            );
            provision::run(provision::Which::Destroy, request, out, err)
        }
        Command::Status {
            cluster,
            format,
            aws,
        } => {
            let request = aws.into_request(cluster.into_target(), false, format, sub(&["status"]));
            provision::run(provision::Which::Status, request, out, err)
        }
        Command::Account(AccountCommand::Setup { setup, yes, aws }) => {
            let request = aws.into_request(Some(setup), yes, ReportFormatArg::Human);
            provision::account(provision::AccountWhich::Setup, request, out, err)
        }
        Command::Account(AccountCommand::Status { setup, format, aws }) => {
            let request = aws.into_request(Some(setup), false, format);
            provision::account(provision::AccountWhich::Status, request, out, err)
        }
        Command::Account(AccountCommand::Teardown { yes, aws }) => {
            let request = aws.into_request(None, yes, ReportFormatArg::Human);
            provision::account(provision::AccountWhich::Teardown, request, out, err)
        }
    }
}

impl ClusterArgs {
    fn into_target(self) -> provision::Target {
        match (self.spec, self.name, self.region) {
            (Some(spec), _, _) => provision::Target::Spec(spec),
            (None, Some(name), Some(region)) => provision::Target::Name { name, region },
            // clap requires a spec or a name with a Region.
            _ => provision::Target::Spec(PathBuf::new()),
        }
    }
}

/// The provisioning commands, with the `provision` feature.
#[cfg(feature = "provision")]
mod provision {
    use std::io::{self, Write};
    use std::time::Duration;

    pub use awscluster_provision::Target;
    use awscluster_provision::account::{PolicySet, Principal};
    use awscluster_provision::commands::account::{self, AccountRequest};
    use awscluster_provision::{Format, Request, commands, permissions};

    use super::{
        AccountAwsArgs, AwsArgs, JobArg, PolicySetArg, ReportFormatArg, RequiredFormatArg,
        SetupArgs, plain_style,
    };

    pub enum Which {
        Plan,
        Destroy,
        Status,
    }

    pub enum AccountWhich {
        Setup,
        Status,
        Teardown,
    }

    fn format_of(format: ReportFormatArg) -> Format {
        match format {
            ReportFormatArg::Human => Format::Human,
            ReportFormatArg::Json => Format::Json,
        }
    }

    impl AccountAwsArgs {
        /// `setup` is `None` for teardown, which needs no options.
        pub(super) fn into_request(
            self,
            setup: Option<SetupArgs>,
            yes: bool,
            format: ReportFormatArg,
        ) -> AccountRequest {
            let (policies, principal) = match setup {
                Some(setup) => (
                    match setup.policies {
                        PolicySetArg::Seed => PolicySet::Seed,
                        PolicySetArg::Hardened => PolicySet::Hardened,
                    },
                    match (setup.trust_account, setup.external_id, setup.user) {
                        (Some(trust_account), Some(external_id), _) => Principal::Role {
                            name: setup.role_name,
                            trust_account,
                            external_id,
                        },
                        (_, _, Some(user)) => Principal::User(user),
                        // clap requires the two together.
                        _ => Principal::None,
                    },
                ),
                None => (PolicySet::Seed, Principal::None),
            };
            AccountRequest {
                policies,
                principal,
                region: self.region,
                endpoint_url: self.endpoint_url,
                yes,
                format: format_of(format),
                timing: awscluster_provision::wait::Timing {
                    timeout: Duration::from_secs(900),
                    poll: Duration::from_secs(2),
                },
                max_attempts: self.max_attempts,
            }
        }
    }

    pub fn account(
        which: AccountWhich,
        request: AccountRequest,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> io::Result<u8> {
        match which {
            AccountWhich::Setup => account::setup_command(&request, out, err),
            AccountWhich::Status => account::status_command(&request, out, err),
            AccountWhich::Teardown => account::teardown_command(&request, out, err),
        }
    }

    impl AwsArgs {
        pub(super) fn into_request(
            self,
            target: Target,
            yes: bool,
            format: ReportFormatArg,
            matches: &clap::ArgMatches,
        ) -> Request {
            Request {
                target,
                profile: self.profile,
                overrides: self.severities.overrides(matches),
                config: self.config,
                endpoint_url: self.endpoint_url,
                prices: self.on_demand_prices,
                yes,
                format: format_of(format),
                timing: awscluster_provision::wait::Timing {
                    timeout: Duration::from_secs(self.wait_timeout),
                    poll: Duration::from_secs_f64(self.poll_interval.clamp(0.0, 3600.0)),
                },
                max_attempts: self.max_attempts,
                style: plain_style(),
                skip_preflight: false,
            }
        }
    }

    pub fn quota_snapshot(
        region: String,
        endpoint_url: Option<String>,
        max_attempts: u32,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> io::Result<u8> {
        let request = commands::quotas::SnapshotRequest {
            region,
            endpoint_url,
            max_attempts,
        };
        commands::quotas::snapshot_command(&request, out, err)
    }

    pub fn apply(
        request: Request,
        skip_preflight: bool,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> io::Result<u8> {
        let request = Request {
            skip_preflight,
            ..request
        };
        commands::apply_command(&request, out, err)
    }

    pub fn run(
        which: Which,
        request: Request,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> io::Result<u8> {
        match which {
            Which::Plan => commands::plan_command(&request, out, err),
            Which::Destroy => commands::destroy_command(&request, out, err),
            Which::Status => commands::status_command(&request, out, err),
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub fn preflight(
        lint: awscluster_lint::run::Request,
        format: awscluster_lint::report::Format,
        style: awscluster_lint::report::Style,
        endpoint_url: Option<String>,
        max_attempts: u32,
        cwd: &std::path::Path,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> io::Result<u8> {
        let request = commands::preflight::PreflightRequest {
            lint,
            format,
            style,
            endpoint_url,
            max_attempts,
        };
        commands::preflight::preflight_command(&request, cwd, out, err)
    }

    pub fn required(
        format: RequiredFormatArg,
        with_ssm_images: bool,
        job: JobArg,
        out: &mut dyn Write,
        _err: &mut dyn Write,
    ) -> io::Result<u8> {
        let job = match job {
            JobArg::Provision => permissions::Job::Provision,
            JobArg::Preflight => permissions::Job::Preflight,
            JobArg::Account => permissions::Job::Account,
        };
        let text = match format {
            RequiredFormatArg::Policy => permissions::required_policy_text(job, with_ssm_images),
            RequiredFormatArg::Table => permissions::table_text(job),
        };
        out.write_all(text.as_bytes())?;
        Ok(0)
    }
}

/// Without the `provision` feature the commands exist, and say how to get
/// them: the linter alone installs without the AWS SDK.
#[cfg(not(feature = "provision"))]
mod provision {
    use std::io::{self, Write};
    use std::path::PathBuf;

    use awscluster_lint::commands::EXIT_FAILURE;

    use super::{AccountAwsArgs, AwsArgs, JobArg, ReportFormatArg, RequiredFormatArg, SetupArgs};

    /// Mirrors the provisioner's, so that parsing is the same either way.
    #[expect(dead_code, reason = "only the provisioner reads it")]
    pub enum Target {
        Spec(PathBuf),
        Name { name: String, region: String },
    }

    pub enum Which {
        Plan,
        Destroy,
        Status,
    }

    pub struct Request;

    pub enum AccountWhich {
        Setup,
        Status,
        Teardown,
    }

    impl AwsArgs {
        pub(super) fn into_request(
            self,
            _: Target,
            _: bool,
            _: ReportFormatArg,
            _: &clap::ArgMatches,
        ) -> Request {
            Request
        }
    }

    impl AccountAwsArgs {
        pub(super) fn into_request(
            self,
            _: Option<SetupArgs>,
            _: bool,
            _: ReportFormatArg,
        ) -> Request {
            Request
        }
    }

    pub fn account(
        _: AccountWhich,
        _: Request,
        _: &mut dyn Write,
        err: &mut dyn Write,
    ) -> io::Result<u8> {
        writeln!(err, "error: {MISSING}")?;
        Ok(EXIT_FAILURE)
    }

    const MISSING: &str = "this awscluster was built without the provisioner (the AWS SDK); \
        install it with `cargo install --path . --features provision`, or run \
        `cargo run --features provision -- ...` in a checkout";

    pub fn run(_: Which, _: Request, _: &mut dyn Write, err: &mut dyn Write) -> io::Result<u8> {
        writeln!(err, "error: {MISSING}")?;
        Ok(EXIT_FAILURE)
    }

    pub fn apply(_: Request, _: bool, _: &mut dyn Write, err: &mut dyn Write) -> io::Result<u8> {
        writeln!(err, "error: {MISSING}")?;
        Ok(EXIT_FAILURE)
    }

    pub fn quota_snapshot(
        _: String,
        _: Option<String>,
        _: u32,
        _: &mut dyn Write,
        err: &mut dyn Write,
    ) -> io::Result<u8> {
        writeln!(err, "error: {MISSING}")?;
        Ok(EXIT_FAILURE)
    }

    pub fn required(
        _: RequiredFormatArg,
        _: bool,
        _: JobArg,
        _: &mut dyn Write,
        err: &mut dyn Write,
    ) -> io::Result<u8> {
        writeln!(err, "error: {MISSING}")?;
        Ok(EXIT_FAILURE)
    }

    #[allow(clippy::too_many_arguments)]
    pub fn preflight(
        _: awscluster_lint::run::Request,
        _: awscluster_lint::report::Format,
        _: awscluster_lint::report::Style,
        _: Option<String>,
        _: u32,
        _: &std::path::Path,
        _: &mut dyn Write,
        err: &mut dyn Write,
    ) -> io::Result<u8> {
        writeln!(err, "error: {MISSING}")?;
        Ok(EXIT_FAILURE)
    }
}

fn plain_style() -> Style {
    Style {
        color: io::stderr().is_terminal() && no_color_unset(),
        width: terminal_width(),
        quiet: false,
    }
}

/// The width the human format wraps to: `COLUMNS`, else the terminal's,
/// else 100 (a file or a pipe).
fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c > 0)
        .or_else(|| terminal_size::terminal_size_of(io::stdout()).map(|(w, _)| usize::from(w.0)))
        .unwrap_or(Style::default().width)
}

fn no_color_unset() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

impl OutputArgs {
    fn into_request(
        self,
        paths: Vec<PathBuf>,
        matches: &ArgMatches,
    ) -> (Request, Format, Style, Option<PathBuf>) {
        let request = Request {
            paths,
            config: self.config,
            overrides: self.severities.overrides(matches),
            deny_warnings: self.deny_warnings,
            max_file_size: self.max_file_size,
            provisioning: None,
            live: Vec::new(),
            quota_snapshot: None,
            stdin_filename: self.stdin_filename,
            catalog: self.catalog,
        };
        let color = match self.color {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto => {
                self.output.is_none() && io::stdout().is_terminal() && no_color_unset()
            }
        };
        let format = match self.format {
            FormatArg::Human => Format::Human,
            FormatArg::Json => Format::Json,
            FormatArg::Sarif => Format::Sarif,
            FormatArg::Github => Format::Github,
        };
        (
            request,
            format,
            Style {
                color,
                width: terminal_width(),
                quiet: self.quiet,
            },
            self.output,
        )
    }
}

/// Runs a command whose report goes to `--output FILE` when given (written
/// once the report is whole), else to `out`.
fn to_output(
    path: Option<PathBuf>,
    out: &mut dyn Write,
    err: &mut dyn Write,
    command: impl FnOnce(&mut dyn Write, &mut dyn Write) -> io::Result<u8>,
) -> io::Result<u8> {
    let Some(path) = path else {
        return command(out, err);
    };
    let mut report = Vec::new();
    let status = command(&mut report, err)?;
    match std::fs::write(&path, report) {
        Ok(()) => Ok(status),
        Err(e) => {
            writeln!(
                err,
                "error: cannot write the report to `{}`: {e}",
                awscluster_lint::diagnostic::escape::escape(&path.display().to_string())
            )?;
            Ok(EXIT_FAILURE)
        }
    }
}

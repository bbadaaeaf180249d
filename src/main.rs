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
    /// Explain one rule: what it checks, why it matters, an example.
    Explain {
        /// A rule code, such as `pools/master-size`.
        code: String,
    },
    /// Print a JSON Schema: the cluster spec (default), awscluster.toml, or
    /// the JSON report.
    Schema {
        #[arg(value_enum, default_value_t = SchemaArg::Cluster)]
        which: SchemaArg,
    },
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
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Check that the granted policies allow everything the required ones
    /// do (by default the four policies provisioning needs).
    Check {
        /// The policies the role is granted.
        #[arg(long, value_name = "FILE", required = true, num_args = 1..)]
        granted: Vec<PathBuf>,
        /// What is required: policy files, or lists of actions (one per
        /// line, optionally followed by resource ARNs) [default: the
        /// built-in policies].
        #[arg(long, value_name = "FILE", num_args = 1..)]
        required: Vec<PathBuf>,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Print the policies provisioning requires, ready to paste: one by
    /// name, or all of them.
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
        /// Policies to repack [default: the built-in policies].
        #[arg(long, value_name = "FILE", num_args = 1..)]
        required: Vec<PathBuf>,
        /// Write policy-1.json, policy-2.json, … here instead of printing
        /// a JSON array.
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
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
    /// Report a rule or group (or `all`) as an error.
    #[arg(short = 'D', long = "deny", value_name = "CODE")]
    deny: Vec<String>,
    /// Report a rule or group (or `all`) as a warning.
    #[arg(short = 'W', long = "warn", value_name = "CODE")]
    warn: Vec<String>,
    /// Turn a rule or group (or `all`) off.
    #[arg(short = 'A', long = "allow", value_name = "CODE")]
    allow: Vec<String>,
    /// Exit with status 1 on warnings too.
    #[arg(long)]
    deny_warnings: bool,
    /// When to colour the human format.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    color: ColorArg,
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
enum SchemaArg {
    Cluster,
    Config,
    Report,
}

fn main() -> ExitCode {
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
    let mut out = io::stdout().lock();
    let mut err = io::stderr().lock();
    let result = run(cli.command, &matches, &mut out, &mut err);
    let flushed = result.and_then(|code| out.flush().map(|()| code));
    match flushed {
        Ok(code) => ExitCode::from(code),
        // A reader that stopped reading (`| head`) is not a failure.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
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
        Command::Lint { paths, output } => {
            let (request, format, style) = output.into_request(paths, sub(&["lint"]));
            commands::lint(&request, &cwd, format, style, out, err)
        }
        Command::Iam(IamCommand::Lint {
            paths,
            usage,
            output,
        }) => {
            let (request, format, style) = output.into_request(paths, sub(&["iam", "lint"]));
            let usage = match usage {
                UsageArg::Managed => Usage::Managed,
                UsageArg::InlineUser => Usage::InlineUser,
                UsageArg::InlineGroup => Usage::InlineGroup,
                UsageArg::InlineRole => Usage::InlineRole,
            };
            iam::lint(&request, usage, &cwd, format, style, out, err)
        }
        Command::Iam(IamCommand::Check {
            granted,
            required,
            output,
        }) => {
            let (request, format, style) = output.into_request(Vec::new(), sub(&["iam", "check"]));
            iam::check(&request, &granted, &required, &cwd, format, style, out, err)
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
        Command::Schema { which } => {
            let which = match which {
                SchemaArg::Cluster => Schema::Cluster,
                SchemaArg::Config => Schema::Config,
                SchemaArg::Report => Schema::Report,
            };
            commands::schema(which, out).map(|()| 0)
        }
    }
}

fn plain_style() -> Style {
    Style {
        color: io::stderr().is_terminal() && no_color_unset(),
        ..Style::default()
    }
}

fn no_color_unset() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

impl OutputArgs {
    fn into_request(self, paths: Vec<PathBuf>, matches: &ArgMatches) -> (Request, Format, Style) {
        // -D/-W/-A apply in the order given, later ones winning, so they
        // are merged back into command-line order.
        let mut overrides: Vec<(usize, String, Option<Severity>)> = Vec::new();
        for (id, values, level) in [
            ("deny", &self.deny, Some(Severity::Error)),
            ("warn", &self.warn, Some(Severity::Warning)),
            ("allow", &self.allow, None),
        ] {
            let indices = matches.indices_of(id).into_iter().flatten();
            overrides.extend(
                indices
                    .zip(values)
                    .map(|(i, code)| (i, code.clone(), level)),
            );
        }
        overrides.sort_by_key(|(i, _, _)| *i);
        let request = Request {
            paths,
            config: self.config,
            overrides: overrides
                .into_iter()
                .map(|(_, code, level)| (code, level))
                .collect(),
            deny_warnings: self.deny_warnings,
        };
        let color = match self.color {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto => io::stdout().is_terminal() && no_color_unset(),
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
                ..Style::default()
            },
        )
    }
}

//! The `awscluster` command line: parses arguments and dispatches to the
//! library. Nothing here decides anything about a cluster.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use awscluster_lint::Severity;
use awscluster_lint::commands::{self, EXIT_FAILURE, ExplainError, RulesFormat, Schema};
use awscluster_lint::report::{Format, Style};
use awscluster_lint::run::Request;
use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

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
    Lint(LintArgs),
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

#[derive(clap::Args)]
struct LintArgs {
    /// Spec files and directories [default: .]
    paths: Vec<PathBuf>,
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
    let result = match cli.command {
        Command::Lint(args) => {
            let lint_matches = matches.subcommand_matches("lint").expect("lint was parsed");
            run_lint(args, lint_matches, &mut out, &mut err)
        }
        Command::Rules { format } => {
            let format = match format {
                RulesFormatArg::Text => RulesFormat::Text,
                RulesFormatArg::Markdown => RulesFormat::Markdown,
                RulesFormatArg::Json => RulesFormat::Json,
            };
            commands::rules(format, &mut out).map(|()| 0)
        }
        Command::Explain { code } => match commands::explain(&code, &mut out) {
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
            commands::schema(which, &mut out).map(|()| 0)
        }
    };
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

fn run_lint(
    args: LintArgs,
    matches: &ArgMatches,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<u8> {
    // -D/-W/-A apply in the order given, later ones winning, so they are
    // merged back into command-line order.
    let mut overrides: Vec<(usize, String, Option<Severity>)> = Vec::new();
    for (id, values, level) in [
        ("deny", &args.deny, Some(Severity::Error)),
        ("warn", &args.warn, Some(Severity::Warning)),
        ("allow", &args.allow, None),
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
        paths: args.paths,
        config: args.config,
        overrides: overrides
            .into_iter()
            .map(|(_, code, level)| (code, level))
            .collect(),
        deny_warnings: args.deny_warnings,
    };
    let color = match args.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => {
            io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let format = match args.format {
        FormatArg::Human => Format::Human,
        FormatArg::Json => Format::Json,
        FormatArg::Sarif => Format::Sarif,
        FormatArg::Github => Format::Github,
    };
    let cwd = std::env::current_dir()?;
    let style = Style {
        color,
        ..Style::default()
    };
    commands::lint(&request, &cwd, format, style, out, err)
}

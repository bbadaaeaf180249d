//! Progress of long work on stderr: a line per finished step, and on a
//! terminal a status line, redrawn in place, naming what is in flight.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::Instant;

use awscluster_lint::diagnostic::escape::escape;

pub struct Progress {
    started: Instant,
    live: bool,
    /// Prints nothing (a benchmark's run).
    silent: bool,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    in_flight: Vec<String>,
    status_shown: bool,
}

impl Progress {
    /// A live status line only on a terminal; plain lines otherwise (CI
    /// logs, pipes).
    pub fn stderr() -> Progress {
        Progress::new(
            std::io::stderr().is_terminal() && std::env::var_os("TERM").is_none_or(|t| t != "dumb"),
        )
    }

    pub fn new(live: bool) -> Progress {
        Progress {
            started: Instant::now(),
            live,
            silent: false,
            state: Mutex::new(State::default()),
        }
    }

    pub fn quiet(mut self) -> Progress {
        self.silent = true;
        self
    }

    pub fn elapsed_secs(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    pub fn start(&self, what: &str) {
        let mut state = self.lock();
        state.in_flight.push(what.to_string());
        self.redraw(&mut state, None);
    }

    /// `what` finished; `line` is what to say about it.
    pub fn finish(&self, what: &str, line: &str) {
        let mut state = self.lock();
        if let Some(i) = state.in_flight.iter().position(|w| w == what) {
            state.in_flight.remove(i);
        }
        self.redraw(&mut state, Some(line));
    }

    /// `what` finished with nothing to say.
    pub fn finish_quietly(&self, what: &str) {
        let mut state = self.lock();
        if let Some(i) = state.in_flight.iter().position(|w| w == what) {
            state.in_flight.remove(i);
        }
        self.redraw(&mut state, None);
    }

    /// A line that is not about one step.
    pub fn say(&self, line: &str) {
        let mut state = self.lock();
        self.redraw(&mut state, Some(line));
    }

    /// Clears the status line before a final report.
    pub fn clear(&self) {
        let mut state = self.lock();
        if state.status_shown {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            state.status_shown = false;
        }
    }

    fn redraw(&self, state: &mut State, line: Option<&str>) {
        if self.silent {
            return;
        }
        let mut err = std::io::stderr().lock();
        if state.status_shown {
            let _ = write!(err, "\r\x1b[2K");
            state.status_shown = false;
        }
        if let Some(line) = line {
            // Lines quote AWS's error messages: escaped, as all input is.
            let _ = writeln!(err, "[{:>6.1}s] {}", self.elapsed_secs(), escape(line));
        }
        if self.live && !state.in_flight.is_empty() {
            let mut status = format!(
                "… {} in progress: {}",
                state.in_flight.len(),
                escape(&state.in_flight.join(", "))
            );
            // One terminal row: a wrapped status line cannot be redrawn.
            let width = terminal_width();
            if status.chars().count() > width {
                status = status
                    .chars()
                    .take(width.saturating_sub(1))
                    .collect::<String>()
                    + "…";
            }
            let _ = write!(err, "{status}");
            state.status_shown = true;
        }
        let _ = err.flush();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .filter(|&c: &usize| c > 20)
        .unwrap_or(100)
}

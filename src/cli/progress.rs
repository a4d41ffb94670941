//! A progress line on standard error for long `campaign evaluate` runs.
//!
//! Drawn only when it cannot get in anyone's way: standard error is a
//! terminal (and not `TERM=dumb`), `--quiet` was not given, the results on
//! standard output are not going to the same screen while the run lasts, and
//! the run has already taken a second (short runs never flash a line). Set
//! `CAMPAIGN_PROGRESS=always` to draw it anyway, from the start (for tests and
//! logs), or `CAMPAIGN_PROGRESS=never` to never draw it.
//!
//! The evaluating thread only stores a count in an atomic once per chunk of
//! records ([`Progress::set`]); a drawer thread samples it (and the input's
//! read offset, through a duplicate of its file descriptor) ten times a second
//! and redraws one line: `\r`, the text, and "erase to the end of the line".
//! Anything else printed on standard error while the line may be drawn goes
//! through [`Progress::suspend`], which clears the line first, and
//! [`Progress::finish`] clears it before the summary.
//!
//! Why not indicatif (considered for issue 15): its rate and ETA come from its own estimator
//! over the ticks it is given, not from the input's read offset sampled through a duplicate
//! descriptor over a five-second window; it hides itself off a terminal, where
//! `CAMPAIGN_PROGRESS=always` must draw (the tests and logs read those frames); and the
//! staged labels, the bar dropped first on a narrow terminal and `suspend` around whole
//! stderr lines would each need a custom template or draw target. Keeping this tested
//! behaviour with indicatif would not have made the module smaller.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{IsTerminal, Seek, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How often the line is redrawn.
const TICK: Duration = Duration::from_millis(100);
/// How long a run goes before the line appears (unless forced).
const DELAY: Duration = Duration::from_secs(1);
/// The span over which rates (and so ETAs) are measured.
const WINDOW: Duration = Duration::from_secs(5);
/// The width of the bar, in cells.
const BAR: usize = 20;
/// The bar's priority in [`fit`] (the first part dropped), and the room it needs to spare.
const BAR_KEEP: u8 = 4;
const BAR_SPARE: usize = 16;
/// Moves to the start of the line; erases to its end.
const CLEAR: &str = "\r\x1b[K";

/// What the run is doing, for the label and what can be estimated.
pub use crate::batch::Stage;

/// When the line may be drawn.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// `--quiet`: never draw.
    pub quiet: bool,
    /// The input is read whole before its first record (a `.json` file): its
    /// size measures only that read, not the records.
    pub whole_input_first: bool,
    /// Nothing is written on standard output while the run lasts (the results
    /// go to `-o FILE`), so the line may be drawn even when standard output is
    /// the same terminal.
    pub results_at_end: bool,
}

/// The progress line of one run; does nothing when it is not to be drawn.
pub struct Progress {
    inner: Option<Inner>,
}

struct Inner {
    shared: Arc<Shared>,
    stop: Mutex<Option<(Sender<()>, JoinHandle<()>)>>,
}

struct Shared {
    start: Instant,
    /// Records done in this stage, published once per chunk.
    done: AtomicU64,
    /// A duplicate of the input's descriptor (same offset): bytes consumed so far.
    position: Option<File>,
    /// `CAMPAIGN_PROGRESS=always`: drawn from the start, even off a terminal.
    forced: bool,
    screen: Mutex<Screen>,
}

struct Screen {
    meter: Meter,
    /// Whether the line is on the screen now.
    drawn: bool,
    finished: bool,
}

/// What `CAMPAIGN_PROGRESS` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Auto,
    Always,
    Never,
}

impl Mode {
    fn from_env() -> Mode {
        match std::env::var("CAMPAIGN_PROGRESS").as_deref() {
            Ok("always") => Mode::Always,
            Ok("never") => Mode::Never,
            _ => Mode::Auto,
        }
    }
}

impl Progress {
    /// A progress line that is never drawn.
    pub fn off() -> Progress {
        Progress { inner: None }
    }

    /// Starts the progress line of a run reading `input` (drawn only as the
    /// module documentation says; otherwise no thread is started).
    pub fn start(input: &File, options: Options) -> Progress {
        let mode = Mode::from_env();
        let on = !options.quiet
            && match mode {
                Mode::Always => true,
                Mode::Never => false,
                Mode::Auto => {
                    std::io::stderr().is_terminal()
                        && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
                        && (options.results_at_end || !std::io::stdout().is_terminal())
                }
            };
        if !on {
            return Progress::off();
        }
        // Only a regular file has a size to measure progress against.
        let total = input.metadata().ok().filter(|m| m.is_file()).map(|m| m.len());
        let position = total.and_then(|_| input.try_clone().ok());
        let shared = Arc::new(Shared {
            start: Instant::now(),
            done: AtomicU64::new(0),
            forced: mode == Mode::Always,
            screen: Mutex::new(Screen {
                meter: Meter::new(total.filter(|_| position.is_some()), options.whole_input_first),
                drawn: false,
                finished: false,
            }),
            position,
        });
        if shared.forced {
            shared.draw(&mut lock(&shared.screen));
        }
        let (tx, rx) = mpsc::channel::<()>();
        let drawer = {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new().name("progress".into()).spawn(move || {
                // Dropping the sender (or sending) stops the drawer at once.
                while let Err(RecvTimeoutError::Timeout) = rx.recv_timeout(TICK) {
                    let mut screen = lock(&shared.screen);
                    if shared.forced || shared.start.elapsed() >= DELAY {
                        shared.draw(&mut screen);
                    } else {
                        shared.sample(&mut screen);
                    }
                }
            })
        };
        match drawer {
            Ok(handle) => Progress {
                inner: Some(Inner {
                    shared,
                    stop: Mutex::new(Some((tx, handle))),
                }),
            },
            Err(_) => {
                shared.clear(&mut lock(&shared.screen));
                Progress::off()
            }
        }
    }

    /// Publishes the number of records done in the current stage (call once
    /// per chunk: it is one atomic store).
    pub fn set(&self, done: usize) {
        if let Some(inner) = &self.inner {
            inner.shared.done.store(count(done), Ordering::Relaxed);
        }
    }

    /// Moves on to another stage; counting starts again from 0.
    pub fn stage(&self, stage: Stage) {
        if let Some(inner) = &self.inner {
            let shared = &inner.shared;
            let mut screen = lock(&shared.screen);
            let done = shared.done.swap(0, Ordering::Relaxed);
            let bytes = shared.bytes();
            screen.meter.stage(stage, shared.start.elapsed(), done, bytes);
        }
    }

    /// Runs `print` (which writes whole lines on standard error) with the
    /// line cleared, and draws the line again after it.
    pub fn suspend<R>(&self, print: impl FnOnce() -> R) -> R {
        let Some(inner) = &self.inner else {
            return print();
        };
        let shared = &inner.shared;
        let mut screen = lock(&shared.screen);
        let drawn = screen.drawn;
        shared.clear(&mut screen);
        let result = print();
        if drawn {
            shared.draw(&mut screen);
        }
        result
    }

    /// Ends the line after `done` records of the current stage: stops the
    /// drawer and clears the line, so that whatever comes next starts on a
    /// clean line. (When forced, the final state is drawn first.)
    pub fn finish(&self, done: usize) {
        let Some(inner) = &self.inner else {
            return;
        };
        inner.stop_drawer();
        let shared = &inner.shared;
        let mut screen = lock(&shared.screen);
        if screen.finished {
            return;
        }
        if shared.forced {
            shared.done.store(count(done), Ordering::Relaxed);
            shared.draw(&mut screen);
        }
        shared.clear(&mut screen);
        screen.finished = true;
    }
}

/// The batch's progress reports, drawn on the line.
impl crate::batch::Observer for Progress {
    fn stage(&self, stage: Stage) {
        Progress::stage(self, stage);
    }

    fn progress(&self, done: usize) {
        self.set(done);
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(inner) = &self.inner {
            inner.stop_drawer();
            let mut screen = lock(&inner.shared.screen);
            inner.shared.clear(&mut screen);
            screen.finished = true;
        }
    }
}

impl Inner {
    fn stop_drawer(&self) {
        let stop = lock(&self.stop).take();
        if let Some((tx, handle)) = stop {
            drop(tx);
            let _ = handle.join();
        }
    }
}

impl Shared {
    fn bytes(&self) -> Option<u64> {
        let mut file = self.position.as_ref()?;
        file.stream_position().ok()
    }

    fn sample(&self, screen: &mut Screen) {
        let done = self.done.load(Ordering::Relaxed);
        screen.meter.sample(self.start.elapsed(), done, self.bytes());
    }

    fn draw(&self, screen: &mut Screen) {
        if screen.finished {
            return;
        }
        self.sample(screen);
        let line = screen.meter.line(width());
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r{line}\x1b[K");
        let _ = err.flush();
        screen.drawn = true;
    }

    fn clear(&self, screen: &mut Screen) {
        if screen.drawn {
            let mut err = std::io::stderr().lock();
            let _ = err.write_all(CLEAR.as_bytes());
            let _ = err.flush();
            screen.drawn = false;
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// The columns the line may take: one less than the terminal's, so that
/// the cursor never wraps.
fn width() -> usize {
    terminal_size::terminal_size_of(std::io::stderr())
        .map(|(w, _)| usize::from(w.0))
        .or_else(|| std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()))
        .unwrap_or(80)
        .saturating_sub(1)
}

/// One observation: when, records done in the stage, bytes consumed.
#[derive(Debug, Clone, Copy)]
struct Sample {
    at: Duration,
    done: u64,
    bytes: Option<u64>,
}

/// Turns samples into the text of the line; the clock is whatever `at` the
/// samples say, so that tests can drive it.
#[derive(Debug)]
struct Meter {
    /// The input's size, when it is a regular file.
    total: Option<u64>,
    whole_input_first: bool,
    stage: Stage,
    /// When the stage began, and the records done before it (for `Evaluating`).
    stage_start: Duration,
    before: u64,
    /// The samples of the last [`WINDOW`], oldest first (never empty).
    samples: VecDeque<Sample>,
}

impl Meter {
    fn new(total: Option<u64>, whole_input_first: bool) -> Meter {
        Meter {
            total,
            whole_input_first,
            stage: Stage::Streaming,
            stage_start: Duration::ZERO,
            before: 0,
            samples: VecDeque::from([Sample {
                at: Duration::ZERO,
                done: 0,
                bytes: total.map(|_| 0),
            }]),
        }
    }

    fn stage(&mut self, stage: Stage, at: Duration, done: u64, bytes: Option<u64>) {
        self.stage = stage;
        self.stage_start = at;
        self.before = done;
        self.samples.clear();
        self.samples.push_back(Sample { at, done: 0, bytes });
    }

    fn sample(&mut self, at: Duration, done: u64, bytes: Option<u64>) {
        // Once a `.json` file is loaded, the rate of records is measured from then on.
        if self.whole_input_first && done > 0 && self.samples.back().is_some_and(|s| s.done == 0) {
            self.samples.drain(..self.samples.len().saturating_sub(1));
        }
        self.samples.push_back(Sample { at, done, bytes });
        while self.samples.len() > 2 && self.samples.get(1).is_some_and(|s| at.saturating_sub(s.at) >= WINDOW) {
            self.samples.pop_front();
        }
    }

    fn last(&self) -> Sample {
        self.samples.back().copied().unwrap_or(Sample {
            at: self.stage_start,
            done: 0,
            bytes: None,
        })
    }

    /// Units per second of `value` over the window (none until it spans a
    /// fifth of a second).
    fn rate(&self, value: impl Fn(&Sample) -> Option<u64>) -> Option<f64> {
        let (first, last) = (self.samples.front()?, self.samples.back()?);
        let seconds = last.at.saturating_sub(first.at).as_secs_f64();
        if seconds < 0.2 {
            return None;
        }
        let gained = value(last)?.saturating_sub(value(first)?);
        Some(gained as f64 / seconds)
    }

    /// The line, at most `width` characters.
    fn line(&self, width: usize) -> String {
        let last = self.last();
        let elapsed = format!("elapsed {}", clock(last.at.saturating_sub(self.stage_start)));
        let records_rate = || self.rate(|s| Some(s.done)).map(|r| format!("{}/s", rate(r)));
        let label = match self.stage {
            Stage::Streaming => "",
            Stage::Reading => "reading",
            Stage::Evaluating => "evaluating",
            Stage::Writing(_) => "writing",
        };
        // Parts, each with the priority with which it is kept when the line
        // is too wide (higher goes first).
        let mut parts: Vec<(u8, String)> = Vec::new();
        match (self.stage, self.total, last.bytes) {
            (Stage::Evaluating, ..) => {
                parts.push((0, labelled(label, format!("{} records", thousands(self.before)))));
                parts.push((1, elapsed));
            }
            (Stage::Writing(of), ..) => {
                let of = count(of);
                let fraction = if of == 0 { 1.0 } else { last.done as f64 / of as f64 };
                parts.push((0, labelled(label, percent(fraction))));
                parts.push((BAR_KEEP, bar(fraction)));
                parts.push((1, format!("{} of {} results", thousands(last.done), thousands(of))));
                if let Some(r) = records_rate() {
                    parts.push((3, r));
                }
                let eta = self
                    .rate(|s| Some(s.done))
                    .and_then(|r| eta(of.saturating_sub(last.done), r));
                parts.push((2, eta.unwrap_or(elapsed)));
            }
            // The size measures reading: while a `.json` file is loaded, or as records stream.
            (Stage::Streaming | Stage::Reading, Some(total), Some(bytes))
                if !self.whole_input_first || (last.done == 0 && bytes < total) =>
            {
                let fraction = if total == 0 { 1.0 } else { bytes as f64 / total as f64 };
                let label = if self.whole_input_first { "loading" } else { label };
                parts.push((0, labelled(label, percent(fraction))));
                parts.push((BAR_KEEP, bar(fraction)));
                parts.push((3, sizes(bytes, total)));
                if !self.whole_input_first {
                    parts.push((1, format!("{} records", thousands(last.done))));
                    if let Some(r) = records_rate() {
                        parts.push((2, r));
                    }
                }
                let eta = self.rate(|s| s.bytes).and_then(|r| eta(total.saturating_sub(bytes), r));
                parts.push((0, eta.unwrap_or(elapsed)));
            }
            (Stage::Streaming | Stage::Reading, ..) => {
                parts.push((0, labelled(label, format!("{} records", thousands(last.done)))));
                if let Some(r) = records_rate() {
                    parts.push((2, r));
                }
                parts.push((1, elapsed));
            }
        }
        fit(parts, width)
    }
}

/// `text` after the stage's label, if any.
fn labelled(label: &str, text: String) -> String {
    if label.is_empty() {
        text
    } else {
        format!("{label} {text}")
    }
}

/// Joins the parts, dropping the least important ones (then cutting) until
/// the line fits in `width` characters.
fn fit(mut parts: Vec<(u8, String)>, width: usize) -> String {
    loop {
        let line = parts.iter().map(|(_, p)| p.as_str()).collect::<Vec<_>>().join("  ");
        // The bar needs room to spare, so that it does not come and go as
        // counts grow and the rate and ETA appear.
        let spare = if parts.iter().any(|(keep, _)| *keep == BAR_KEEP) {
            BAR_SPARE
        } else {
            0
        };
        if line.chars().count().saturating_add(spare) <= width {
            return line;
        }
        let least = parts
            .iter()
            .enumerate()
            .max_by_key(|(i, (keep, _))| (*keep, *i))
            .map(|(i, _)| i);
        match least {
            Some(i) if parts.len() > 1 => {
                parts.remove(i);
            }
            _ => return line.chars().take(width).collect(),
        }
    }
}

fn bar(fraction: f64) -> String {
    let full = ((fraction.clamp(0.0, 1.0) * BAR as f64) as usize).min(BAR);
    format!("{}{}", "█".repeat(full), "░".repeat(BAR - full))
}

fn percent(fraction: f64) -> String {
    format!("{:>3}%", (fraction.clamp(0.0, 1.0) * 100.0).floor() as u64)
}

/// The time left to do `remaining` units at `rate` per second, if there is a rate.
fn eta(remaining: u64, rate: f64) -> Option<String> {
    if remaining == 0 {
        return Some(format!("ETA {}", clock(Duration::ZERO)));
    }
    if rate <= 0.0 {
        return None;
    }
    let seconds = (remaining as f64 / rate).ceil();
    (seconds < 1e9).then(|| format!("ETA {}", clock(Duration::from_secs(seconds as u64))))
}

/// `m:ss`, or `h:mm:ss` from an hour.
fn clock(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// A rate: one decimal below 10, whole numbers with separators above.
fn rate(r: f64) -> String {
    if r < 10.0 {
        format!("{r:.1}")
    } else {
        thousands(r.round() as u64)
    }
}

/// `1234567` as `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `done/total` in bytes, the unit written once when they share it: `123/232 MiB`.
fn sizes(done: u64, total: u64) -> String {
    let (done, total) = (size(done), size(total));
    match (done.split_once(' '), total.split_once(' ')) {
        (Some((d, unit)), Some((t, same))) if unit == same => format!("{d}/{t} {unit}"),
        _ => format!("{done}/{total}"),
    }
}

/// A size in bytes with binary units: `512 B`, `1.5 KiB`, `12 MiB`, `2.5 GiB`.
fn size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64;
    let mut unit = "B";
    for u in UNITS {
        if value < 1024.0 {
            break;
        }
        value /= 1024.0;
        unit = u;
    }
    if value < 10.0 {
        format!("{value:.1} {unit}")
    } else {
        format!("{value:.0} {unit}")
    }
}

#[cfg(test)]
#[expect(
    clippy::unwrap_used,
    reason = "a test stops at its first surprise: unwrap says plainly what went wrong"
)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn numbers_sizes_and_clocks() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(size(0), "0 B");
        assert_eq!(size(1023), "1023 B");
        assert_eq!(size(1536), "1.5 KiB");
        assert_eq!(size(12 << 20), "12 MiB");
        assert_eq!(size(5 << 29), "2.5 GiB");
        assert_eq!(sizes(123 << 20, 232 << 20), "123/232 MiB");
        assert_eq!(sizes(950 << 20, 5 << 29), "950 MiB/2.5 GiB");
        assert_eq!(clock(Duration::from_secs(7)), "0:07");
        assert_eq!(clock(Duration::from_secs(754)), "12:34");
        assert_eq!(clock(Duration::from_secs(3723)), "1:02:03");
        assert_eq!(rate(3.25), "3.2");
        assert_eq!(rate(412_345.4), "412,345");
        assert_eq!(percent(0.479), " 47%");
        assert_eq!(percent(1.5), "100%");
        assert_eq!(bar(0.5), format!("{}{}", "█".repeat(10), "░".repeat(10)));
        assert_eq!(bar(-1.0), "░".repeat(20));
    }

    #[test]
    fn a_file_of_known_size_shows_the_share_read_the_rate_and_the_eta() {
        let mut m = Meter::new(Some(1000), false);
        m.sample(ms(1000), 2_000, Some(100));
        m.sample(ms(2000), 4_000, Some(200));
        // 100 bytes/s over the window with 800 to go: 8 s.
        assert_eq!(
            m.line(200),
            format!(" 20%  {}  200/1000 B  4,000 records  2,000/s  ETA 0:08", bar(0.2))
        );
    }

    #[test]
    fn the_rate_is_measured_over_the_last_seconds_only() {
        let mut m = Meter::new(Some(1 << 30), false);
        // Slow at first, then 1,000/s.
        m.sample(ms(10_000), 10, Some(10));
        for s in 11..=20 {
            m.sample(ms(s * 1000), 10 + (s - 10) * 1000, Some(10));
        }
        assert!(m.line(200).contains("  1,000/s"), "{}", m.line(200));
    }

    #[test]
    fn no_rate_or_eta_before_there_is_anything_to_measure() {
        let m = Meter::new(Some(1000), false);
        assert_eq!(
            m.line(200),
            format!("  0%  {}  0/1000 B  0 records  elapsed 0:00", bar(0.0))
        );
    }

    #[test]
    fn a_pipe_shows_records_rate_and_elapsed_time_but_no_eta() {
        let mut m = Meter::new(None, false);
        m.sample(ms(1500), 3_000, None);
        assert_eq!(m.line(200), "3,000 records  2,000/s  elapsed 0:01");
    }

    #[test]
    fn a_json_file_shows_its_loading_then_only_records() {
        let mut m = Meter::new(Some(4 << 20), true);
        m.sample(ms(1000), 0, Some(1 << 20));
        assert_eq!(
            m.line(200),
            format!("loading  25%  {}  1.0/4.0 MiB  ETA 0:03", bar(0.25))
        );
        m.sample(ms(4000), 0, Some(4 << 20));
        m.sample(ms(5000), 500, Some(4 << 20));
        // The rate is measured from the end of the loading.
        assert_eq!(m.line(200), "500 records  500/s  elapsed 0:05");
    }

    #[test]
    fn budgets_read_then_evaluate_then_write() {
        let mut m = Meter::new(Some(1000), false);
        m.stage(Stage::Reading, ms(0), 0, Some(0));
        m.sample(ms(2000), 600, Some(500));
        assert_eq!(
            m.line(200),
            format!("reading  50%  {}  500/1000 B  600 records  300/s  ETA 0:02", bar(0.5))
        );
        m.stage(Stage::Evaluating, ms(4000), 1200, Some(1000));
        m.sample(ms(9000), 0, Some(1000));
        assert_eq!(m.line(200), "evaluating 1,200 records  elapsed 0:05");
        m.stage(Stage::Writing(1200), ms(9000), 0, Some(1000));
        m.sample(ms(10_000), 300, Some(1000));
        assert_eq!(
            m.line(200),
            format!("writing  25%  {}  300 of 1,200 results  300/s  ETA 0:03", bar(0.25))
        );
    }

    #[test]
    fn a_narrow_terminal_drops_the_bar_first_and_never_overflows() {
        let mut m = Meter::new(Some(1000), false);
        m.sample(ms(1000), 2_000, Some(100));
        m.sample(ms(2000), 4_000, Some(200));
        let full = " 20%  200/1000 B  4,000 records  2,000/s  ETA 0:08";
        assert_eq!(m.line(200), full.replacen("  ", &format!("  {}  ", bar(0.2)), 1));
        let with_bar = full.replacen("  ", &format!("  {}  ", bar(0.2)), 1);
        assert_eq!(m.line(with_bar.chars().count() + BAR_SPARE), with_bar);
        assert_eq!(m.line(with_bar.chars().count() + BAR_SPARE - 1), full);
        assert_eq!(m.line(full.len()), full);
        assert_eq!(m.line(full.len() - 1), " 20%  4,000 records  2,000/s  ETA 0:08");
        assert_eq!(m.line(30), " 20%  4,000 records  ETA 0:08");
        assert_eq!(m.line(20), " 20%  ETA 0:08");
        assert_eq!(m.line(3), " 20");
        for width in 0..80 {
            assert!(m.line(width).chars().count() <= width, "{width}");
        }
    }

    #[test]
    fn an_empty_file_or_a_finished_stage_is_done() {
        let m = Meter::new(Some(0), false);
        assert!(m.line(200).starts_with("100%"));
        let mut m = Meter::new(Some(10), false);
        m.sample(ms(3000), 5, Some(10));
        assert!(m.line(200).ends_with("ETA 0:00"), "{}", m.line(200));
    }

    #[test]
    fn the_window_keeps_a_few_seconds() {
        let mut m = Meter::new(None, false);
        for t in 1..=100 {
            m.sample(ms(t * 100), t, None);
        }
        assert!(m.samples.len() <= 52, "{}", m.samples.len());
        assert!(m.samples.front().unwrap().at >= ms(4900));
    }
}

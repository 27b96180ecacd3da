//! Progress of a long build on a terminal: after a second, one line on standard error says
//! which step is running and for how long; it is erased when the build ends, and paused while
//! diagnostics are printed. Nothing is drawn when standard error is not a terminal.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long a build runs before progress is shown.
const DELAY: Duration = Duration::from_secs(1);

/// How often the line is redrawn.
const TICK: Duration = Duration::from_millis(100);

/// The steps of a build, in order.
pub(crate) const STEPS: [&str; 4] = ["reading", "compiling", "emitting", "writing"];

#[derive(Default)]
struct State {
    /// The step running (an index into [`STEPS`]), or `None` while paused.
    step: Option<usize>,
    /// Whether a line is on the screen.
    drawn: bool,
}

/// What the drawing thread and the build share: the state, the end signal, and the thread.
struct Running {
    state: Arc<Mutex<State>>,
    done: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

/// A progress line drawn by a thread of its own; [`Progress::off`] draws nothing.
pub(crate) struct Progress {
    shared: Option<Running>,
}

impl Progress {
    /// No progress: not a terminal, or output for machines.
    pub(crate) fn off() -> Progress {
        Progress { shared: None }
    }

    /// Progress drawn to `out` after `delay`.
    pub(crate) fn start(mut out: Box<dyn Write + Send>, delay: Duration) -> Progress {
        let state = Arc::new(Mutex::new(State::default()));
        let done = Arc::new(AtomicBool::new(false));
        let (thread_state, thread_done) = (Arc::clone(&state), Arc::clone(&done));
        let started = Instant::now();
        let handle = std::thread::spawn(move || {
            while !thread_done.load(Ordering::Acquire) {
                std::thread::sleep(TICK);
                let elapsed = started.elapsed();
                if elapsed < delay {
                    continue;
                }
                let Ok(mut state) = thread_state.lock() else { return };
                if let Some(step) = state.step {
                    let _ = write!(out, "\r\x1b[K{}", line(step, elapsed));
                    let _ = out.flush();
                    state.drawn = true;
                }
            }
            if let Ok(state) = thread_state.lock()
                && state.drawn
            {
                let _ = write!(out, "\r\x1b[K");
                let _ = out.flush();
            }
        });
        Progress { shared: Some(Running { state, done, thread: handle }) }
    }

    /// Progress on standard error, if `enabled`.
    pub(crate) fn on_stderr(enabled: bool) -> Progress {
        if enabled { Progress::start(Box::new(std::io::stderr()), DELAY) } else { Progress::off() }
    }

    /// Step `step` of [`STEPS`] is running.
    pub(crate) fn step(&self, step: usize) {
        if let Some(running) = &self.shared
            && let Ok(mut state) = running.state.lock()
        {
            state.step = Some(step);
        }
    }

    /// Stops drawing and erases the line, so that other output can be printed; the next
    /// [`Progress::step`] resumes.
    pub(crate) fn pause(&self, out: &mut dyn Write) {
        if let Some(running) = &self.shared
            && let Ok(mut state) = running.state.lock()
        {
            state.step = None;
            if state.drawn {
                let _ = write!(out, "\r\x1b[K");
                let _ = out.flush();
                state.drawn = false;
            }
        }
    }

    /// Ends the progress and erases its line.
    pub(crate) fn finish(self) {
        if let Some(running) = self.shared {
            running.done.store(true, Ordering::Release);
            let _ = running.thread.join();
        }
    }
}

/// The progress line: a bar of the steps, the step's name and the time so far.
fn line(step: usize, elapsed: Duration) -> String {
    let bar: String = (0..STEPS.len()).map(|i| if i <= step { '■' } else { '□' }).collect();
    let name = STEPS.get(step).copied().unwrap_or("working");
    format!("{bar} {name}… {:.1} s", elapsed.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer the test can read after the thread is done.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().map_err(|_| std::io::Error::other("poisoned"))?.extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn text(out: &Shared) -> String {
        String::from_utf8(out.0.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn the_line_shows_the_step_on_a_bar() {
        assert_eq!(line(0, Duration::from_millis(1250)), "■□□□ reading… 1.2 s");
        assert_eq!(line(3, Duration::from_secs(12)), "■■■■ writing… 12.0 s");
    }

    #[test]
    fn a_build_longer_than_the_delay_draws_a_line_and_erases_it() {
        let out = Shared::default();
        let progress = Progress::start(Box::new(out.clone()), Duration::ZERO);
        progress.step(2);
        std::thread::sleep(TICK * 4);
        progress.finish();
        let text = text(&out);
        assert!(text.contains("■■■□ emitting…"), "{text:?}");
        assert!(text.ends_with("\r\x1b[K"), "{text:?}");
    }

    #[test]
    fn a_short_build_draws_nothing() {
        let out = Shared::default();
        let progress = Progress::start(Box::new(out.clone()), Duration::from_secs(60));
        progress.step(1);
        std::thread::sleep(TICK * 2);
        progress.finish();
        assert_eq!(text(&out), "");
    }

    #[test]
    fn a_pause_erases_the_line_and_stops_drawing() {
        let out = Shared::default();
        let progress = Progress::start(Box::new(out.clone()), Duration::ZERO);
        progress.step(1);
        std::thread::sleep(TICK * 3);
        let mut pause_out = out.clone();
        progress.pause(&mut pause_out);
        let at_pause = text(&out).len();
        std::thread::sleep(TICK * 3);
        assert_eq!(text(&out).len(), at_pause, "nothing drawn while paused");
        progress.finish();
        assert!(text(&out).ends_with("\r\x1b[K"));
    }
}

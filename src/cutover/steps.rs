//! Timing a corte's steps one way: each step is measured, logged as one line
//! of the same shape (`cutover step`, with the corte, the step and its
//! milliseconds) and kept in order for the watcher's status file.

use std::future::Future;
use std::time::Instant;

/// A step of the cutover and how long it took.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct StepTime {
    pub step: String,
    pub ms: u64,
}

/// The timed steps of one corte, in the order they ran.
#[derive(Debug, Clone)]
pub struct Steps {
    corte: String,
    list: Vec<StepTime>,
}

impl Steps {
    pub fn new(corte: impl Into<String>) -> Steps {
        Steps {
            corte: corte.into(),
            list: Vec::new(),
        }
    }

    /// Runs `f` as the step `step`.
    pub fn time<T>(&mut self, step: &'static str, f: impl FnOnce() -> T) -> T {
        let t = Instant::now();
        let out = f();
        self.record(step, t);
        out
    }

    /// Awaits `f` as the step `step`.
    pub async fn time_async<T>(&mut self, step: &'static str, f: impl Future<Output = T>) -> T {
        let t = Instant::now();
        let out = f.await;
        self.record(step, t);
        out
    }

    fn record(&mut self, step: &'static str, started: Instant) {
        let ms = started.elapsed().as_millis() as u64;
        tracing::info!(corte = %self.corte, step, ms, "cutover step");
        self.list.push(StepTime {
            step: step.to_string(),
            ms,
        });
    }

    pub fn into_list(self) -> Vec<StepTime> {
        self.list
    }
}

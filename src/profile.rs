//! Where a long command's time and memory go, stage by stage: the seconds since the previous
//! stage and, when asked for, the process's peak resident memory within the stage (Linux:
//! `VmHWM` of `/proc/self/status`, reset to the current size after each reading by writing `5`
//! to `/proc/self/clear_refs`; `None` where either is unavailable). The reset also lowers what
//! `getrusage` and `time -v` report as the process's maximum, so it is off by default.

use std::time::Instant;

/// One closed stage.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Stage {
    pub name: &'static str,
    pub seconds: f64,
    /// Peak resident memory of the process during the stage, in bytes.
    pub peak_bytes: Option<u64>,
}

/// The stages so far; the current one runs from the last [`Profile::lap`] (or the start).
#[derive(Clone, Debug, serde::Serialize)]
pub struct Profile {
    pub stages: Vec<Stage>,
    #[serde(skip)]
    last: Instant,
    #[serde(skip)]
    memory: bool,
}

impl Default for Profile {
    /// Seconds only.
    fn default() -> Self {
        Self { stages: Vec::new(), last: Instant::now(), memory: false }
    }
}

impl Profile {
    /// Seconds and the peak memory of every stage.
    pub fn with_memory() -> Self {
        stage_peak();
        Self { memory: true, ..Self::default() }
    }

    /// Closes the current stage under `name`.
    pub fn lap(&mut self, name: &'static str) {
        let now = Instant::now();
        let seconds = (now - std::mem::replace(&mut self.last, now)).as_secs_f64();
        let peak_bytes = if self.memory { stage_peak() } else { None };
        self.stages.push(Stage { name, seconds, peak_bytes });
    }
}

/// The peak resident memory since the last call, then a reset of the peak.
fn stage_peak() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb = status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?.trim().strip_suffix("kB")?.trim().parse::<u64>().ok()?;
    std::fs::write("/proc/self/clear_refs", "5").ok()?;
    Some(kb * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stage that allocates 256 MiB and frees it peaks above it; the next stage does not (a
    /// stage's peak counts what is live when it starts).
    #[test]
    fn each_stage_reports_its_own_peak() {
        let mut p = Profile::with_memory();
        let big = vec![1u8; 256 << 20];
        std::hint::black_box(&big);
        drop(big);
        p.lap("allocate and free");
        p.lap("idle");
        assert!(Profile::default().stages.is_empty());
        let [Some(a), Some(b)] = [p.stages[0].peak_bytes, p.stages[1].peak_bytes] else { return };
        assert!(a >= 256 << 20, "{a}");
        assert!(a - b >= 200 << 20, "{a} then {b}");
    }
}

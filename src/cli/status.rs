use super::targets::{self, Common};
use crate::publish::status;

#[derive(clap::Args)]
pub struct Args {
    /// Targets (URLs or configured names); default: every configured target.
    pub targets: Vec<String>,
    /// Also (or only, with no targets) show a watcher's status: its state
    /// folder (INBOX/.state by default) or its status.json.
    #[arg(long, value_name = "STATE_DIR")]
    pub watcher: Option<std::path::PathBuf>,
    /// Print the watcher's status.json as it is (with --watcher).
    #[arg(long, requires = "watcher")]
    pub json: bool,
    /// How many of the latest pointer moves to list.
    #[arg(long, default_value_t = 10)]
    pub history: usize,
    #[command(flatten)]
    pub common: Common,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    if let Some(dir) = &args.watcher {
        watcher(dir, args.json)?;
        if args.targets.is_empty() {
            return Ok(());
        }
    }
    let config = args.common.config()?;
    let targets = targets::open(&config, &args.targets)?;
    let rt = targets::runtime()?;
    let all = rt.block_on(futures::future::join_all(
        targets.iter().map(status::status),
    ));
    let mut failed = 0;
    for (t, s) in targets.iter().zip(all) {
        println!("{} ({})", t.name, t.url);
        let s = match s {
            Ok(s) => s,
            Err(e) => {
                failed += 1;
                println!("  UNREACHABLE: {e}");
                continue;
            }
        };
        match &s.live {
            Some(p) => println!(
                "  live: corte {} (seq {}, {}), since {}{}{}",
                p.corte,
                p.seq,
                p.timestamp,
                p.updated_at,
                match p.action {
                    crate::published::Action::Publish => "",
                    crate::published::Action::Rollback => " by a rollback",
                },
                if p.signature.is_some() {
                    ", signed"
                } else {
                    ", unsigned"
                }
            ),
            None => println!("  live: nothing published"),
        }
        let complete = s.trees.iter().filter(|(_, c)| *c).count();
        println!("  corte trees: {} complete", complete);
        for (id, _) in s.trees.iter().filter(|(_, c)| !*c) {
            println!("    {id}: INCOMPLETE (no manifest: an interrupted publish; re-run it)");
        }
        for c in s.index.cortes.iter().filter(|c| c.withdrawn) {
            println!("    {}: withdrawn by a rollback", c.id);
        }
        if let Some(l) = &s.lease {
            use crate::publish::lease::State;
            match l.state {
                State::Held => println!(
                    "  stable-tree lease: HELD by {}, since {}, renewed {} (time to live {} s)",
                    l.holder,
                    l.since,
                    l.renewed_at,
                    l.ttl_ms / 1000
                ),
                State::Free => println!(
                    "  stable-tree lease: free (last {}, {})",
                    l.holder, l.renewed_at
                ),
            }
        }
        let events = &s.index.events;
        println!("  history ({} pointer moves):", events.len());
        for e in events
            .iter()
            .skip(events.len().saturating_sub(args.history))
        {
            println!(
                "    {}  {:<8} {} (from {}){}",
                e.at,
                format!("{:?}", e.action).to_lowercase(),
                e.corte,
                e.from.as_deref().unwrap_or("none"),
                e.reason
                    .as_ref()
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default()
            );
        }
    }
    if failed > 0 {
        anyhow::bail!("{failed} target(s) could not be read");
    }
    Ok(())
}

/// The watcher's own view: what is live, what it is doing, the last attempts
/// with their outcome, steps and lag, and each target's state.
fn watcher(dir: &std::path::Path, json: bool) -> anyhow::Result<()> {
    let dir = if dir.is_file() {
        dir.parent().unwrap_or(std::path::Path::new("."))
    } else {
        dir
    };
    let s = crate::watch::status::read_status(dir).map_err(anyhow::Error::msg)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&s)?);
        return Ok(());
    }
    println!("{}", running_line(&s, crate::watch::lock::probe(dir)));
    match &s.live {
        Some(l) => println!(
            "  live: corte {} (seq {}, {}), published {}: {:.1} s after the snapshot arrived, {:.1} s after the corte time",
            l.corte,
            l.seq,
            l.corte_time,
            l.published_at,
            l.lag_from_arrival_secs,
            l.lag_from_corte_secs
        ),
        None => println!("  live: nothing published yet"),
    }
    if let Some(h) = &s.held {
        println!(
            "  HELD: corte {} (seq {}) since {}, waiting in {}:",
            h.corte, h.seq, h.held_at, h.snapshot
        );
        for c in &h.concerns {
            println!("    - {c}");
        }
        println!("    to publish it anyway: {}", h.confirm);
    }
    if let Some(source) = crate::watch::status::read_source(dir).map_err(anyhow::Error::msg)? {
        print_source(&source);
    }
    for t in &s.targets {
        println!(
            "  target {} ({}): {}, live {}{}",
            t.name,
            t.url,
            t.state,
            t.live_corte.as_deref().unwrap_or("none"),
            t.last_error
                .as_ref()
                .map(|e| format!(", last error: {e}"))
                .unwrap_or_default()
        );
    }
    if let Some(i) = &s.images {
        println!(
            "  acta images at the last cutover: {} linked, {} in process, {} rejected",
            i.ready,
            i.pending,
            i.rejected.len()
        );
        for r in &i.rejected {
            println!("    rejected {r}");
        }
    }
    if !s.recent.is_empty() {
        println!("  recent attempts (newest first):");
    }
    for a in &s.recent {
        let steps: Vec<String> = a
            .steps
            .iter()
            .map(|st| format!("{} {} ms", st.step, st.ms))
            .collect();
        println!(
            "    {}  {:<9} {}{}{}{}",
            a.finished_at,
            a.outcome,
            a.snapshot,
            a.lag_from_arrival_secs
                .map(|l| format!(", lag {l:.1} s"))
                .unwrap_or_default(),
            if steps.is_empty() {
                String::new()
            } else {
                format!(" [{}]", steps.join(", "))
            },
            a.message
                .as_ref()
                .map(|m| format!(": {m}"))
                .unwrap_or_default()
        );
    }
    Ok(())
}

/// The first line: whether the watcher runs (its lock is held) and what it
/// does. A watcher killed outright leaves `status.json` saying what it was
/// doing; its lock, freed by the kernel, says that it is gone.
fn running_line(
    s: &crate::watch::status::Status,
    probe: Result<crate::watch::lock::Probe, crate::watch::lock::LockError>,
) -> String {
    use crate::watch::lock::Probe;
    match probe {
        Ok(Probe::Running(h)) => format!(
            "watcher on {} (pid {}): running, {}, updated {}",
            s.inbox,
            h.map(|h| h.pid).unwrap_or(s.pid),
            s.state,
            s.updated_at
        ),
        Ok(Probe::Gone(_)) if s.state == "stopped" => format!(
            "watcher on {} (pid {}): stopped, updated {}",
            s.inbox, s.pid, s.updated_at
        ),
        Ok(Probe::Gone(_)) => format!(
            "watcher on {} (pid {}): NOT RUNNING (its lock is free: the process is gone); it was {} at {}",
            s.inbox, s.pid, s.state, s.updated_at
        ),
        Err(e) => format!(
            "watcher on {} (pid {}): {}, updated {} (whether it runs is unknown: {e})",
            s.inbox, s.pid, s.state, s.updated_at
        ),
    }
}

/// The database source's line (`source.json`), when the watcher has one.
fn print_source(s: &crate::watch::status::SourceStatus) {
    println!(
        "  source {}: {}{}{}{}",
        s.database,
        s.state,
        s.since
            .as_ref()
            .map(|t| format!(" since {t}"))
            .unwrap_or_default(),
        match s.reconnects {
            0 => String::new(),
            1 => ", 1 reconnect".into(),
            n => format!(", {n} reconnects"),
        },
        s.last_error
            .as_ref()
            .map(|e| format!(", last error: {e}"))
            .unwrap_or_default()
    );
    if let Some(l) = &s.last_sealed {
        println!(
            "    last sealed: corte {} ({}) at {}, read and sealed in {} ms",
            l.seq, l.snapshot, l.sealed_at, l.ms
        );
    }
    if let Some(f) = &s.last_failed {
        println!("    last failed: {f}");
    }
}

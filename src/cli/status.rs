use super::targets::{self, Common};
use crate::publish::status;

#[derive(clap::Args)]
pub struct Args {
    /// Targets (URLs or configured names); default: every configured target.
    pub targets: Vec<String>,
    /// How many of the latest pointer moves to list.
    #[arg(long, default_value_t = 10)]
    pub history: usize,
    #[command(flatten)]
    pub common: Common,
}

pub fn run(args: Args) -> anyhow::Result<()> {
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
                    crate::publish::layout::Action::Publish => "",
                    crate::publish::layout::Action::Rollback => " by a rollback",
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

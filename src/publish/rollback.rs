//! `corte rollback`: the pointer back to an earlier complete corte. The
//! stable tree is put back to that corte's bytes (only the keys that
//! differ, read from the archive), the pointer moves conditionally, and the move is recorded in the
//! history with the reason given; the corte rolled away from is marked
//! withdrawn, so a later `publish` of it needs `--allow-withdrawn`.

use std::time::Instant;

use super::corte::Corte;
use super::error::{ErrorKind, PublishError, Step};
use super::lease::{self, Held};
use super::pointer;
use super::progress::Progress;
use super::publish::{Live, Options, Outcome, Report, go_live, or_stop, stopping};
use super::sign;
use super::target::Target;
use crate::published::{Action, Pointer};
use object_store::UpdateVersion;

pub async fn rollback(
    target: &Target,
    to: &str,
    key: Option<&sign::PublicKey>,
    opts: &Options,
    progress: &dyn Progress,
) -> Result<Report, PublishError> {
    let started = Instant::now();
    let (live, version) = pointer::read(target).await?.ok_or_else(|| {
        target.err(
            Step::ReadPointer,
            ErrorKind::Invalid("nothing is published here: there is no latest.json".into()),
        )
    })?;
    if live.corte == to {
        return Err(target.err(
            Step::ReadPointer,
            ErrorKind::Conflict(format!("corte {to} is already live")),
        ));
    }
    let corte = Corte::from_store(target, to, key).await?;
    // Every archive object it lists read back and hashed before anything
    // changes, as `verify --corte` does (a missing one included): a
    // rollback is the way out of a bad corte, and must not leave the stable
    // tree half moved to a damaged one (writing stops at the first bad
    // object). Its manifest and signature were checked by `from_store`; the
    // acta images are not rewritten.
    let check = super::verify::check_objects(target, &corte.manifest, progress);
    let (_, _, problems) = or_stop(target, Step::Verify, &opts.stop, check).await?;
    if let Some(p) = problems.iter().min_by(|a, b| a.object.cmp(&b.object)) {
        return Err(target
            .err(Step::Verify, ErrorKind::Integrity(p.what.clone()))
            .at(p.object.clone()));
    }
    // The last point where a shutdown abandons, as in a publish.
    if stopping(&opts.stop) {
        return Err(target.err(Step::StableTree, ErrorKind::Abandoned));
    }
    // The stable tree and the pointer are written under the lease; the
    // pointer read again under it must be the one the rollback started from.
    let held = match opts.dry_run {
        true => None,
        false => {
            let work = format!("rollback to {to}");
            let take = lease::acquire(target, &work);
            Some(or_stop(target, Step::Lease, &opts.stop, take).await?)
        }
    };
    let r = switch(target, &corte, live, version, opts, progress, held.as_ref()).await;
    if let Some(held) = held {
        held.release().await;
    }
    let mut report = r?;
    report.elapsed = started.elapsed();
    Ok(report)
}

async fn switch(
    target: &Target,
    corte: &Corte,
    live: Pointer,
    version: UpdateVersion,
    opts: &Options,
    progress: &dyn Progress,
    held: Option<&Held>,
) -> Result<Report, PublishError> {
    let to = corte.id.as_str();
    let (live, version) = match pointer::read(target).await? {
        Some((now, _)) if held.is_some() && now != live => {
            return Err(target.err(
                Step::ReadPointer,
                ErrorKind::Conflict(format!(
                    "the pointer moved to corte {} while the rollback checked corte {to}; look at `corte status` and run it again",
                    now.corte
                )),
            ));
        }
        Some((now, v)) if held.is_some() => (now, v),
        _ => (live, version),
    };
    let from = pointer::live_manifest(target, &live).await?;
    let mut report = Report::new(target, to);
    report.from = Some(live.corte.clone());
    let new = corte.pointer(Action::Rollback, Some(live.corte.clone()));
    let live = Live {
        pointer: Some((live, version)),
        manifest: Some(&from),
    };
    go_live(
        target,
        corte,
        new,
        live,
        false,
        opts,
        progress,
        &mut report,
        held,
    )
    .await?;
    if opts.dry_run {
        report.outcome = Outcome::DryRun;
    }
    Ok(report)
}

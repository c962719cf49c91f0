use std::path::PathBuf;

use anyhow::bail;

use super::targets::{self, Common, bytes};
use crate::publish::Quiet;
use crate::publish::verify::{self, Scope, Signature, VerifyOptions};

#[derive(clap::Args)]
pub struct Args {
    /// The target or mirror (URL or configured name).
    pub target: String,
    /// A corte to check through its manifest and the archive (default: the
    /// live corte at the stable URLs).
    #[arg(long, conflicts_with = "all")]
    pub corte: Option<String>,
    /// Check every corte in the history through its manifest and the
    /// archive (each archive object read once).
    #[arg(long)]
    pub all: bool,
    /// The institute's public key (PEM), obtained out of band. Without it the
    /// target's own public-key.pem is used, which proves integrity but not origin.
    #[arg(long)]
    pub key: Option<PathBuf>,
    /// Read the documents only (pointer, history, keys, manifest,
    /// signature), not the objects: seconds instead of minutes, but a
    /// changed page is not seen.
    #[arg(long)]
    pub quick: bool,
    /// Accept an unsigned corte on a store whose earlier cortes were signed
    /// (otherwise a failure: a tampered corte can be declared unsigned).
    #[arg(long)]
    pub allow_unsigned: bool,
    #[command(flatten)]
    pub common: Common,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let config = args.common.config()?;
    let target = targets::open_one(&config, &args.target)?;
    let key = targets::public_key(&args.key)?;
    let rt = targets::runtime()?;
    let progress = targets::progress();
    let opts = VerifyOptions {
        quick: args.quick,
        allow_unsigned: args.allow_unsigned,
    };
    let reports = if args.all {
        rt.block_on(verify::verify_all_opts(&target, key.as_ref(), opts, &Quiet))?
    } else {
        vec![rt.block_on(verify::verify_opts(
            &target,
            args.corte.as_deref(),
            key.as_ref(),
            opts,
            &*progress,
        ))?]
    };
    let mut bad = 0;
    for r in reports {
        let sig = match &r.signature {
            Signature::Valid {
                key_sha256,
                pinned: true,
                ..
            } => {
                format!("signature valid (pinned key {key_sha256})")
            }
            Signature::Valid {
                key_sha256,
                pinned: false,
                from,
            } => format!(
                "signature valid under the target's own {from} ({key_sha256}); pin the institute's key with --key to prove origin"
            ),
            Signature::Unsigned => "UNSIGNED".into(),
            Signature::Invalid => "signature INVALID".into(),
        };
        let scope = match r.scope {
            Scope::StableTree => "the stable tree",
            Scope::Archive => "the archive",
        };
        if r.quick {
            println!(
                "{} corte {}{}: documents only (--quick), no object read; {sig}",
                target.name,
                r.corte,
                if r.live { " (live)" } else { "" },
            );
        } else {
            println!(
                "{} corte {}{}: {} objects of {scope}, {} read; {sig}",
                target.name,
                r.corte,
                if r.live { " (live)" } else { "" },
                r.objects,
                bytes(r.bytes)
            );
        }
        for p in &r.problems {
            println!("  {}: {}", p.object, p.what);
        }
        // With --key, a missing signature is already a problem in the report.
        if !r.ok() {
            bad += 1;
        }
    }
    if bad > 0 {
        bail!("{bad} corte(s) failed verification");
    }
    println!("ok");
    Ok(())
}

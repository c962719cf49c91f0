//! `corte status`: the live corte, the history of pointer moves, and every
//! corte tree on the target with whether its manifest (written last) is there,
//! and who holds the stable-tree lease.

use super::error::{PublishError, Step};
use super::lease::{self, LeaseDoc};
use super::pointer;
use super::target::Target;
use super::transfer;
use crate::published::{CorteIndex, Pointer, layout};

#[derive(Debug, Clone)]
pub struct Status {
    pub target: String,
    pub url: String,
    pub live: Option<Pointer>,
    pub index: CorteIndex,
    /// Every `cortes/<id>/` folder: its id and whether it is complete.
    pub trees: Vec<(String, bool)>,
    /// `cortes/lease.json`, if there is one (and it reads).
    pub lease: Option<LeaseDoc>,
}

pub async fn status(target: &Target) -> Result<Status, PublishError> {
    let live = pointer::read(target).await?.map(|(p, _)| p);
    let (index, _) = pointer::read_index(target).await?;
    let prefix = transfer::path(layout::CORTES);
    let listing = transfer::retry(&target.policy, layout::CORTES, || {
        target.store.list_with_delimiter(Some(&prefix))
    })
    .await
    .map_err(|e| target.store_err(Step::ReadPointer, layout::CORTES, e))?;
    let mut trees = Vec::new();
    for p in listing.common_prefixes {
        let Some(id) = p.filename().map(str::to_string) else {
            continue;
        };
        let mkey = layout::manifest_key(&id);
        let mpath = transfer::path(&mkey);
        let complete = transfer::retry(&target.policy, &mkey, || {
            object_store::ObjectStoreExt::head(&*target.store, &mpath)
        })
        .await
        .is_ok();
        trees.push((id, complete));
    }
    trees.sort();
    let lease = lease::read(target).await?;
    Ok(Status {
        target: target.name.clone(),
        url: target.url.clone(),
        live,
        index,
        trees,
        lease,
    })
}

//! `corte status`: the live corte, the history of pointer moves, and every
//! corte tree on the target with whether its manifest (written last) is there.

use super::error::{PublishError, Step};
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
    Ok(Status {
        target: target.name.clone(),
        url: target.url.clone(),
        live,
        index,
        trees,
    })
}

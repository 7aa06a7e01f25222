//! Source connector offsets in an offset store (Apache's `Worker.sourceConnectorOffsets`
//! and `modifySourceConnectorOffsets`), for both herders: the standalone one reads its
//! worker's store, the Kubernetes one the cluster's offsets topic.

use crate::herder::entities::{ConnectorOffset, ConnectorOffsets};
use crate::herder::{HerderError, HerderResult};
use crate::runtime::storage::{
    OffsetBackingStore, OffsetMap, OffsetStoreError, decode_value, encode_key, encode_value,
};

fn read_failed(e: OffsetStoreError) -> HerderError {
    HerderError::Internal(format!("Failed to read offsets: {e}"))
}

/// The partitions `connector` has offsets for.
pub async fn partitions(
    store: &dyn OffsetBackingStore,
    connector: &str,
) -> HerderResult<Vec<OffsetMap>> {
    store
        .connector_partitions(connector)
        .await
        .map_err(read_failed)
}

/// Every partition of `connector` with its offset; partitions whose offset was deleted
/// are left out, as Apache leaves them out.
pub async fn read(
    store: &dyn OffsetBackingStore,
    connector: &str,
) -> HerderResult<Vec<ConnectorOffset>> {
    let partitions = partitions(store, connector).await?;
    let keys: Vec<Vec<u8>> = partitions
        .iter()
        .map(|p| encode_key(connector, p))
        .collect();
    let values = store.get(&keys).await.map_err(read_failed)?;
    let mut offsets = Vec::new();
    for (partition, key) in partitions.into_iter().zip(&keys) {
        let offset = decode_value(values.get(key).map(Vec::as_slice)).map_err(read_failed)?;
        if offset.is_some() {
            offsets.push(ConnectorOffset { partition, offset });
        }
    }
    Ok(offsets)
}

/// Writes `offsets` of `connector` (`None`: the partition's offset is deleted).
pub async fn write(
    store: &dyn OffsetBackingStore,
    connector: &str,
    offsets: Vec<(OffsetMap, Option<OffsetMap>)>,
) -> HerderResult<()> {
    let updates = offsets
        .iter()
        .map(|(partition, offset)| {
            (
                encode_key(connector, partition),
                encode_value(offset.as_ref()),
            )
        })
        .collect();
    store
        .set(updates)
        .await
        .map_err(|e| HerderError::Internal(format!("Failed to write offsets: {e}")))
}

/// The entries of an alter-offsets request, refused with Apache's message when there
/// are none (for sink and source connectors alike).
pub fn requested(offsets: ConnectorOffsets) -> HerderResult<Vec<ConnectorOffset>> {
    match offsets.offsets {
        Some(entries) if !entries.is_empty() => Ok(entries),
        _ => Err(HerderError::BadRequest(
            "Partitions / offsets need to be provided for an alter offsets request".to_owned(),
        )),
    }
}

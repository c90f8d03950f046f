//! Program events read back from transaction logs (`Program data: <base64>`). Natively Anchor's
//! `emit!` writes nothing, so only the SBF backend carries events: scenarios check them there.

use anchor_lang::{AnchorDeserialize, Discriminator};
use base64::Engine;
use xmargin_client::chain::TxReport;

/// Every event of type `E` in the transaction's logs, in order.
pub fn decode<E: AnchorDeserialize + Discriminator>(report: &TxReport) -> Vec<E> {
    report
        .logs
        .iter()
        .filter_map(|line| line.strip_prefix("Program data: "))
        .filter_map(|b64| base64::engine::general_purpose::STANDARD.decode(b64).ok())
        .filter_map(|bytes| {
            let body = bytes.strip_prefix(E::DISCRIMINATOR)?;
            Some(E::try_from_slice(body).expect("event decodes"))
        })
        .collect()
}

/// The one event of type `E` the transaction emitted.
pub fn single<E: AnchorDeserialize + Discriminator>(report: &TxReport) -> E {
    let mut events = decode::<E>(report);
    assert_eq!(events.len(), 1, "expected exactly one {} event", std::any::type_name::<E>());
    events.remove(0)
}

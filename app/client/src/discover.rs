//! Discovering a group's margin accounts and queued parameter changes, as a keeper scans them:
//! every account the program owns of the type's size, discriminator and group (RPC
//! `getProgramAccounts` filters, run the same way on every backend through
//! [`Chain::program_accounts`]).

use anchor_lang::Discriminator;
use cross_margin::state::{MarginAccount, PendingChange};

use crate::accounts::{decode, DecodeError};
use crate::chain::{AccountFilter, Chain};
use crate::Pubkey;

/// Bytes of a margin account (discriminator included).
pub const MARGIN_ACCOUNT_LEN: usize = 8 + core::mem::size_of::<MarginAccount>();
/// Offset of the group in a margin account's data (after the discriminator).
pub const MARGIN_ACCOUNT_GROUP_OFFSET: usize = 8 + core::mem::offset_of!(MarginAccount, group);

/// Offset of the group in a pending change's data (after the discriminator).
pub const PENDING_CHANGE_GROUP_OFFSET: usize = 8 + core::mem::offset_of!(PendingChange, group);

/// The filters that select `group`'s accounts of type `T` (`len` bytes, the group at
/// `group_offset`) among the program's accounts.
fn filters<T: Discriminator>(
    len: usize,
    group_offset: usize,
    group: &Pubkey,
) -> Vec<AccountFilter> {
    vec![
        AccountFilter::DataSize(len),
        AccountFilter::Memcmp { offset: 0, bytes: T::DISCRIMINATOR.to_vec() },
        AccountFilter::Memcmp { offset: group_offset, bytes: group.to_bytes().to_vec() },
    ]
}

/// The filters that select `group`'s margin accounts among the program's accounts.
pub fn margin_account_filters(group: &Pubkey) -> Vec<AccountFilter> {
    filters::<MarginAccount>(MARGIN_ACCOUNT_LEN, MARGIN_ACCOUNT_GROUP_OFFSET, group)
}

/// Every change queued in `group` and not yet applied or cancelled, decoded, in key order.
pub fn pending_changes(
    chain: &mut dyn Chain,
    group: &Pubkey,
) -> Result<Vec<(Pubkey, PendingChange)>, DecodeError> {
    let f = filters::<PendingChange>(PendingChange::SPACE, PENDING_CHANGE_GROUP_OFFSET, group);
    chain
        .program_accounts(&cross_margin::ID, &f)
        .into_iter()
        .map(|(key, account)| decode::<PendingChange>(&account.data).map(|a| (key, a)))
        .collect()
}

/// Every margin account of `group`, decoded, in key order.
pub fn margin_accounts(
    chain: &mut dyn Chain,
    group: &Pubkey,
) -> Result<Vec<(Pubkey, MarginAccount)>, DecodeError> {
    chain
        .program_accounts(&cross_margin::ID, &margin_account_filters(group))
        .into_iter()
        .map(|(key, account)| decode::<MarginAccount>(&account.data).map(|a| (key, a)))
        .collect()
}

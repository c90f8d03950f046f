//! Discovering a group's margin accounts, as a keeper scans them: every account the program owns
//! of the margin account's size, discriminator and group (RPC `getProgramAccounts` filters, run
//! the same way on every backend through [`Chain::program_accounts`]).

use anchor_lang::Discriminator;
use cross_margin::state::MarginAccount;

use crate::accounts::{decode, DecodeError};
use crate::chain::{AccountFilter, Chain};
use crate::Pubkey;

/// Bytes of a margin account (discriminator included).
pub const MARGIN_ACCOUNT_LEN: usize = 8 + core::mem::size_of::<MarginAccount>();
/// Offset of the group in a margin account's data (after the discriminator).
pub const MARGIN_ACCOUNT_GROUP_OFFSET: usize = 8 + core::mem::offset_of!(MarginAccount, group);

/// The filters that select `group`'s margin accounts among the program's accounts.
pub fn margin_account_filters(group: &Pubkey) -> Vec<AccountFilter> {
    vec![
        AccountFilter::DataSize(MARGIN_ACCOUNT_LEN),
        AccountFilter::Memcmp { offset: 0, bytes: MarginAccount::DISCRIMINATOR.to_vec() },
        AccountFilter::Memcmp {
            offset: MARGIN_ACCOUNT_GROUP_OFFSET,
            bytes: group.to_bytes().to_vec(),
        },
    ]
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

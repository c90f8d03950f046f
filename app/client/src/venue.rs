//! Venues and health views: builders for `venue_add`, `account_set_venue`, `venue_fill` (what a
//! venue program passes on by CPI; only the venue's PDA can sign it), `health_check` and
//! `account_view`.

use anchor_lang::prelude::Pubkey;
use anchor_lang::system_program;
use cross_margin::engine::trade::TradeArgs;
use cross_margin::engine::venue::FeePayer;
use cross_margin::instructions::{
    AccountSetVenueArgs, HealthCheckArgs, VenueAddArgs, VenueFillArgs,
};
use cross_margin::state::MarginAccount;
use cross_margin::{accounts as acc, instruction as data};
use solana_instruction::{AccountMeta, Instruction};

use crate::health::underlyings_for_trade;
use crate::ix::{account_health_accounts, build, health_accounts};
use crate::pda;

/// `venue_add`: registers `program` (unapproved) with its fee account and fee cap.
pub fn venue_add(
    admin: &Pubkey,
    group: &Pubkey,
    program: &Pubkey,
    fee_account: &Pubkey,
    max_fee_bps: u16,
) -> Instruction {
    build(
        acc::VenueAdd {
            admin: *admin,
            group: *group,
            venue: pda::venue(group, program),
            fee_account: *fee_account,
            system_program: system_program::ID,
        },
        data::VenueAdd { args: VenueAddArgs { program: *program, max_fee_bps } },
    )
}

/// `account_set_venue`: the owner approves (or revokes) the venue of `program` for `account`.
pub fn account_set_venue(
    owner: &Pubkey,
    account: &Pubkey,
    group: &Pubkey,
    program: &Pubkey,
    approved: bool,
) -> Instruction {
    build(
        acc::AccountSetVenue {
            owner: *owner,
            margin_account: *account,
            venue: pda::venue(group, program),
        },
        data::AccountSetVenue { args: AccountSetVenueArgs { approved } },
    )
}

/// One side of a venue fill: the account and the key the venue vouches for.
pub struct VenueSide<'a> {
    pub key: Pubkey,
    pub account: &'a MarginAccount,
    /// Its owner or delegate, whose signature the venue checked.
    pub authority: Pubkey,
}

/// The venue's fee on a fill, who pays it, and the venue's fee account that receives it.
#[derive(Clone, Copy, Debug)]
pub struct VenueFee {
    pub amount: u64,
    pub payer: FeePayer,
    pub account: Pubkey,
}

/// `venue_fill` of `program`'s venue on the underlying at `index`, with the health accounts of
/// both accounts and the traded underlying (prices from `price_of`), as the venue passes it on
/// by CPI. The venue authority is marked a signer: only the venue program can produce that
/// signature.
pub fn venue_fill(
    program: &Pubkey,
    buyer: VenueSide,
    seller: VenueSide,
    index: u16,
    trade: TradeArgs,
    fee: VenueFee,
    price_of: impl Fn(u16) -> Pubkey,
) -> Instruction {
    let group = buyer.account.group;
    let mut ix = build(
        acc::VenueFill {
            group,
            venue: pda::venue(&group, program),
            authority: pda::venue_authority(&group, program),
            buyer: buyer.key,
            seller: seller.key,
            underlying: pda::underlying(&group, index),
            oracle: price_of(index),
            fee_account: fee.account,
        },
        data::VenueFill {
            args: VenueFillArgs {
                trade,
                buyer_authority: buyer.authority,
                seller_authority: seller.authority,
                venue_fee: fee.amount,
                fee_payer: fee.payer,
            },
        },
    );
    let needed = underlyings_for_trade([buyer.account, seller.account], index);
    ix.accounts.extend(health_accounts(&group, needed, price_of));
    ix
}

/// The health accounts `venue_fill` needs for a fill between `accounts` on `index`.
pub fn fill_health_accounts(
    accounts: [&MarginAccount; 2],
    index: u16,
    price_of: impl Fn(u16) -> Pubkey,
) -> Vec<AccountMeta> {
    health_accounts(&accounts[0].group, underlyings_for_trade(accounts, index), price_of)
}

/// `health_check` of `account` (decoded as `state`) against `min_init` and `min_maint`.
pub fn health_check(
    key: &Pubkey,
    state: &MarginAccount,
    min_init: i64,
    min_maint: i64,
    price_of: impl Fn(u16) -> Pubkey,
) -> Instruction {
    let mut ix = build(
        acc::HealthCheck { group: state.group, margin_account: *key },
        data::HealthCheck { args: HealthCheckArgs { min_init, min_maint } },
    );
    ix.accounts.extend(account_health_accounts(state, price_of));
    ix
}

/// `account_view` of `account` (decoded as `state`).
pub fn account_view(
    key: &Pubkey,
    state: &MarginAccount,
    price_of: impl Fn(u16) -> Pubkey,
) -> Instruction {
    let mut ix = build(
        acc::AccountViewAccounts { group: state.group, margin_account: *key },
        data::AccountView {},
    );
    ix.accounts.extend(account_health_accounts(state, price_of));
    ix
}

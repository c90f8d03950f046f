//! The example RFQ venue (`programs/rfq_venue`): its PDAs and builders.

use anchor_lang::prelude::Pubkey;
use anchor_lang::{system_program, InstructionData, ToAccountMetas};
use cross_margin::engine::portfolio::{including, required_underlyings};
use cross_margin::engine::trade::Instrument;
use cross_margin::state::MarginAccount;
use rfq_venue::cross_margin::types::Instrument as IdlInstrument;
use rfq_venue::health::Thresholds;
use rfq_venue::instructions::{ConfigInitArgs, QuoteFillArgs, QuotePostArgs};
use rfq_venue::state::{Side, CONFIG_SEED, QUOTE_SEED};
use rfq_venue::{accounts as acc, instruction as data, ID};
use solana_instruction::Instruction;

use crate::ix::{account_health_accounts, health_accounts};
use crate::pda;
use crate::venue::fill_health_accounts;

pub use rfq_venue::ID as PROGRAM_ID;

fn build(accounts: impl ToAccountMetas, data: impl InstructionData) -> Instruction {
    Instruction { program_id: ID, accounts: accounts.to_account_metas(None), data: data.data() }
}

/// `["config", group, operator]`.
pub fn config(group: &Pubkey, operator: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[CONFIG_SEED, group.as_ref(), operator.as_ref()], &ID).0
}

/// `["quote", maker_account, maker, quote_id]`: `maker` the key that signed it.
pub fn quote(maker_account: &Pubkey, maker: &Pubkey, quote_id: u64) -> Pubkey {
    let seeds = [QUOTE_SEED, maker_account.as_ref(), maker.as_ref(), &quote_id.to_le_bytes()];
    Pubkey::find_program_address(&seeds, &ID).0
}

/// The instrument as the venue's IDL-declared types spell it.
pub fn idl_instrument(instrument: Instrument) -> IdlInstrument {
    match instrument {
        Instrument::Perp => IdlInstrument::Perp,
        Instrument::Option { series } => IdlInstrument::Option { series },
    }
}

/// `config_init`: the venue's taker fee in `group`.
pub fn config_init(operator: &Pubkey, group: &Pubkey, taker_fee_bps: u16) -> Instruction {
    build(
        acc::ConfigInit {
            operator: *operator,
            config: config(group, operator),
            system_program: system_program::ID,
        },
        data::ConfigInit { args: ConfigInitArgs { group: *group, taker_fee_bps } },
    )
}

/// `config_set_fee`: the operator's new taker fee in `group`.
pub fn config_set_fee(operator: &Pubkey, group: &Pubkey, taker_fee_bps: u16) -> Instruction {
    build(
        acc::ConfigSetFee { operator: *operator, config: config(group, operator) },
        data::ConfigSetFee { taker_fee_bps },
    )
}

/// A quote as the maker posts it, on the venue config of `operator`.
#[derive(Clone, Copy, Debug)]
pub struct QuoteTerms {
    pub operator: Pubkey,
    pub quote_id: u64,
    pub underlying: u16,
    pub instrument: Instrument,
    pub side: Side,
    pub quantity: i64,
    pub price: i64,
    pub expiry_ts: i64,
}

/// `quote_post` by `maker` for its margin account `maker_account` in `group`.
pub fn quote_post(
    maker: &Pubkey,
    group: &Pubkey,
    maker_account: &Pubkey,
    terms: QuoteTerms,
) -> Instruction {
    build(
        acc::QuotePost {
            maker: *maker,
            config: config(group, &terms.operator),
            underlying: pda::underlying(group, terms.underlying),
            quote: quote(maker_account, maker, terms.quote_id),
            system_program: system_program::ID,
        },
        data::QuotePost {
            args: QuotePostArgs {
                quote_id: terms.quote_id,
                maker_account: *maker_account,
                instrument: idl_instrument(terms.instrument),
                side: terms.side,
                quantity: terms.quantity,
                price: terms.price,
                expiry_ts: terms.expiry_ts,
            },
        },
    )
}

/// One margin account in a fill: its key and decoded state.
#[derive(Clone, Copy)]
pub struct Party<'a> {
    pub key: Pubkey,
    pub account: &'a MarginAccount,
}

/// `quote_fill` of `quantity` contracts of the quote `quote_id` posted by `maker` for `maker`'s
/// account, taken by `taker` (owner or delegate of `taker_account`). The remaining accounts are
/// `venue_fill`'s health accounts for both accounts, then the taker's own for `health_check`
/// (after the fill it may hold the traded underlying too). `fee_account` is the venue's.
#[allow(clippy::too_many_arguments)]
pub fn quote_fill(
    taker: &Pubkey,
    maker: &Pubkey,
    maker_account: Party,
    taker_account: Party,
    terms: &QuoteTerms,
    quantity: i64,
    fee_account: &Pubkey,
    price_of: impl Fn(u16) -> Pubkey,
) -> Instruction {
    let group = maker_account.account.group;
    let index = terms.underlying;
    let (buyer, seller) = match terms.side {
        Side::Bid => (maker_account.account, taker_account.account),
        Side::Ask => (taker_account.account, maker_account.account),
    };
    let fill = fill_health_accounts([buyer, seller], index, &price_of);
    let mut ix = build(
        acc::QuoteFill {
            taker: *taker,
            config: config(&group, &terms.operator),
            quote: quote(&maker_account.key, maker, terms.quote_id),
            maker: *maker,
            maker_account: maker_account.key,
            taker_account: taker_account.key,
            venue_authority: pda::venue_authority(&group, &ID),
            group,
            venue: pda::venue(&group, &ID),
            underlying: pda::underlying(&group, index),
            oracle: price_of(index),
            fee_account: *fee_account,
            cross_margin_program: cross_margin::ID,
        },
        data::QuoteFill {
            args: QuoteFillArgs {
                quantity,
                fill_accounts: u8::try_from(fill.len()).expect("at most 255 health accounts"),
            },
        },
    );
    ix.accounts.extend(fill);
    // After the fill the taker holds the traded underlying (a position, or unsettled quote).
    let taker_after = including(required_underlyings(&[taker_account.account]), index);
    ix.accounts.extend(health_accounts(&group, taker_after, &price_of));
    ix
}

/// `quote_cancel` by `signer` (the quote's signer `maker`, or the maker account's owner).
pub fn quote_cancel(
    signer: &Pubkey,
    maker: &Pubkey,
    maker_account: &Pubkey,
    quote_id: u64,
) -> Instruction {
    build(
        acc::QuoteCancel {
            signer: *signer,
            quote: quote(maker_account, maker, quote_id),
            maker: *maker,
            maker_account: *maker_account,
        },
        data::QuoteCancel {},
    )
}

/// `account_check` (a venue's health check by CPI) of `account` (decoded as `state`).
pub fn account_check(
    key: &Pubkey,
    state: &MarginAccount,
    min_init: i64,
    min_maint: i64,
    price_of: impl Fn(u16) -> Pubkey,
) -> Instruction {
    let mut ix = build(
        acc::AccountCheck {
            group: state.group,
            margin_account: *key,
            cross_margin_program: cross_margin::ID,
        },
        data::AccountCheck { args: Thresholds { min_init, min_maint } },
    );
    ix.accounts.extend(account_health_accounts(state, price_of));
    ix
}

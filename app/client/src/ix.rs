//! Instruction builders, one per instruction. They fill in every derivable account (PDAs, vaults,
//! programs); tests that need a malformed instruction edit the returned `accounts`.

use anchor_lang::prelude::Pubkey;
use anchor_lang::{system_program, InstructionData, ToAccountMetas};
use anchor_spl::token::spl_token;
use cross_margin::engine::options::{ChainParams, SeriesParams};
use cross_margin::engine::perp::PerpParams;
use cross_margin::engine::portfolio::required_underlyings;
use cross_margin::instructions::{
    AccountCreateArgs, AccountSetDelegateArgs, CollateralDepositArgs, CollateralWithdrawArgs,
    GroupCreateArgs, LiquidateArgs, OptionQuoteArgs, TradeArgs, UnderlyingAddArgs, VolsPostArgs,
};
use cross_margin::state::{MarginAccount, QUOTE_INDEX};
use cross_margin::vaults::__client_accounts_insurance_vaults::InsuranceVaults;
use cross_margin::{accounts as acc, instruction as data, ID};
use solana_instruction::{AccountMeta, Instruction};

use crate::health::{underlyings_after, underlyings_for_trade};
use crate::pda;

pub(crate) fn build(accounts: impl ToAccountMetas, data: impl InstructionData) -> Instruction {
    Instruction { program_id: ID, accounts: accounts.to_account_metas(None), data: data.data() }
}

/// `group_create`: the group is `pda::group(creator, args.group_num)`.
pub fn group_create(creator: &Pubkey, quote_mint: &Pubkey, args: GroupCreateArgs) -> Instruction {
    let group = pda::group(creator, args.group_num);
    let quote_underlying = pda::underlying(&group, QUOTE_INDEX);
    build(
        acc::GroupCreate {
            creator: *creator,
            group,
            quote_mint: *quote_mint,
            quote_underlying,
            quote_vault: pda::vault(&quote_underlying),
            insurance_vault: pda::insurance_vault(&group),
            token_program: spl_token::ID,
            system_program: system_program::ID,
        },
        data::GroupCreate { args },
    )
}

/// `underlying_add`: the underlying is `pda::underlying(group, args.index)`.
pub fn underlying_add(
    admin: &Pubkey,
    group: &Pubkey,
    mint: &Pubkey,
    args: UnderlyingAddArgs,
) -> Instruction {
    let underlying = pda::underlying(group, args.index);
    build(
        acc::UnderlyingAdd {
            admin: *admin,
            group: *group,
            mint: *mint,
            underlying,
            vault: pda::vault(&underlying),
            token_program: spl_token::ID,
            system_program: system_program::ID,
        },
        data::UnderlyingAdd { args },
    )
}

/// `account_create`: the account is `pda::margin_account(group, owner, account_num)`.
pub fn account_create(owner: &Pubkey, group: &Pubkey, account_num: u32) -> Instruction {
    build(
        acc::AccountCreate {
            owner: *owner,
            group: *group,
            margin_account: pda::margin_account(group, owner, account_num),
            system_program: system_program::ID,
        },
        data::AccountCreate { args: AccountCreateArgs { account_num } },
    )
}

/// `account_set_delegate` (`Pubkey::default()` clears the delegate).
pub fn account_set_delegate(owner: &Pubkey, account: &Pubkey, delegate: &Pubkey) -> Instruction {
    build(
        acc::AccountSetDelegate { owner: *owner, margin_account: *account },
        data::AccountSetDelegate { args: AccountSetDelegateArgs { delegate: *delegate } },
    )
}

/// `collateral_deposit` of `amount` native units from `source` (a token account of `signer`).
pub fn collateral_deposit(
    signer: &Pubkey,
    account: &Pubkey,
    underlying: &Pubkey,
    source: &Pubkey,
    amount: u64,
) -> Instruction {
    build(
        acc::CollateralDeposit {
            signer: *signer,
            margin_account: *account,
            underlying: *underlying,
            vault: pda::vault(underlying),
            source: *source,
            token_program: spl_token::ID,
        },
        data::CollateralDeposit { args: CollateralDepositArgs { amount } },
    )
}

/// `collateral_withdraw` of `amount` native units to `destination`. `health` are the health
/// accounts for the account's holdings *after* the withdrawal (see [`health_accounts`]).
pub fn collateral_withdraw(
    owner: &Pubkey,
    group: &Pubkey,
    account: &Pubkey,
    underlying: &Pubkey,
    destination: &Pubkey,
    amount: u64,
    health: Vec<AccountMeta>,
) -> Instruction {
    let mut ix = build(
        acc::CollateralWithdraw {
            owner: *owner,
            group: *group,
            margin_account: *account,
            underlying: *underlying,
            vault: pda::vault(underlying),
            destination: *destination,
            token_program: spl_token::ID,
        },
        data::CollateralWithdraw { args: CollateralWithdrawArgs { amount } },
    );
    ix.accounts.extend(health);
    ix
}

/// `collateral_withdraw` from the decoded `account` (at `account_key`) of its underlying `index`,
/// with the health accounts its holdings need after the withdrawal (prices from `price_of`).
pub fn collateral_withdraw_with_health(
    account: &MarginAccount,
    account_key: &Pubkey,
    index: u16,
    destination: &Pubkey,
    amount: u64,
    price_of: impl Fn(u16) -> Pubkey,
) -> Instruction {
    let delta = i64::try_from(amount).map_or(i64::MIN, |a| -a);
    let health =
        health_accounts(&account.group, underlyings_after(account, index, delta), price_of);
    let underlying = pda::underlying(&account.group, index);
    collateral_withdraw(
        &account.owner,
        &account.group,
        account_key,
        &underlying,
        destination,
        amount,
        health,
    )
}

/// `option_quote` (no accounts; the result is the transaction's return data, an
/// `OptionQuoteResult`).
pub fn option_quote(args: OptionQuoteArgs) -> Instruction {
    build(acc::OptionQuote {}, data::OptionQuote { args })
}

/// `account_close`.
pub fn account_close(owner: &Pubkey, account: &Pubkey) -> Instruction {
    build(acc::AccountClose { owner: *owner, margin_account: *account }, data::AccountClose {})
}

/// `perp_list` of the underlying at `index`, reading its price from `oracle`.
pub fn perp_list(
    admin: &Pubkey,
    group: &Pubkey,
    index: u16,
    params: PerpParams,
    oracle: &Pubkey,
) -> Instruction {
    let underlying = pda::underlying(group, index);
    build(
        acc::PerpList { admin: *admin, group: *group, underlying, oracle: *oracle },
        data::PerpList { params },
    )
}

/// One side of a trade: the margin account, its decoded state and who signs for it.
#[derive(Clone, Copy)]
pub struct TradeSide<'a> {
    /// Owner or delegate of the account.
    pub authority: Pubkey,
    pub key: Pubkey,
    pub account: &'a MarginAccount,
}

/// `trade_execute` on the underlying at `index`, with the health accounts of both accounts and the
/// traded underlying (prices from `price_of`; the trade's `oracle` is `price_of(index)`).
pub fn trade_execute(
    buyer: TradeSide,
    seller: TradeSide,
    index: u16,
    args: TradeArgs,
    price_of: impl Fn(u16) -> Pubkey,
) -> Instruction {
    let group = buyer.account.group;
    let needed = underlyings_for_trade([buyer.account, seller.account], index);
    let mut ix = build(
        acc::TradeExecute {
            group,
            buyer_authority: buyer.authority,
            buyer: buyer.key,
            seller_authority: seller.authority,
            seller: seller.key,
            underlying: pda::underlying(&group, index),
            oracle: price_of(index),
        },
        data::TradeExecute { args },
    );
    ix.accounts.extend(health_accounts(&group, needed, price_of));
    ix
}

/// `perp_update_funding` of the underlying at `index`, reading `oracle`.
pub fn perp_update_funding(group: &Pubkey, index: u16, oracle: &Pubkey) -> Instruction {
    build(
        acc::PerpUpdateFunding {
            group: *group,
            underlying: pda::underlying(group, index),
            oracle: *oracle,
        },
        data::PerpUpdateFunding {},
    )
}

/// `perp_settle_pnl` from `loser` to `winner` on the underlying at `index`, reading `oracle`;
/// `loser_health` are the loser's health accounts, needed only for it to borrow from the quote
/// pool (empty: it pays from its quote balance only).
pub fn perp_settle_pnl(
    group: &Pubkey,
    winner: &Pubkey,
    loser: &Pubkey,
    index: u16,
    oracle: &Pubkey,
    loser_health: Vec<AccountMeta>,
) -> Instruction {
    let mut ix = build(
        acc::PerpSettlePnl {
            group: *group,
            winner: *winner,
            loser: *loser,
            underlying: pda::underlying(group, index),
            quote_underlying: pda::underlying(group, QUOTE_INDEX),
            oracle: *oracle,
        },
        data::PerpSettlePnl {},
    );
    ix.accounts.extend(loser_health);
    ix
}

/// `perp_settle_pnl` from `loser` (decoded as `state`) to `winner` on market `index`, with the
/// loser's health accounts (it may borrow to pay; prices from `price_of`).
pub fn perp_settle_pnl_with_health(
    winner: &Pubkey,
    loser: (&Pubkey, &MarginAccount),
    index: u16,
    price_of: impl Fn(u16) -> Pubkey,
) -> Instruction {
    let (key, state) = loser;
    let group = state.group;
    let health = health_accounts(&group, required_underlyings(&[state]), &price_of);
    perp_settle_pnl(&group, winner, key, index, &price_of(index), health)
}

/// `account_settle_bankruptcy`: the whole loss of `loser` (holding nothing of value) on the
/// underlying at `index` to `winner`, reading `oracle`, resolved in the same instruction.
pub fn account_settle_bankruptcy(
    group: &Pubkey,
    winner: &Pubkey,
    loser: &Pubkey,
    index: u16,
    oracle: &Pubkey,
) -> Instruction {
    build(
        acc::AccountSettleBankruptcy {
            winner: *winner,
            loser: *loser,
            underlying: pda::underlying(group, index),
            oracle: *oracle,
            vaults: insurance_vaults(group),
        },
        data::AccountSettleBankruptcy {},
    )
}

/// `perp_settle_fees` of `account`'s loss on the underlying at `index`, reading `oracle`;
/// `health` are the account's health accounts, needed only for it to borrow from the quote pool.
pub fn perp_settle_fees(
    group: &Pubkey,
    account: &Pubkey,
    index: u16,
    oracle: &Pubkey,
    health: Vec<AccountMeta>,
) -> Instruction {
    let mut ix = build(
        acc::PerpSettleFees {
            group: *group,
            margin_account: *account,
            underlying: pda::underlying(group, index),
            quote_underlying: pda::underlying(group, QUOTE_INDEX),
            oracle: *oracle,
        },
        data::PerpSettleFees {},
    );
    ix.accounts.extend(health);
    ix
}

/// Health accounts for the given underlyings (ascending, as `required_underlyings` gives them):
/// for each, the underlying PDA and the price account `price_of(index)`, read-only; the quote
/// underlying (owed quote) alone.
pub fn health_accounts(
    group: &Pubkey,
    underlyings: impl IntoIterator<Item = u16>,
    price_of: impl Fn(u16) -> Pubkey,
) -> Vec<AccountMeta> {
    let mut metas = Vec::new();
    for index in underlyings {
        metas.push(AccountMeta::new_readonly(pda::underlying(group, index), false));
        if index != QUOTE_INDEX {
            metas.push(AccountMeta::new_readonly(price_of(index), false));
        }
    }
    metas
}

/// `option_list` on the underlying at `index`, reading its price from `oracle`.
pub fn option_list(
    admin: &Pubkey,
    group: &Pubkey,
    index: u16,
    params: ChainParams,
    oracle: &Pubkey,
) -> Instruction {
    let underlying = pda::underlying(group, index);
    build(
        acc::OptionList { admin: *admin, group: *group, underlying, oracle: *oracle },
        data::OptionList { params },
    )
}

/// `option_series_add` on the underlying at `index`.
pub fn option_series_add(
    admin: &Pubkey,
    group: &Pubkey,
    index: u16,
    params: SeriesParams,
) -> Instruction {
    build(
        acc::OptionSeriesAdd {
            admin: *admin,
            group: *group,
            underlying: pda::underlying(group, index),
        },
        data::OptionSeriesAdd { params },
    )
}

/// `option_vols_post` on the underlying at `index`, signed by the chain's vol authority.
pub fn option_vols_post(
    vol_authority: &Pubkey,
    group: &Pubkey,
    index: u16,
    oracle: &Pubkey,
    args: VolsPostArgs,
) -> Instruction {
    build(
        acc::OptionVolsPost {
            vol_authority: *vol_authority,
            group: *group,
            underlying: pda::underlying(group, index),
            oracle: *oracle,
        },
        data::OptionVolsPost { args },
    )
}

/// `risk_sample_price` of the underlying at `index`, reading `oracle` (its bound price account).
pub fn risk_sample_price(group: &Pubkey, index: u16, oracle: &Pubkey) -> Instruction {
    build(
        acc::RiskSamplePrice {
            group: *group,
            underlying: pda::underlying(group, index),
            oracle: *oracle,
        },
        data::RiskSamplePrice {},
    )
}

/// `risk_refresh` of `series` on the underlying at `index`, reading `oracle`.
pub fn risk_refresh(group: &Pubkey, index: u16, series: u16, oracle: &Pubkey) -> Instruction {
    build(
        acc::RiskRefresh {
            group: *group,
            underlying: pda::underlying(group, index),
            oracle: *oracle,
        },
        data::RiskRefresh { series },
    )
}

/// `option_settle_expiry` of the series of market `index` expiring at `expiry` from the print in
/// `oracle`: the first at or after the expiry, or, when `earlier` lists the first prints of the
/// earlier settlement stages (each graded invalid), the first at or after the next stage's start.
pub fn option_settle_expiry(
    group: &Pubkey,
    index: u16,
    expiry: i64,
    oracle: &Pubkey,
    earlier: &[Pubkey],
) -> Instruction {
    let mut ix = build(
        acc::OptionSettleExpiry {
            group: *group,
            underlying: pda::underlying(group, index),
            oracle: *oracle,
        },
        data::OptionSettleExpiry { expiry },
    );
    ix.accounts.extend(earlier.iter().map(|key| AccountMeta::new_readonly(*key, false)));
    ix
}

/// `option_settle_positions` on the underlying at `index` for the margin accounts `accounts`.
pub fn option_settle_positions(group: &Pubkey, index: u16, accounts: &[Pubkey]) -> Instruction {
    let mut ix = build(
        acc::OptionSettlePositions { group: *group, underlying: pda::underlying(group, index) },
        data::OptionSettlePositions {},
    );
    ix.accounts.extend(accounts.iter().map(|key| AccountMeta::new(*key, false)));
    ix
}

/// `health_refresh` of `account` (decoded as `state`), with its health accounts (prices from
/// `price_of`).
pub fn health_refresh(
    key: &Pubkey,
    state: &MarginAccount,
    price_of: impl Fn(u16) -> Pubkey,
) -> Instruction {
    let group = state.group;
    let mut ix = build(acc::HealthRefresh { group, margin_account: *key }, data::HealthRefresh {});
    ix.accounts.extend(account_health_accounts(state, price_of));
    ix
}

/// The health accounts of one account as it stands (`health_refresh`, `health_check`,
/// `account_view`).
pub fn account_health_accounts(
    account: &MarginAccount,
    price_of: impl Fn(u16) -> Pubkey,
) -> Vec<AccountMeta> {
    health_accounts(&account.group, required_underlyings(&[account]), price_of)
}

/// `account_liquidate`: `liquidator` (signed by `authority`, its owner or delegate) takes
/// `args.step` of `liquidatee`'s holdings. The health accounts cover both accounts' holdings, the
/// underlyings the step moves writable (`LiquidationStep::touched`).
pub fn account_liquidate(
    authority: &Pubkey,
    liquidator: (&Pubkey, &MarginAccount),
    liquidatee: (&Pubkey, &MarginAccount),
    args: LiquidateArgs,
    price_of: impl Fn(u16) -> Pubkey,
) -> Instruction {
    let group = liquidatee.1.group;
    let mut ix = build(
        acc::AccountLiquidate {
            group,
            liquidator_authority: *authority,
            liquidator: *liquidator.0,
            liquidatee: *liquidatee.0,
        },
        data::AccountLiquidate { args },
    );
    let needed = required_underlyings(&[liquidatee.1, liquidator.1]);
    let touched = args.step.touched(liquidatee.1);
    let mut metas = health_accounts(&group, needed, price_of);
    for meta in &mut metas {
        let underlying = touched.iter().any(|&i| pda::underlying(&group, i) == meta.pubkey);
        meta.is_writable |= underlying;
    }
    ix.accounts.extend(metas);
    ix
}

/// `account_resolve_bankruptcy` of `account` in `group`.
pub fn account_resolve_bankruptcy(group: &Pubkey, account: &Pubkey) -> Instruction {
    build(
        acc::AccountResolveBankruptcy { margin_account: *account, vaults: insurance_vaults(group) },
        data::AccountResolveBankruptcy {},
    )
}

/// `insurance_deposit` of `amount` quote units from `source` (a token account of `depositor`).
pub fn insurance_deposit(
    depositor: &Pubkey,
    group: &Pubkey,
    source: &Pubkey,
    amount: u64,
) -> Instruction {
    build(
        acc::InsuranceDeposit {
            depositor: *depositor,
            group: *group,
            source: *source,
            insurance_vault: pda::insurance_vault(group),
            token_program: spl_token::ID,
        },
        data::InsuranceDeposit { amount },
    )
}

/// `insurance_sweep` of `group`'s quote pool.
pub fn insurance_sweep(group: &Pubkey) -> Instruction {
    build(acc::InsuranceSweep { vaults: insurance_vaults(group) }, data::InsuranceSweep {})
}

/// The group's quote pool and insurance vault accounts (`cross_margin::vaults::InsuranceVaults`).
fn insurance_vaults(group: &Pubkey) -> InsuranceVaults {
    let quote_underlying = pda::underlying(group, QUOTE_INDEX);
    InsuranceVaults {
        group: *group,
        quote_underlying,
        vault: pda::vault(&quote_underlying),
        insurance_vault: pda::insurance_vault(group),
        token_program: spl_token::ID,
    }
}

/// The compute budget program.
pub const COMPUTE_BUDGET_ID: Pubkey =
    Pubkey::from_str_const("ComputeBudget111111111111111111111111111111");

/// `SetComputeUnitPrice`: the transaction pays `micro_lamports` per compute unit of its limit as a
/// priority fee (a keeper outbids others in a fast market).
pub fn compute_unit_price(micro_lamports: u64) -> Instruction {
    let mut data = vec![3u8];
    data.extend_from_slice(&micro_lamports.to_le_bytes());
    Instruction { program_id: COMPUTE_BUDGET_ID, accounts: vec![], data }
}

/// `SetComputeUnitLimit`: the transaction may use up to `units` (the default is 200,000 per
/// instruction; a health check over a full portfolio on both sides of a trade needs more).
pub fn compute_unit_limit(units: u32) -> Instruction {
    let mut data = vec![2u8];
    data.extend_from_slice(&units.to_le_bytes());
    Instruction { program_id: COMPUTE_BUDGET_ID, accounts: vec![], data }
}

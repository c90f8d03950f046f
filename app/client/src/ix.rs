//! Instruction builders, one per instruction. They fill in every derivable account (PDAs, vaults,
//! programs); tests that need a malformed instruction edit the returned `accounts`.

use anchor_lang::prelude::Pubkey;
use anchor_lang::{system_program, InstructionData, ToAccountMetas};
use anchor_spl::token::spl_token;
use cross_margin::instructions::{
    AccountCreateArgs, AccountSetDelegateArgs, CollateralDepositArgs, CollateralWithdrawArgs,
    GroupCreateArgs, OptionQuoteArgs, UnderlyingAddArgs,
};
use cross_margin::state::{MarginAccount, QUOTE_INDEX};
use cross_margin::{accounts as acc, instruction as data, ID};
use solana_instruction::{AccountMeta, Instruction};

use crate::health::underlyings_after;
use crate::pda;

fn build(accounts: impl ToAccountMetas, data: impl InstructionData) -> Instruction {
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

/// Health accounts for the given non-quote underlyings (in the account's slot order): for each,
/// the underlying PDA and the price account `price_of(index)`, read-only.
pub fn health_accounts(
    group: &Pubkey,
    underlyings: impl IntoIterator<Item = u16>,
    price_of: impl Fn(u16) -> Pubkey,
) -> Vec<AccountMeta> {
    underlyings
        .into_iter()
        .flat_map(|index| {
            [
                AccountMeta::new_readonly(pda::underlying(group, index), false),
                AccountMeta::new_readonly(price_of(index), false),
            ]
        })
        .collect()
}

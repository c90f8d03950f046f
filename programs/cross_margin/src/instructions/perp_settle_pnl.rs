//! `perp_settle_pnl`: permissionless. Moves unrealized perpetual P&L from a losing account to a
//! winning one through their quote balances, at the oracle mid price: the smaller of the winner's
//! gain and the loser's loss. Both accounts' equity is unchanged (the P&L only changes form), so no
//! health check is needed; the loser's quote balance may become negative (an amount owed, repaid by
//! depositing the quote asset).

use anchor_lang::prelude::*;

use crate::engine::collateral::change_balance;
use crate::engine::perp;
use crate::error::XmError;
use crate::events::PnlSettled;
use crate::oracle::read_valid_contract_price;
use crate::state::{Group, MarginAccount, Underlying, QUOTE_INDEX};

#[derive(Accounts)]
pub struct PerpSettlePnl<'info> {
    pub group: AccountLoader<'info, Group>,
    #[account(mut, has_one = group @ XmError::WrongGroup)]
    pub winner: AccountLoader<'info, MarginAccount>,
    #[account(mut, has_one = group @ XmError::WrongGroup)]
    pub loser: AccountLoader<'info, MarginAccount>,
    #[account(has_one = group @ XmError::WrongGroup)]
    pub underlying: AccountLoader<'info, Underlying>,
    /// CHECK: the underlying's Pyth price account, checked by `oracle::read_price`.
    pub oracle: UncheckedAccount<'info>,
}

pub fn handler(ctx: Context<PerpSettlePnl>) -> Result<()> {
    let a = &ctx.accounts;
    require_keys_neq!(a.winner.key(), a.loser.key(), XmError::SelfTrade);
    let now = Clock::get()?.unix_timestamp;
    let quote_decimals = a.group.load()?.quote_decimals;
    let underlying = a.underlying.load()?;
    require!(underlying.perp.listed == 1, XmError::PerpNotListed);
    let x = read_valid_contract_price(
        &a.oracle,
        &underlying,
        underlying.perp.contract_size,
        quote_decimals,
        now,
    )?;
    let (mut winner, mut loser) = (a.winner.load_mut()?, a.loser.load_mut()?);
    let mut pnl = [0i128; 2];
    for (k, account) in [&mut *winner, &mut *loser].into_iter().enumerate() {
        let position = perp::position_mut(account, underlying.index, &underlying.perp)?;
        perp::book_funding(position, &underlying.perp)?;
        pnl[k] = perp::unrealized(position, x.mid);
    }
    if pnl[0] <= 0 || pnl[1] >= 0 {
        msg!("winner P&L {}, loser P&L {}", pnl[0], pnl[1]);
        return err!(XmError::NothingToSettle);
    }
    let amount = i64::try_from(pnl[0].min(-pnl[1])).map_err(|_| XmError::MathOverflow)?;
    for (account, signed) in [(&mut *winner, amount), (&mut *loser, -amount)] {
        let position = perp::position_mut(account, underlying.index, &underlying.perp)?;
        position.quote = position.quote.checked_sub(signed).ok_or(XmError::MathOverflow)?;
        change_balance(account, QUOTE_INDEX, signed)?;
        perp::release_if_flat(account, underlying.index);
    }
    emit!(PnlSettled {
        underlying: underlying.index,
        winner: a.winner.key(),
        loser: a.loser.key(),
        amount,
        price: x.mid,
    });
    Ok(())
}

//! `option_settle_positions`: permissionless, batched. After `option_settle_expiry` recorded a
//! series' settlement price, closes every position the given margin accounts hold in settled series
//! of the underlying's chain for `quantity * settlement_value` into their unsettled quote on the
//! underlying (`perp_settle_pnl` then moves it into quote balances). Remaining accounts: the margin
//! accounts, writable, any number that fits the transaction. An account with nothing to settle is
//! passed over; one whose settlement fails (for example no free market slot) is skipped unchanged,
//! with an `OptionSettlementSkipped` event, so one account cannot hold up the batch. No health
//! check: a settled position's value is already exactly what is booked.

use anchor_lang::prelude::*;

use crate::engine::option_positions;
use crate::error::error_code;
use crate::error::XmError;
use crate::events::{OptionPositionsSettled, OptionSettlementSkipped};
use crate::state::{Group, MarginAccount, Underlying};

#[derive(Accounts)]
pub struct OptionSettlePositions<'info> {
    pub group: AccountLoader<'info, Group>,
    #[account(mut, has_one = group @ XmError::WrongGroup)]
    pub underlying: AccountLoader<'info, Underlying>,
}

pub fn handler<'info>(ctx: Context<'info, OptionSettlePositions<'info>>) -> Result<()> {
    require!(!ctx.remaining_accounts.is_empty(), XmError::SettlementAccountInvalid);
    let group = ctx.accounts.group.key();
    let mut underlying = ctx.accounts.underlying.load_mut()?;
    require!(underlying.options.listed == 1, XmError::ChainNotListed);
    for info in ctx.remaining_accounts {
        if !info.is_writable {
            xm_msg!("margin account {} is read-only", info.key);
            return err!(XmError::SettlementAccountInvalid);
        }
        let loader = AccountLoader::<MarginAccount>::try_from(info)?;
        let mut account = loader.load_mut()?;
        require_keys_eq!(account.group, group, XmError::WrongGroup);
        let done = match option_positions::settle_positions(&mut account, &mut underlying) {
            Ok(done) => done,
            Err(e) => {
                xm_msg!("margin account {} skipped: {}", info.key, e);
                emit!(OptionSettlementSkipped {
                    underlying: underlying.index,
                    account: info.key(),
                    error_code: error_code(&e),
                });
                continue;
            }
        };
        if done.positions > 0 {
            emit!(OptionPositionsSettled {
                underlying: underlying.index,
                account: info.key(),
                positions: done.positions,
                amount: done.amount,
                chain_net_paid: underlying.options.settlement_net_paid,
            });
        }
    }
    Ok(())
}

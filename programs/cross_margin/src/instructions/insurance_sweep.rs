//! `insurance_sweep`: anyone (crank) moves the quote pool's collected interest and the insurance
//! fund's share of its collected fees from the quote vault to the insurance vault; the rest of the
//! fees stays in the quote vault as the group's (`engine::bankruptcy::sweep`).

use anchor_lang::prelude::*;

use crate::engine::bankruptcy;
use crate::events::InsuranceSwept;
use crate::vaults::*;

#[derive(Accounts)]
pub struct InsuranceSweep<'info> {
    pub vaults: InsuranceVaults<'info>,
}

pub fn handler(ctx: Context<InsuranceSweep>) -> Result<()> {
    let v = &ctx.accounts.vaults;
    let (sweep, balance) = {
        let mut group = v.group.load_mut()?;
        let mut pool = v.quote_underlying.load_mut()?;
        let sweep = bankruptcy::sweep(&mut pool, &mut group.insurance)?;
        (sweep, group.insurance.balance)
    };
    v.transfer(true, sweep.to_fund)?;
    emit!(InsuranceSwept {
        group: v.group.key(),
        to_fund: sweep.to_fund,
        to_group: sweep.to_group,
        balance,
    });
    Ok(())
}

//! Token moves out of the group's vaults, signed by the group PDA (the authority of every vault).

use anchor_lang::prelude::*;
use anchor_spl::token::{self, Transfer};

use crate::state::GroupSigner;

/// Moves `amount` native units from the vault `from` to `to`, signed by `group` (whose seeds are
/// `signer`). Nothing moves for 0.
pub fn transfer_from_vault<'info>(
    token_program: &AccountInfo<'info>,
    from: &AccountInfo<'info>,
    to: &AccountInfo<'info>,
    group: &AccountInfo<'info>,
    signer: &GroupSigner,
    amount: u64,
) -> Result<()> {
    if amount == 0 {
        return Ok(());
    }
    let accounts = Transfer { from: from.clone(), to: to.clone(), authority: group.clone() };
    let seeds = signer.seeds();
    token::transfer(CpiContext::new_with_signer(token_program.key(), accounts, &[&seeds]), amount)
}

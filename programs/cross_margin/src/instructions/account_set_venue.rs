//! `account_set_venue`: the owner approves a venue to book fills into its account, or revokes
//! it. Only the owner: a delegate that could approve a venue it controls could trade the account
//! at any price the venue accepts.

use anchor_lang::prelude::*;

use crate::engine::venue;
use crate::error::XmError;
use crate::events::VenueApprovalSet;
use crate::state::{MarginAccount, Venue};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct AccountSetVenueArgs {
    /// `true` approves the venue, `false` revokes it.
    pub approved: bool,
}

#[derive(Accounts)]
pub struct AccountSetVenue<'info> {
    pub owner: Signer<'info>,
    #[account(mut, has_one = owner @ XmError::NotAccountOwner)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// A venue of the account's group (approved by the group or not yet).
    #[account(constraint = venue.load()?.group == margin_account.load()?.group @ XmError::WrongGroup)]
    pub venue: AccountLoader<'info, Venue>,
}

pub fn handler(ctx: Context<AccountSetVenue>, args: AccountSetVenueArgs) -> Result<()> {
    let a = &ctx.accounts;
    let mut account = a.margin_account.load_mut()?;
    if args.approved {
        venue::approve(&mut account, &a.venue.key())?;
    } else {
        venue::revoke(&mut account, &a.venue.key());
    }
    emit!(VenueApprovalSet {
        group: account.group,
        account: a.margin_account.key(),
        venue: a.venue.key(),
        approved: args.approved,
    });
    Ok(())
}

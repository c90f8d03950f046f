//! `venue_add`: the admin registers a venue program, unapproved. Its fills are refused until an
//! approval (`ParamChange::Venue`, riskier, so queued behind the timelock) applies: users see a
//! new venue coming before it can book anything.

use anchor_lang::prelude::*;

use crate::engine::governance::{self, pause};
use crate::engine::venue::VenueTerms;
use crate::error::XmError;
use crate::events::VenueAdded;
use crate::state::{Group, MarginAccount, Venue, VENUE_AUTHORITY_SEED, VENUE_SEED, VENUE_VERSION};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct VenueAddArgs {
    /// The venue program: it signs its fills with its PDA `["xmargin-venue", group]`.
    pub program: Pubkey,
    /// Most it will be allowed to charge a side per fill, basis points of the notional (`<= 100`;
    /// in force once approved).
    pub max_fee_bps: u16,
}

#[derive(Accounts)]
#[instruction(args: VenueAddArgs)]
pub struct VenueAdd<'info> {
    /// The group admin; pays the venue's rent.
    #[account(mut)]
    pub admin: Signer<'info>,
    #[account(has_one = admin @ XmError::NotGroupAdmin)]
    pub group: AccountLoader<'info, Group>,
    #[account(
        init,
        payer = admin,
        space = Venue::SPACE,
        seeds = [VENUE_SEED, group.key().as_ref(), args.program.as_ref()],
        bump
    )]
    pub venue: AccountLoader<'info, Venue>,
    /// The margin account of this group that receives the venue's fees.
    #[account(has_one = group @ XmError::WrongGroup)]
    pub fee_account: AccountLoader<'info, MarginAccount>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<VenueAdd>, args: VenueAddArgs) -> Result<()> {
    let a = &ctx.accounts;
    governance::check_not_paused(&*a.group.load()?, pause::LISTING)?;
    let terms =
        VenueTerms { program: args.program, approved: false, max_fee_bps: args.max_fee_bps };
    terms.validate()?;
    let group = a.group.key();
    let (authority, authority_bump) =
        Pubkey::find_program_address(&[VENUE_AUTHORITY_SEED, group.as_ref()], &args.program);
    let mut venue = a.venue.load_init()?;
    venue.version = VENUE_VERSION;
    venue.bump = ctx.bumps.venue;
    venue.authority_bump = authority_bump;
    venue.group = group;
    venue.program = args.program;
    venue.authority = authority;
    venue.fee_account = a.fee_account.key();
    terms.write(&mut venue)?;
    emit!(VenueAdded {
        group,
        venue: a.venue.key(),
        program: args.program,
        authority,
        fee_account: venue.fee_account,
        max_fee_bps: args.max_fee_bps,
    });
    Ok(())
}

//! `Venue`: a program (order book, RFQ, vault) that may book fills into margin accounts by CPI
//! (`venue_fill`), signing with its venue authority, a PDA of its own. Registered by the admin
//! (`venue_add`) unapproved; approving it, or raising its fee cap, is a riskier change that waits
//! out the group's timelock (`engine::params`, `ParamChange::Venue`); removing it applies at once.
//! A fill also needs both accounts to have approved the venue (`account_set_venue`).

use anchor_lang::prelude::*;

use crate::assert_layout;

pub const VENUE_SEED: &[u8] = b"venue";
pub const VENUE_VERSION: u8 = 1;

/// Seeds of a venue's authority, a PDA of the venue program: `["xmargin-venue", group]`. The
/// venue signs `venue_fill` with it (`invoke_signed`), so only the program itself can book fills.
pub const VENUE_AUTHORITY_SEED: &[u8] = b"xmargin-venue";

/// Largest venue fee cap, basis points of the fill's cash notional (contracts times price): 1%.
pub const MAX_VENUE_FEE_BPS: u16 = 100;

/// PDA `["venue", group, program]`.
#[account(zero_copy)]
#[derive(Debug)]
pub struct Venue {
    /// Layout version, [`VENUE_VERSION`].
    pub version: u8,
    /// Bump of this PDA.
    pub bump: u8,
    /// 1 when the group approves fills from this venue (set through `engine::params`).
    pub approved: u8,
    /// Bump of `authority`.
    pub authority_bump: u8,
    /// Most the venue may charge a side per fill, basis points of the fill's notional
    /// (`<= MAX_VENUE_FEE_BPS`).
    pub max_fee_bps: u16,
    pub _pad0: [u8; 2],
    /// Group the venue books into.
    pub group: Pubkey,
    /// The venue program.
    pub program: Pubkey,
    /// The venue program's PDA `[VENUE_AUTHORITY_SEED, group]`: the signer of its fills.
    pub authority: Pubkey,
    /// The margin account (of this group) that receives the venue's fees, as unsettled quote on
    /// the traded underlying.
    pub fee_account: Pubkey,
    /// Incremented by every parameter change applied to the venue (`engine::params`).
    pub params_version: u32,
    pub _pad1: [u8; 4],
    /// Reserved for future fields; zero.
    pub reserved: [u8; 72],
}

assert_layout!(Venue, 8 + 32 * 4 + 8 + 72);

impl Venue {
    /// Account size including the 8-byte discriminator.
    pub const SPACE: usize = 8 + core::mem::size_of::<Venue>();

    /// Whether the group approves the venue's fills.
    pub fn is_approved(&self) -> bool {
        self.approved == 1
    }
}

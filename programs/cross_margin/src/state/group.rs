//! `Group`: one clearing venue: its admin, settlement (quote) asset and global risk parameters.

use anchor_lang::prelude::*;

use crate::assert_layout;
pub use crate::engine::liquidation::LiquidationParams;

pub const GROUP_SEED: &[u8] = b"group";
pub const GROUP_VERSION: u8 = 1;

/// PDA `["group", creator, group_num (u32 LE)]`.
#[account(zero_copy)]
#[derive(Debug)]
pub struct Group {
    /// Layout version, [`GROUP_VERSION`].
    pub version: u8,
    /// Bump of this PDA.
    pub bump: u8,
    /// Number of underlyings registered; the next one gets this index. Index 0 is the quote asset.
    pub underlying_count: u16,
    /// Free number chosen by the creator (part of the seeds).
    pub group_num: u32,
    /// Signer for admin instructions.
    pub admin: Pubkey,
    /// Key that created the group (part of the seeds; never changes).
    pub creator: Pubkey,
    /// Settlement (quote) mint; its underlying is index 0 and it is the unit of account.
    pub quote_mint: Pubkey,
    /// Decimals of the quote mint (native quote units per whole unit = 10^quote_decimals).
    pub quote_decimals: u8,
    pub _pad0: [u8; 3],
    /// Delay, in seconds, before a risk-raising parameter change (for example a higher collateral
    /// weight) takes effect.
    pub risk_timelock_secs: u32,
    /// How liquidations pay their liquidators (the Dutch auction of `engine::liquidation`).
    pub liquidation: LiquidationParams,
    /// Reserved for future fields; zero. (Fees accrue per underlying, `Underlying::fees_accrued`,
    /// so that no trade writes the group.)
    pub reserved: [u8; 248],
}

assert_layout!(LiquidationParams, 8);
assert_layout!(Group, 8 + 32 * 3 + 8 + 8 + 248);

impl Group {
    /// Account size including the 8-byte discriminator.
    pub const SPACE: usize = 8 + core::mem::size_of::<Group>();

    /// The data needed to sign as the group (the authority of every vault), copied out so the
    /// account can be borrowed again during the CPI.
    pub fn signer(&self) -> GroupSigner {
        GroupSigner {
            creator: self.creator,
            group_num: self.group_num.to_le_bytes(),
            bump: [self.bump],
        }
    }
}

/// Owned copy of the group's PDA seeds.
pub struct GroupSigner {
    creator: Pubkey,
    group_num: [u8; 4],
    bump: [u8; 1],
}

impl GroupSigner {
    pub fn seeds(&self) -> [&[u8]; 4] {
        [GROUP_SEED, self.creator.as_ref(), &self.group_num, &self.bump]
    }
}

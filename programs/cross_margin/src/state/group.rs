//! `Group`: one clearing venue: its admin, settlement (quote) asset and global risk parameters.

use anchor_lang::prelude::*;

use crate::assert_layout;
pub use crate::engine::liquidation::{LiquidationParams, StoredLiquidationParams};
use crate::engine::portfolio::QuoteTerms;

pub const GROUP_SEED: &[u8] = b"group";
pub const INSURANCE_SEED: &[u8] = b"insurance";
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
    pub liquidation: StoredLiquidationParams,
    /// The insurance fund: its vault's balance and what it receives of the fees.
    pub insurance: InsuranceFund,
    /// The quote pool's deposit index (`QuoteLending::deposit_index`, always equal; precision:
    /// 2^-40, 0 reads as 1.0), kept here so that a health check values quote deposits from the
    /// group it reads anyway, without the quote underlying. Only a bankruptcy resolution, which
    /// writes both, changes it.
    pub quote_deposit_index: u64,
    /// What bankruptcy resolutions have taken from the insurance fund since the group was
    /// created, native quote units (precision: 1; only `engine::bankruptcy::resolve` adds to it).
    pub insurance_paid_total: u64,
    /// What bankruptcy resolutions have written off over the quote deposits since the group was
    /// created (socialized losses), native quote units (precision: 1).
    pub socialized_total: u64,
    /// The admin proposed by `group_propose_admin`, who becomes the admin by signing
    /// `group_accept_admin`; `Pubkey::default()` when none is proposed.
    pub pending_admin: Pubkey,
    /// A key that can only make the group safer: set pause bits and reduce-only flags, cancel
    /// queued changes (`engine::governance`); `Pubkey::default()` when there is none. Set through
    /// the timelock (`ParamChange::Guardian`); removed at once.
    pub guardian: Pubkey,
    /// Sequence number the next queued change takes (the seed of its `PendingChange`); only
    /// `params_queue` increments it, so no two changes ever share an account.
    pub change_seq: u64,
    /// Paused instruction classes, a bitmask of `engine::governance::pause` bits (deposits,
    /// risk-reducing trades, liquidations and bankruptcy settlement have none).
    pub paused: u16,
    /// Underlyings of the group that are reduce-only now.
    pub reduce_only_count: u16,
    pub _pad1: [u8; 4],
    /// Unix time (seconds) exits became blocked (withdrawals or trading paused, or an underlying
    /// reduce-only), or the last change of those while they stay blocked; 0 while they are not.
    pub exits_blocked_since: i64,
    /// Seconds exits were blocked before `exits_blocked_since`
    /// (`engine::governance::exits_blocked_secs_at` adds the running stretch). Queued changes
    /// wait for every one of them: a timelock only counts while users can leave.
    pub exits_blocked_secs: u64,
    /// Incremented by every parameter change applied to the group's own sets; a queued group
    /// change applies only at the count it was queued at.
    pub params_version: u32,
    pub _pad2: [u8; 4],
    /// Reserved for future fields; zero. (Fees accrue per underlying, `Underlying::fees_accrued`,
    /// so that no trade writes the group.)
    pub reserved: [u8; 104],
}

/// The insurance fund of a group: quote tokens in its own vault (PDA `["insurance", group]`),
/// paid in by anyone (`insurance_deposit`) and by the sweep of the quote pool's interest and a
/// share of its fees (`insurance_sweep`), paid out only to cover bankruptcies
/// (`account_resolve_bankruptcy`).
#[zero_copy]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct InsuranceFund {
    /// Tokens in the insurance vault, native quote units (the vault holds exactly this).
    pub balance: u64,
    /// Share of the fees a sweep moves to the fund, basis points (the rest stays in the quote
    /// vault as the group's, `QuoteLending::protocol_fees`).
    pub fee_share_bps: u16,
    /// Bump of the insurance vault PDA.
    pub vault_bump: u8,
    pub _pad: [u8; 5],
}

impl InsuranceFund {
    /// Half of the collected fees to the insurance fund, half to the group.
    pub const DEFAULT_FEE_SHARE_BPS: u16 = 5_000;
}

assert_layout!(LiquidationParams, 8);
assert_layout!(StoredLiquidationParams, 8);
assert_layout!(InsuranceFund, 16);
assert_layout!(Group, 8 + 32 * 3 + 8 + 8 + 16 + 8 + 16 + 32 * 2 + 8 + 8 + 16 + 8 + 104);

impl Group {
    /// Account size including the 8-byte discriminator.
    pub const SPACE: usize = 8 + core::mem::size_of::<Group>();

    /// What a health computation needs of the quote asset.
    pub fn quote_terms(&self) -> QuoteTerms {
        QuoteTerms { decimals: self.quote_decimals, deposit_index: self.quote_deposit_index }
    }

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

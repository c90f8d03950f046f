//! Every event the program emits. Amounts are native token units; health figures are native quote
//! units (rounded down).

use anchor_lang::prelude::*;

/// Health figures attached to events (native quote units, rounded down).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HealthSummary {
    pub init: i64,
    pub maint: i64,
    pub assets: i64,
}

#[event]
pub struct GroupCreated {
    pub group: Pubkey,
    pub admin: Pubkey,
    pub quote_mint: Pubkey,
    pub risk_timelock_secs: u32,
}

#[event]
pub struct UnderlyingAdded {
    pub group: Pubkey,
    pub underlying: Pubkey,
    pub index: u16,
    pub mint: Pubkey,
    pub feed_id: [u8; 32],
    /// Haircuts requested; they replace the initial 100% haircut at `effective_ts`.
    pub init_haircut_bps: u16,
    pub maint_haircut_bps: u16,
    pub effective_ts: i64,
    pub deposit_cap: u64,
}

#[event]
pub struct MarginAccountCreated {
    pub group: Pubkey,
    pub account: Pubkey,
    pub owner: Pubkey,
    pub account_num: u32,
}

#[event]
pub struct DelegateSet {
    pub account: Pubkey,
    /// `Pubkey::default()` when the delegate was removed.
    pub delegate: Pubkey,
}

#[event]
pub struct CollateralDeposited {
    pub account: Pubkey,
    pub underlying: u16,
    pub signer: Pubkey,
    pub amount: u64,
    pub balance: i64,
    pub total_deposits: u64,
}

#[event]
pub struct CollateralWithdrawn {
    pub account: Pubkey,
    pub underlying: u16,
    pub amount: u64,
    pub balance: i64,
    pub total_deposits: u64,
    /// Health after the withdrawal.
    pub health: HealthSummary,
}

#[event]
pub struct MarginAccountClosed {
    pub account: Pubkey,
    pub owner: Pubkey,
}

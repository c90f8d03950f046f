//! Every event the program emits. Amounts are native token units; health figures are native quote
//! units (rounded down).

use anchor_lang::prelude::*;

use crate::engine::liquidation::LiquidationStep;
use crate::engine::options::{ChainParams, SeriesParams};
use crate::engine::params::ParamChange;
use crate::engine::perp::PerpParams;
use crate::engine::portfolio::HealthSummary;
use crate::engine::trade::Instrument;
use crate::engine::venue::FeePayer;

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
    /// The price account every price read must come from.
    pub price_account: Pubkey,
    /// Haircuts requested; they replace the initial 100% haircut at `effective_ts`.
    pub init_haircut_bps: u16,
    pub maint_haircut_bps: u16,
    pub effective_ts: i64,
    pub deposit_cap: u64,
    /// Its risk parameters.
    pub risk: crate::state::RiskParams,
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

#[event]
pub struct PerpListed {
    pub underlying: u16,
    pub params: PerpParams,
}

/// A trade of a perpetual or an option series. Sizes in contracts; prices per contract, premium
/// and fees in native quote units.
#[event]
pub struct Traded {
    pub underlying: u16,
    pub instrument: Instrument,
    pub buyer: Pubkey,
    pub seller: Pubkey,
    /// Whether the side was signed by its account's delegate (the delegate rule applied).
    pub buyer_delegated: bool,
    pub seller_delegated: bool,
    pub quantity: i64,
    pub price: i64,
    /// Premium the buyer paid the seller (options; 0 for perpetuals).
    pub premium: i64,
    pub fee_per_side: i64,
    /// Positions in the instrument after the trade.
    pub buyer_position: i64,
    pub seller_position: i64,
    /// Health after the trade (`None`: not computable from fresh inputs; the side then passed on
    /// its init health change).
    pub buyer_health: Option<HealthSummary>,
    pub seller_health: Option<HealthSummary>,
    /// The init health change of a side that did not end at init health >= 0 (at least minus its
    /// fee), else `None`.
    pub buyer_init_change: Option<i64>,
    pub seller_init_change: Option<i64>,
}

#[event]
pub struct FundingUpdated {
    pub underlying: u16,
    /// Funding index after the update, native quote units per contract.
    pub index: i64,
    /// Change of the index.
    pub change: i64,
    /// Premium average used (precision: 2^-32).
    pub premium_ema: i64,
    /// Oracle price per contract used.
    pub price: i64,
}

#[event]
pub struct PnlSettled {
    pub underlying: u16,
    pub winner: Pubkey,
    pub loser: Pubkey,
    /// Native quote units moved from the loser's quote balance to the winner's.
    pub amount: i64,
    /// What the loser owed after it and could never pay (it holds nothing of value): resolved
    /// in the same instruction (see the `BankruptcyResolved` event), else 0.
    pub written_off: u64,
    /// Oracle mid price per contract used.
    pub price: i64,
}

/// An account's loss on an underlying settled against the fees the underlying accrued.
#[event]
pub struct FeesSettled {
    pub underlying: u16,
    pub account: Pubkey,
    /// Native quote units moved from the account's quote balance to the fees collected.
    pub amount: i64,
    /// Fees the group waived: what an account that holds nothing of value could not pay.
    pub waived: i64,
    /// The underlying's fees still unsettled.
    pub fees_accrued: u64,
    /// The quote underlying's fees collected so far.
    pub fees_collected: u64,
}

#[event]
pub struct ChainListed {
    pub underlying: u16,
    pub params: ChainParams,
}

#[event]
pub struct SeriesAdded {
    pub underlying: u16,
    pub series: u16,
    /// The slot's generation (0 the first time it lists a series).
    pub generation: u32,
    pub params: SeriesParams,
}

/// New volatility inputs: a new epoch (every cache entry of the underlying is stale).
#[event]
pub struct VolsPosted {
    pub group: Pubkey,
    pub underlying: u16,
    /// The index in effect after the post, `max(applied, realized, atm)` (precision 2^-32, as
    /// every vol here).
    pub vol_index: i64,
    /// What the authority posted, and the part of it in effect (a fall applies gradually).
    pub posted: i64,
    pub applied: i64,
    pub realized: i64,
    /// At-the-money implied vol of the nearest expiry (0: no valid price).
    pub atm: i64,
    pub epoch: u32,
    /// Number of series vols posted.
    pub series: u16,
}

/// A price sample of the realized volatility (`risk_sample_price`).
#[event]
pub struct PriceSampled {
    pub group: Pubkey,
    pub underlying: u16,
    /// Realized vol after the sample (precision 2^-32).
    pub realized: i64,
    /// The index in effect, and whether the sample raised it (a new vol epoch).
    pub vol_index: i64,
    pub raised: bool,
    pub epoch: u32,
}

/// A series valued by the crank (per contract, native quote units; delta precision 2^-32).
#[event]
pub struct RiskRefreshed {
    pub underlying: u16,
    pub series: u16,
    pub epoch: u32,
    pub ref_price: i64,
    pub mark: i64,
    pub delta: i64,
}

/// Series of a chain settled at an expiry.
#[event]
pub struct ExpirySettled {
    pub underlying: u16,
    pub expiry: i64,
    /// The settlement point whose first print gave the price (the expiry, or the start of a
    /// later settlement window when no valid print could be had before).
    pub point: i64,
    /// Settlement price per contract, native quote units.
    pub price: i64,
    /// Number of series settled.
    pub series: u16,
}

/// Option positions of one account cash-settled after expiry.
#[event]
pub struct OptionPositionsSettled {
    pub underlying: u16,
    pub account: Pubkey,
    /// Positions closed.
    pub positions: u16,
    /// Native quote units paid into the account's unsettled quote on the underlying (negative:
    /// it paid).
    pub amount: i64,
    /// The chain's net amount paid so far (0 once every position of its settled series is).
    pub chain_net_paid: i64,
}

/// An account a settlement batch could not settle (left unchanged; the batch went on).
#[event]
pub struct OptionSettlementSkipped {
    pub underlying: u16,
    pub account: Pubkey,
    /// The program error that stopped it.
    pub error_code: u32,
}

/// Health recomputed on request (also the instruction's return data).
#[event]
pub struct HealthRefreshed {
    pub account: Pubkey,
    pub health: HealthSummary,
}

/// One liquidation step (`account_liquidate`).
#[event]
pub struct Liquidated {
    pub group: Pubkey,
    pub liquidatee: Pubkey,
    pub liquidator: Pubkey,
    /// What moved from the liquidatee to the liquidator.
    pub step: LiquidationStep,
    /// When the liquidatee was flagged (unix seconds) and the auction's age at this step.
    pub flagged_since: i64,
    pub auction_secs: i64,
    /// The incentive rate of the step, basis points of `maint_gain`.
    pub rate_bps: u16,
    /// Native quote units the liquidatee paid the liquidator (into their unsettled quote).
    pub incentive: i64,
    /// Maint health the transfer gave the liquidatee before the incentive, native quote units.
    pub maint_gain: i64,
    /// The liquidatee's health before the step (stale inputs valued conservatively).
    pub liquidatee_before: HealthSummary,
    /// The liquidatee's init and maint health after the step, native quote units.
    pub liquidatee_init_after: i64,
    pub liquidatee_maint_after: i64,
    /// The liquidator's last recorded health (its account's snapshot, recorded at
    /// `liquidator_before_ts`: the step computes only its health after, to keep a full portfolio
    /// within budget) and its health after the step.
    pub liquidator_before: HealthSummary,
    pub liquidator_before_ts: i64,
    pub liquidator_after: HealthSummary,
    /// Whether the liquidatee is still flagged (init health below the target, 0).
    pub still_flagged: bool,
}

/// A bankrupt account resolved (`account_resolve_bankruptcy`).
#[event]
pub struct BankruptcyResolved {
    pub group: Pubkey,
    pub account: Pubkey,
    /// What it owed, interest included, native quote units.
    pub owed: u64,
    /// Paid by the insurance fund into the quote pool.
    pub insurance_paid: u64,
    /// Written off and spread over the quote deposits.
    pub socialized: u64,
    /// The insurance fund's balance and the quote pool's deposit index after (precision 2^-40).
    pub insurance_balance: u64,
    pub deposit_index: u64,
}

/// Tokens paid into the insurance fund (`insurance_deposit`).
#[event]
pub struct InsuranceDeposited {
    pub group: Pubkey,
    pub depositor: Pubkey,
    pub amount: u64,
    /// The fund's balance after.
    pub balance: u64,
}

/// The quote pool's collected interest and fees divided (`insurance_sweep`).
#[event]
pub struct InsuranceSwept {
    pub group: Pubkey,
    /// Moved to the insurance vault.
    pub to_fund: u64,
    /// Kept in the quote vault as the group's.
    pub to_group: u64,
    /// The fund's balance after.
    pub balance: u64,
}

/// A parameter change took effect: at once (`params_set`, `seq` none) or queued and now due
/// (`params_apply`).
#[event]
pub struct ParamsChanged {
    pub group: Pubkey,
    /// Index of the underlying changed, `state::GROUP_WIDE` for a change of the group,
    /// `state::VENUE_TARGET` for a venue's (the change names its program).
    pub underlying: u16,
    /// Sequence number of the queued change applied; none for a change applied at once.
    pub seq: Option<u64>,
    /// The values replaced.
    pub old: ParamChange,
    /// The values in effect from now.
    pub new: ParamChange,
}

/// A parameter change was queued (`params_queue`): anyone may apply it from `effective_ts`.
#[event]
pub struct ParamsQueued {
    pub group: Pubkey,
    pub underlying: u16,
    pub seq: u64,
    /// Its `PendingChange` account.
    pub pending: Pubkey,
    /// The values in effect when it was queued.
    pub old: ParamChange,
    pub new: ParamChange,
    pub queued_ts: i64,
    pub effective_ts: i64,
}

/// A queued change was cancelled (`params_cancel`) by the admin or the guardian.
#[event]
pub struct ParamsCancelled {
    pub group: Pubkey,
    pub underlying: u16,
    pub seq: u64,
    pub signer: Pubkey,
    pub change: ParamChange,
}

/// The admin proposed a successor (`Pubkey::default()`: withdrew the proposal).
#[event]
pub struct AdminProposed {
    pub group: Pubkey,
    pub admin: Pubkey,
    pub proposed: Pubkey,
}

/// The proposed admin accepted: it is the admin from now.
#[event]
pub struct AdminAccepted {
    pub group: Pubkey,
    pub old_admin: Pubkey,
    pub new_admin: Pubkey,
}

/// The group's pause bits changed (`engine::governance::pause`).
#[event]
pub struct PauseSet {
    pub group: Pubkey,
    pub signer: Pubkey,
    pub old: u16,
    pub new: u16,
}

/// An underlying's reduce-only flag changed.
#[event]
pub struct ReduceOnlySet {
    pub group: Pubkey,
    pub underlying: u16,
    pub signer: Pubkey,
    pub old: bool,
    pub new: bool,
}

/// A venue was registered (unapproved until a `ParamChange::Venue` applies).
#[event]
pub struct VenueAdded {
    pub group: Pubkey,
    pub venue: Pubkey,
    pub program: Pubkey,
    /// The program's PDA that signs its fills.
    pub authority: Pubkey,
    pub fee_account: Pubkey,
    pub max_fee_bps: u16,
}

/// A margin account's owner approved or revoked a venue.
#[event]
pub struct VenueApprovalSet {
    pub group: Pubkey,
    pub account: Pubkey,
    pub venue: Pubkey,
    pub approved: bool,
}

/// A venue booked a fill (`Traded`, emitted just before, has the positions and health).
#[event]
pub struct VenueFilled {
    pub group: Pubkey,
    pub venue: Pubkey,
    pub program: Pubkey,
    pub underlying: u16,
    pub buyer: Pubkey,
    pub seller: Pubkey,
    /// The keys the venue vouched for (each its account's owner or delegate).
    pub buyer_authority: Pubkey,
    pub seller_authority: Pubkey,
    pub quantity: i64,
    /// Price per contract, qn.
    pub price: i64,
    /// The venue's fee, qn, paid by `fee_payer` to `fee_account`.
    pub venue_fee: u64,
    pub fee_payer: FeePayer,
    pub fee_account: Pubkey,
}

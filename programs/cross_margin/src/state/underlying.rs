//! `Underlying`: one asset (SOL, BTC, ...): its oracle, its collateral parameters and vault, its
//! perpetual, and its option chain with the chain's risk cache.

use anchor_lang::prelude::*;

use xmargin_risk::scenario::MAX_SCENARIOS;

use crate::assert_layout;
use crate::state::OptionChain;

pub const UNDERLYING_SEED: &[u8] = b"underlying";
pub const VAULT_SEED: &[u8] = b"vault";
pub const UNDERLYING_VERSION: u8 = 1;

/// Bytes reserved after the option chain, so that the whole account stays below the 10,240-byte
/// limit for accounts created by CPI.
pub const TAIL_RESERVED_BYTES: usize = 656;

/// Haircut of 100%: the asset counts for nothing.
pub const FULL_HAIRCUT_BPS: u16 = 10_000;

/// What the underlying is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum UnderlyingKind {
    /// The settlement asset (index 0): worth exactly 1 quote unit, no oracle, may be owed.
    Quote = 0,
    /// A priced asset.
    Asset = 1,
}

/// PDA `["underlying", group, index (u16 LE)]`.
#[account(zero_copy)]
#[derive(Debug)]
pub struct Underlying {
    /// Layout version, [`UNDERLYING_VERSION`].
    pub version: u8,
    /// Bump of this PDA.
    pub bump: u8,
    /// Bump of the vault PDA `["vault", underlying]`.
    pub vault_bump: u8,
    /// [`UnderlyingKind`] as `u8`.
    pub kind: u8,
    /// Decimals of `mint`: native units per whole token = 10^decimals.
    pub decimals: u8,
    pub _pad0: u8,
    /// Index of this underlying in its group.
    pub index: u16,
    /// Group this underlying belongs to.
    pub group: Pubkey,
    /// Collateral token mint.
    pub mint: Pubkey,
    /// Token account holding every deposit of `mint` (authority: the group PDA).
    pub vault: Pubkey,
    /// Ticker, UTF-8, zero-padded (for example `SOL`).
    pub name: [u8; 16],
    pub oracle: OracleParams,
    pub collateral: CollateralParams,
    /// Trading fees charged on this underlying's perpetual and options, native quote units: a
    /// claim of the group on the unsettled quote of the accounts that paid them (every market's
    /// `sum of account quote + fees_accrued - options.settlement_net_paid` is 0). Kept here, not in
    /// the group, so that trades on different underlyings never write the same account.
    pub fees_accrued: u64,
    /// Quote asset only: fees paid into the quote pool by `perp_settle_fees`, native quote units,
    /// held in the vault until `insurance_sweep` divides them between the insurance fund and the
    /// group.
    pub fees_collected: u64,
    /// Quote asset only: what it lends to accounts that owe quote.
    pub lending: QuoteLending,
    /// 1 when the underlying is reduce-only (`underlying_set_reduce_only`): a trade on its
    /// perpetual or options must shrink both sides' positions.
    pub reduce_only: u8,
    pub _pad_ro: [u8; 3],
    /// Incremented by every parameter change applied to the underlying; a queued change of it
    /// applies only at the count it was queued at.
    pub params_version: u32,
    /// Scenario grid of the underlying (every book on it is stressed with these moves).
    pub risk: RiskState,
    /// The underlying's perpetual future.
    pub perp: PerpMarket,
    /// The underlying's option chain and its risk cache.
    pub options: OptionChain,
    /// What the volatility index in effect is made of (`engine::vol_index`).
    pub vol: VolInputs,
    /// The underlying's risk parameters, set at listing (`engine::underlying::risk_params`).
    pub risk_params: StoredRiskParams,
    /// Reserved for future fields; zero.
    pub reserved_tail: [u8; TAIL_RESERVED_BYTES],
}

crate::twin_params! {
    /// One underlying's risk parameters (`xmargin_risk::margin::UnderlyingParams` in integers), set
    /// at listing and validated there (`engine::underlying::validate_risk_params`). Pairs are (init,
    /// maint); init's are at least maint's.
    pub struct RiskParams / StoredRiskParams {
        /// Scan range as a multiple of `v sqrt(horizon)` (precision: 1e2, so 300 = 3.00).
        pub range_multiplier_x100: [u16; 2],
        /// Least scan range (precision: 1e4 bps = 100% of the price).
        pub range_floor_bps: [u16; 2],
        /// Vol shock at the 30-day tenor as a share of the series' vol (precision: 1e4 bps = 100%).
        pub vol_shock_ratio_bps: [u16; 2],
        /// Least vol shock, vol points (precision: 1e4, so 500 = 5 points).
        pub vol_shock_floor_bps: [u16; 2],
        /// Short-option minimum per written contract (precision: 1e4 bps of its notional).
        pub short_option_min_bps: [u16; 2],
        /// Delta add-on (precision: 1e4 bps of the net delta notional above its threshold).
        pub concentration_bps: [u16; 2],
        /// Margin horizon, seconds (options are aged by it in every scenario).
        pub horizon_secs: u32,
        /// Gap move in thirds of the scan range (4-12: beyond the range, up to four ranges).
        pub gap_thirds: [u8; 2],
        pub _pad: [u8; 2],
        /// Net delta notional above which the delta add-on applies, native quote units.
        pub concentration_threshold: u64,
        /// Weight of the gap scenarios (precision: 1e4 bps; 1,000 to `30,000 / gap_thirds`, so a
        /// linear book never binds on a gap).
        pub gap_weight_bps: [u16; 2],
        /// Gap vol shock: vols rise to at least `s (1 + gap_vol)` (precision: 1e4 bps = +100%).
        pub gap_vol_bps: [u16; 2],
        /// Gross add-on (precision: 1e4 bps of the gross notional above its threshold).
        pub gross_concentration_bps: [u16; 2],
        /// Vega add-on (precision: 1e4 bps of the net vega above its threshold).
        pub vega_concentration_bps: [u16; 2],
        /// Gross notional (every balance, perpetual and option contract at the price, unsigned)
        /// above which the gross add-on applies, native quote units.
        pub gross_threshold: u64,
        /// Net vega (the options' vol-up less vol-down P&L at an unchanged price, unsigned) above
        /// which the vega add-on applies, native quote units.
        pub vega_threshold: u64,
    }
}

/// The inputs of the volatility index in effect (`risk.vol_index`): `max(applied, realized,
/// atm)` (`engine::vol_index`). Every vol figure has precision 2^-32 (2^32 = 100%).
#[zero_copy]
#[derive(Debug, Default)]
pub struct VolInputs {
    /// The index the vol authority last posted.
    pub posted: i64,
    /// The posted part in effect: the last post, or what the index in effect has fallen to since
    /// the post before (at most 25% a day) if higher.
    pub applied: i64,
    /// Unix time (seconds) `applied` was set.
    pub applied_ts: i64,
    /// Realized variance average, per year (precision 2^-32).
    pub realized_var: i64,
    /// Realized volatility, `sqrt(realized_var)`; 0 until two samples.
    pub realized: i64,
    /// Oracle mid per whole token at the last sample, quote units (precision 2^-32).
    pub last_price: i64,
    /// Publish time (unix seconds) of the last sampled print.
    pub last_sample_ts: i64,
    /// At-the-money implied vol of the nearest expiry at the last post (0: no valid price).
    pub atm: i64,
    /// Samples taken.
    pub samples: u32,
    pub _pad: [u8; 4],
}

/// The scenario grid in effect: derived from the volatility index in effect (`engine::vol_index`)
/// with the default parameters (`xmargin_risk::margin::DEFAULT_PARAMS`) whenever it changes.
#[zero_copy]
#[derive(Debug)]
pub struct RiskState {
    /// Volatility index in effect (precision: 2^-32, so 2^32 = 100%): `max(applied, realized,
    /// atm)` of [`VolInputs`]; 0 until a post or a sample sets it (the grid then uses its
    /// floors).
    pub vol_index: i64,
    /// Incremented on every change of the vol inputs; risk-cache entries of another epoch are stale.
    pub vol_epoch: u32,
    pub _pad: [u8; 4],
    /// Relative price move of each init scenario (precision: 2^-32), rounded away from zero.
    pub init_moves: [i64; MAX_SCENARIOS],
    /// Relative price move of each maint scenario (precision: 2^-32), rounded away from zero.
    pub maint_moves: [i64; MAX_SCENARIOS],
}

/// A perpetual future on the underlying, cash-settled in the quote asset. Positions are in
/// contracts of `contract_size` native units; prices per contract in native quote units (qn).
#[zero_copy]
#[derive(Debug)]
pub struct PerpMarket {
    /// 1 once the admin listed the perpetual (trading is refused before).
    pub listed: u8,
    pub _pad: u8,
    /// Fee each side pays, basis points of the traded notional (precision: 1e4 = 100%).
    pub fee_bps: u16,
    /// Largest `|trade price - oracle price| / oracle price`, basis points.
    pub band_bps: u16,
    /// Largest `|funding rate|` per hour, basis points of the oracle price.
    pub max_funding_bps_per_hour: u16,
    /// Native units of the underlying per contract (> 0 once listed).
    pub contract_size: u64,
    /// Contracts held long (always equal to the contracts held short).
    pub open_interest: u64,
    /// Cumulative funding a long pays per contract since listing, qn (negative: longs received).
    pub funding_index: i64,
    /// Fraction of a qn per contract not yet added to `funding_index` (precision: 2^-32, in
    /// `[0, 2^32)`); carried so that no funding is lost to rounding.
    pub funding_remainder: i64,
    /// Time-weighted average of `(trade price - oracle) / oracle` (precision: 2^-32).
    pub premium_ema: i64,
    /// Unix time (seconds) funding was last accrued.
    pub last_funding_ts: i64,
    /// Unix time (seconds) `premium_ema` was last updated.
    pub last_premium_ts: i64,
    /// Price of the last trade, qn per contract.
    pub last_trade_price: i64,
    /// Most contracts that may be open (long, as many short); set at listing. Trades that raise
    /// the open interest above it are refused, those that lower it never.
    pub max_open_interest: u64,
    /// Reserved for future fields; zero.
    pub reserved: [u8; 24],
}

/// The quote pool's lending (`engine::lending`): an account whose quote balance is negative owes
/// it to the pool, at a utilization-based rate through a cumulative borrow index; new borrowing
/// stops at `max_utilization_bps`. The interest is the insurance fund's.
#[zero_copy]
#[derive(Debug, Default)]
pub struct QuoteLending {
    /// Cumulative borrow index (precision: 2^-40, `xmargin_risk::interest::INDEX_ONE` = 1.0 at
    /// creation).
    pub borrow_index: u64,
    /// Unix time (seconds) the index was last accrued.
    pub last_accrual_ts: i64,
    /// Interest booked into borrowers' balances (and socialized-loss rounding), native quote
    /// units: the insurance fund's, held in the vault until `insurance_sweep`.
    pub interest_collected: u64,
    /// Rate per year at zero utilization, basis points.
    pub base_rate_bps: u16,
    /// Rate added from zero to the optimal utilization, basis points a year.
    pub slope1_bps: u16,
    /// Rate added from the optimal utilization to 100%, basis points a year.
    pub slope2_bps: u16,
    /// The rate model's kink, basis points of utilization (`1..10_000`).
    pub optimal_utilization_bps: u16,
    /// New borrowing is refused beyond this utilization (`total_borrows / total_deposits`),
    /// basis points (`1..10_000`).
    pub max_utilization_bps: u16,
    pub _pad: [u8; 6],
    /// Deposit index (precision: 2^-40, `INDEX_ONE` = 1.0 at creation; 0 reads as 1.0): falls when
    /// a bankruptcy's loss is socialized over the quote deposits; a positive quote balance booked
    /// at index `J0` is worth `floor(balance * deposit_index / J0)` (`engine::lending`).
    pub deposit_index: u64,
    /// Socialized loss not yet booked out of the deposit balances, native quote units: the vault
    /// holds `total_deposits - total_borrows + fees_collected + interest_collected +
    /// protocol_fees - loss_unbooked`.
    pub loss_unbooked: u64,
    /// The group's share of swept fees (`insurance_sweep`), held in the vault, native quote
    /// units.
    pub protocol_fees: u64,
}

/// Oracle binding of an underlying (unused for the quote asset).
#[zero_copy]
#[derive(Debug, Default)]
pub struct OracleParams {
    /// Pyth price feed id (32 bytes) that `PriceUpdateV2` accounts must carry.
    pub feed_id: [u8; 32],
    /// The `PriceUpdateV2` account prices are read from (every read but a settlement price's).
    pub price_account: Pubkey,
    /// Maximum price age, seconds.
    pub max_age_secs: u32,
    /// Maximum `conf / price`, basis points (precision: 1e4 = 100%).
    pub max_conf_bps: u32,
}

/// Collateral parameters and accounting.
#[zero_copy]
#[derive(Debug, Default)]
pub struct CollateralParams {
    /// Initial haircut in effect (precision: 1e4 bps = 100%); asset weight = 1 - haircut.
    pub init_haircut_bps: u16,
    /// Maintenance haircut in effect (precision: 1e4 bps = 100%); `<= init_haircut_bps`.
    pub maint_haircut_bps: u16,
    /// Initial haircut scheduled to replace `init_haircut_bps` at `pending_effective_ts`.
    pub pending_init_haircut_bps: u16,
    /// Maintenance haircut scheduled to replace `maint_haircut_bps` at `pending_effective_ts`.
    pub pending_maint_haircut_bps: u16,
    /// Unix time (seconds) from which the pending haircuts apply. When nothing is pending the
    /// pending haircuts equal the current ones, so the time does not matter.
    pub pending_effective_ts: i64,
    /// Maximum `total_deposits`, native units.
    pub deposit_cap: u64,
    /// Sum over all margin accounts of their positive balances of this asset, native units.
    pub total_deposits: u64,
    /// Sum over all margin accounts of what they owe of this asset (minus their negative
    /// balances), native units; only the quote asset can be owed. The vault holds
    /// `total_deposits - total_borrows`, plus, for the quote asset, what `QuoteLending` counts
    /// (`engine::lending`).
    pub total_borrows: u64,
}

assert_layout!(OracleParams, 72);
assert_layout!(RiskState, 16 + 16 * 2 * 8);
assert_layout!(PerpMarket, 8 + 8 * 8 + 32);
assert_layout!(CollateralParams, 40);
assert_layout!(QuoteLending, 64);
assert_layout!(VolInputs, 8 * 8 + 8);
assert_layout!(RiskParams, 10 * 4 + 8 + 3 * 8); // ten u16 pairs; horizon, gap thirds, pad; thresholds
assert_layout!(
    Underlying,
    8 + 32 * 3 + 16 + 72 + 40 + 16 + 40 + 32 + 272 + 104 + 8_040 + 72 + 72 + TAIL_RESERVED_BYTES
);
const _: () = assert!(Underlying::SPACE <= 10_240, "must be creatable by CPI");

impl Underlying {
    /// Account size including the 8-byte discriminator.
    pub const SPACE: usize = 8 + core::mem::size_of::<Underlying>();

    pub fn is_quote(&self) -> bool {
        self.kind == UnderlyingKind::Quote as u8
    }

    /// The quote pool's rate model.
    pub fn rate_model(&self) -> xmargin_risk::interest::RateModel {
        let l = &self.lending;
        xmargin_risk::interest::RateModel {
            base_bps: l.base_rate_bps,
            slope1_bps: l.slope1_bps,
            slope2_bps: l.slope2_bps,
            optimal_bps: l.optimal_utilization_bps,
        }
    }

    pub fn oracle_config(&self) -> xmargin_risk::oracle::OracleConfig {
        xmargin_risk::oracle::OracleConfig {
            max_age_secs: self.oracle.max_age_secs,
            max_conf_bps: self.oracle.max_conf_bps,
        }
    }
}

impl CollateralParams {
    /// Haircuts in effect at unix time `now`.
    pub fn haircuts_at(&self, now: i64) -> xmargin_risk::health::Haircuts {
        let (init_bps, maint_bps) = if now >= self.pending_effective_ts {
            (self.pending_init_haircut_bps, self.pending_maint_haircut_bps)
        } else {
            (self.init_haircut_bps, self.maint_haircut_bps)
        };
        xmargin_risk::health::Haircuts { init_bps, maint_bps }
    }
}

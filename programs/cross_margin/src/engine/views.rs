//! Read-only health views for integrators (`health_check`, `account_view`): versioned return
//! data, computed by the same code as every health check (`portfolio::compute`), each within
//! Solana's 1,024 bytes of return data.
//!
//! Layouts are append-only: a new field goes at the end of its struct and bumps
//! [`VIEW_VERSION`]; a reader checks `version` and reads the fields it knows. Money is in native
//! quote units (qn, rounded down); prices are quote units per whole token times 10^9, rounded
//! down.

use anchor_lang::prelude::*;
use xmargin_risk::estimate::{liquidation_price, to_e9};
use xmargin_risk::margin::Level;

use crate::engine::portfolio::{book_of, compute, AccountHealth, QuoteTerms, UnderlyingRisk};
use crate::error::{risk_error, XmError};
use crate::state::{MarginAccount, MAX_ACCOUNT_UNDERLYINGS, QUOTE_INDEX};

/// Layout version of [`HealthView`] and [`AccountView`].
pub const VIEW_VERSION: u8 = 1;

/// An account's health (`health_check`'s return data, 98 bytes).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct HealthView {
    /// [`VIEW_VERSION`].
    pub version: u8,
    /// The margin account.
    pub account: Pubkey,
    /// Init health: `equity_init - requirement_init`, qn.
    pub init: i64,
    /// Maint health: `equity_maint - requirement_maint`, qn.
    pub maint: i64,
    /// Holdings at asset prices before haircuts, qn.
    pub assets: i64,
    /// Collateral after init haircuts plus market P&L and option value, qn.
    pub equity_init: i64,
    /// The same after maint haircuts, qn.
    pub equity_maint: i64,
    /// Init requirement, qn.
    pub requirement_init: i64,
    /// Maint requirement, qn.
    pub requirement_maint: i64,
    /// Whether the account is flagged for liquidation.
    pub liquidating: bool,
    /// Unix time (seconds) of the computation.
    pub timestamp: i64,
}

/// One underlying of an account (`AccountView::underlyings`, 44 bytes).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnderlyingView {
    pub underlying: u16,
    /// Oracle mid, quote units per whole token x 10^9.
    pub price_e9: i64,
    /// Net delta notional of the underlying's book, qn: what equity gains, to first order, if
    /// the price doubles (collateral at its init-weighted value, perpetuals, options' delta).
    pub net_delta: i64,
    /// The book's maint requirement, qn.
    pub requirement_maint: i64,
    /// The maint grid's largest weighted loss, qn.
    pub scan_loss: i64,
    /// Index of the maint scenario with that loss.
    pub worst_scenario: u8,
    /// Estimated price (x 10^9) at which the account's maint health reaches zero if this
    /// underlying alone moves, to first order (`xmargin_risk::estimate`); every position on the
    /// underlying shares it. `None` when no move of this price does it, or when the estimate is
    /// beyond an `i64` (a tiny net delta against a large health).
    pub liquidation_price_e9: Option<i64>,
}

/// An account's health and each of its underlyings (`account_view`'s return data, at most
/// 98 + 4 + 12 x 44 = 630 bytes).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct AccountView {
    pub health: HealthView,
    /// Every underlying the account holds other than the quote asset, ascending.
    pub underlyings: Vec<UnderlyingView>,
}

fn narrow(x: i128) -> Result<i64> {
    i64::try_from(x).map_err(|_| error!(XmError::MathOverflow))
}

/// The health view of `account` (key `key`), computed from `risks` at `now`.
pub fn health_view(
    account: &MarginAccount,
    key: Pubkey,
    risks: &[UnderlyingRisk],
    quote: QuoteTerms,
    now: i64,
) -> Result<(HealthView, AccountHealth)> {
    let h = compute(account, risks, quote, now)?;
    let assets = xmargin_risk::portfolio::to_native(h.collateral.assets, quote.decimals)
        .map_err(risk_error)?;
    let view = HealthView {
        version: VIEW_VERSION,
        account: key,
        init: narrow(h.init_health)?,
        maint: narrow(h.maint_health)?,
        assets: narrow(assets)?,
        equity_init: narrow(h.equity[0])?,
        equity_maint: narrow(h.equity[1])?,
        requirement_init: narrow(h.requirement[0])?,
        requirement_maint: narrow(h.requirement[1])?,
        liquidating: account.liquidation_since != 0,
        timestamp: now,
    };
    Ok((view, h))
}

/// The account view of `account`: its health view and, for every underlying it holds but the
/// quote asset, that book's maint requirement, scan loss, worst scenario, net delta and the
/// first-order liquidation price.
pub fn account_view(
    account: &MarginAccount,
    key: Pubkey,
    risks: &[UnderlyingRisk],
    quote: QuoteTerms,
    now: i64,
) -> Result<AccountView> {
    let (health, h) = health_view(account, key, risks, quote, now)?;
    let mut underlyings = Vec::with_capacity(MAX_ACCOUNT_UNDERLYINGS);
    for risk in risks {
        let index = risk.index();
        if index == QUOTE_INDEX || !account.holds(index) {
            continue;
        }
        let (book, _, _) = book_of(account, risk, quote.decimals, now)?;
        if !book.touched {
            // Unsettled quote only: no price risk.
            continue;
        }
        // One stress of the maint grid: its requirement is the book's maint requirement (fresh
        // inputs, so nothing is valued conservatively; maint has no floor from another level).
        let margin = book.margin(risk, Level::Maint)?;
        let requirement = margin.requirement().map_err(risk_error)?;
        let price = risk.valid_price().map_err(risk_error)?.mid;
        // An estimate beyond what the fixed-point type holds (a tiny delta against a large
        // health) is no estimate: `None`, never a failed view.
        let at = liquidation_price(price, h.maint_health, margin.net_delta).ok().flatten();
        underlyings.push(UnderlyingView {
            underlying: index,
            price_e9: to_e9(price).map_err(risk_error)?,
            net_delta: narrow(margin.net_delta)?,
            requirement_maint: narrow(requirement)?,
            scan_loss: narrow(margin.scan_loss)?,
            worst_scenario: u8::try_from(margin.worst)
                .map_err(|_| error!(XmError::MathOverflow))?,
            liquidation_price_e9: at.and_then(|p| to_e9(p).ok()),
        });
    }
    Ok(AccountView { health, underlyings })
}

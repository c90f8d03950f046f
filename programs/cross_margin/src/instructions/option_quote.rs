//! `option_quote`: Black-Scholes price and Greeks of an option, and optionally its value change in
//! every scenario of the default grids, from the protocol's own fixed-point code. Read-only and
//! permissionless: integrators call it (or simulate it) to price with the margin model.

use anchor_lang::prelude::*;
use xmargin_risk::black_scholes::{greeks, BsInputs, Greeks, OptionKind};
use xmargin_risk::margin::{grids, DEFAULT_PARAMS};
use xmargin_risk::series::{compute, Market, SeriesSpec, SECONDS_PER_YEAR};
use xmargin_risk::{Fixed, MathError, Round};

use crate::error::XmError;

/// Every value is a `Fixed` raw number (the value times 2^64, precision 2^-64).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct OptionQuoteArgs {
    /// `true` for a call, `false` for a put.
    pub call: bool,
    /// Spot, quote units per unit of the underlying (> 0).
    pub spot: i128,
    /// Strike (> 0).
    pub strike: i128,
    /// Annualised volatility (>= 0; 1.0 = 100%).
    pub vol: i128,
    /// Time to expiry in years (>= 0).
    pub years: i128,
    /// Continuously compounded rate per year.
    pub rate: i128,
    /// When set, also value the option in every scenario of the default init and maint grids
    /// sized for this volatility index.
    pub scenario_vol_index: Option<i128>,
}

/// Price and Greeks per unit of the underlying, `Fixed` raw (2^-64); vega per 1.00 of vol, theta
/// per year. Scenario P&L (empty unless requested): one value per scenario of the SPAN grid.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct OptionQuoteResult {
    pub price: i128,
    pub delta: i128,
    pub gamma: i128,
    pub vega: i128,
    pub theta: i128,
    pub init_pnl: Vec<i128>,
    pub maint_pnl: Vec<i128>,
}

#[derive(Accounts)]
pub struct OptionQuote {}

fn math_error(err: MathError) -> Error {
    xm_msg!("option_quote: {}", err);
    match err {
        MathError::Domain(_) => XmError::InvalidOptionInputs.into(),
        _ => XmError::MathOverflow.into(),
    }
}

pub fn handler(args: OptionQuoteArgs) -> Result<OptionQuoteResult> {
    let inputs = BsInputs {
        kind: if args.call { OptionKind::Call } else { OptionKind::Put },
        spot: Fixed::from_raw(args.spot),
        strike: Fixed::from_raw(args.strike),
        vol: Fixed::from_raw(args.vol),
        years: Fixed::from_raw(args.years),
        rate: Fixed::from_raw(args.rate),
    };
    // With scenarios, the series valuation computes the Greeks too: use them.
    let (g, init_pnl, maint_pnl) = match args.scenario_vol_index {
        None => (greeks(&inputs).map_err(math_error)?, vec![], vec![]),
        Some(vol_index) => scenario_risk(&inputs, Fixed::from_raw(vol_index))?,
    };
    Ok(OptionQuoteResult {
        price: g.price.raw(),
        delta: g.delta.raw(),
        gamma: g.gamma.raw(),
        vega: g.vega.raw(),
        theta: g.theta.raw(),
        init_pnl,
        maint_pnl,
    })
}

/// Greeks and value change per unit in every scenario of the default grids (its own stack frame
/// on SBF).
#[inline(never)]
fn scenario_risk(inputs: &BsInputs, vol_index: Fixed) -> Result<(Greeks, Vec<i128>, Vec<i128>)> {
    let grids = grids(&DEFAULT_PARAMS, vol_index).map_err(crate::error::risk_error)?;
    // A series expiring `years` after time 0, to the second.
    let expiry = inputs
        .years
        .mul_int(i128::from(SECONDS_PER_YEAR))
        .and_then(|e| e.to_i64(Round::Down))
        .map_err(math_error)?;
    let spec = SeriesSpec { kind: inputs.kind, strike: inputs.strike, expiry };
    let market = Market { spot: inputs.spot, vol: inputs.vol, rate: inputs.rate, now: 0 };
    let risk = compute(&spec, &market, &grids.init, &grids.maint).map_err(math_error)?;
    Ok((
        risk.greeks,
        risk.init_pnl.map(Fixed::raw).to_vec(),
        risk.maint_pnl.map(Fixed::raw).to_vec(),
    ))
}

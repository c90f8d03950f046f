//! Bilateral trades, whatever the instrument, split into their **policy** and their **value
//! transfer**, and what every fill shares. `trade_execute` (and later venues) call [`execute`].
//!
//! Units: sizes in contracts, prices in native quote units (qn) per contract, money in qn.
//!
//! - **Policy** (here): the instrument's value per contract as a `[bid, ask]` pair (a perpetual's
//!   is the oracle mid `X` twice; an option's is its carried mark, the holder's and the writer's
//!   rounding), the band (`|price - bid| <= band_bps / 10^4 X`), the delegate rule and the fee;
//!   after the fill, the perpetual's premium average (`perp::record_premium`).
//! - **Delegate rule**: a side signed by the account's delegate (not its owner) trades at its
//!   value or better for the account ([`value_limits`]: a buyer pays at most what the contracts
//!   are worth in the account's own valuation, the bid if it ends long, the ask if it only buys
//!   back written ones; a seller receives at least the ask if it ends short, the bid if it only
//!   sells held ones). Valued as the health check values it, a delegate-signed side never loses
//!   value, so no sequence of delegate-signed trades takes more from the owner than the
//!   reference's own moves and the fees paid to the group. A delegated option side needs a fresh
//!   cache entry for the series (its mark is the reference).
//! - **Value transfer** (`perp::transfer`, `option_positions::transfer`): fills, unsettled quote
//!   (cost, premium, fees), open interest, funding. Both sides' unsettled quote changes by
//!   opposite amounts less the fee each pays, which the underlying's `fees_accrued` receives.
//! - **Health** of each side afterwards ([`judge_side`]): init health >= 0, or the trade did not
//!   lower the account's init health except by the fee it paid.

use anchor_lang::prelude::*;

use crate::engine::portfolio::{book_health, compute, AccountHealth, QuoteTerms, UnderlyingRisk};
use crate::engine::{governance, option_positions, perp};
use crate::error::XmError;
use crate::state::{MarginAccount, OptionPosition, Underlying};

/// Largest position and trade in contracts (the risk engine's bound).
pub const MAX_CONTRACTS: i64 = xmargin_risk::book::MAX_CONTRACTS;

/// Smallest price of one contract at listing, native quote units: prices per contract are whole
/// qn, so one qn is then at most 1 bp of a contract (0.01 USDC with 6 decimals).
pub const MIN_CONTRACT_VALUE: i64 = 10_000;

/// Refuses a listing whose contract is worth less than [`MIN_CONTRACT_VALUE`] at the price `x` per
/// contract (qn): its prices, fees and P&L would be too coarse.
pub fn check_contract_value(x: i64) -> Result<()> {
    if x < MIN_CONTRACT_VALUE {
        xm_msg!("one contract is worth {} qn, below {}", x, MIN_CONTRACT_VALUE);
        return err!(XmError::ContractTooSmall);
    }
    Ok(())
}

/// What is traded.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Instrument {
    /// The perpetual future of the underlying.
    Perp,
    /// Series `series` of the underlying's option chain.
    Option { series: u16 },
}

/// A trade: the buyer buys `quantity` contracts of `instrument` from the seller at `price`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct TradeArgs {
    pub instrument: Instrument,
    /// Contracts the buyer buys and the seller sells (1..=i32::MAX).
    pub quantity: i64,
    /// Price per contract, native quote units (> 0).
    pub price: i64,
}

/// One side of a fill: its position before and after, in contracts (negative = short/written).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fill {
    pub before: i64,
    pub after: i64,
}

impl Fill {
    /// Change in contracts held long.
    fn long_change(&self) -> i64 {
        self.after.max(0) - self.before.max(0)
    }
}

/// What a value transfer did: `[buyer, seller]` fills and the premium the buyer paid, qn (0 for
/// perpetuals).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transferred {
    pub fills: [Fill; 2],
    pub premium: i64,
}

/// What a trade did, for the event and the health checks: `[buyer, seller]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Traded {
    pub fills: [Fill; 2],
    /// Fee each side paid, qn.
    pub fee: i64,
    /// Premium the buyer paid the seller, qn (0 for perpetuals).
    pub premium: i64,
    /// Whether each side traded at the instrument's value or better for its account (within
    /// [`value_limits`]).
    pub at_value: [bool; 2],
}

/// The value per contract a trade's price is held to: `bid` (what a holder's contract is worth)
/// and `ask` (what a writer's costs), with the band and the underlying's price `x` per contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reference {
    pub bid: i64,
    pub ask: i64,
    pub band_bps: u16,
    pub x: i64,
}

/// The contract size of `instrument` on `u`, once listed.
pub fn contract_size(u: &Underlying, instrument: &Instrument) -> Result<u64> {
    match instrument {
        Instrument::Perp => {
            require!(u.perp.listed == 1, XmError::PerpNotListed);
            Ok(u.perp.contract_size)
        }
        Instrument::Option { .. } => {
            require!(u.options.listed == 1, XmError::ChainNotListed);
            Ok(u.options.contract_size)
        }
    }
}

/// The value per contract a trade of `instrument` on `u` is held to when the underlying's mid is
/// `x` per contract: the oracle mid for a perpetual, the carried mark for an option (from a fresh
/// cache entry when `fresh`, as a delegated side needs).
pub fn reference(
    u: &Underlying,
    instrument: &Instrument,
    x: i64,
    now: i64,
    fresh: bool,
) -> Result<Reference> {
    contract_size(u, instrument)?;
    match *instrument {
        Instrument::Perp => Ok(Reference { bid: x, ask: x, band_bps: u.perp.band_bps, x }),
        Instrument::Option { series } => option_positions::reference(u, series, x, now, fresh),
    }
}

/// Executes `args` between `sides` (`[buyer, seller]`) on `u` when the underlying's mid is `x` per
/// contract of the instrument; `delegated[k]` when side `k` was signed by its account's delegate;
/// `reduce_only` when both sides must end closer to zero (`engine::governance::reduce_only`).
pub fn execute(
    u: &mut Underlying,
    sides: [&mut MarginAccount; 2],
    args: &TradeArgs,
    x: i64,
    delegated: [bool; 2],
    now: i64,
    reduce_only: bool,
) -> Result<Traded> {
    require!(
        (1..=MAX_CONTRACTS).contains(&args.quantity) && args.price > 0,
        XmError::InvalidTradeSize
    );
    let (q, p) = (args.quantity, args.price);
    let reference = reference(u, &args.instrument, x, now, delegated.contains(&true))?;
    let held = [&*sides[0], &*sides[1]].map(|a| position(a, u.index, &args.instrument));
    let limits = value_limits(&reference, held, q);
    check_price(&reference, &limits, p, delegated)?;
    let at_value = [p <= limits[0], p >= limits[1]];
    let (fee, done) = match args.instrument {
        Instrument::Perp => {
            // |q| < 2^31, 0 < price < 2^63, bps < 2^16: the product fits.
            let fee = fee_ceil(q as u128 * p as u128 * u128::from(u.perp.fee_bps))?;
            let open_before = u.perp.open_interest;
            let done = perp::transfer(u, sides, q, p, fee, x, now)?;
            perp::record_premium(&mut u.perp, p, x, q, open_before, now)?;
            (fee, done)
        }
        Instrument::Option { series } => {
            let fee = option_positions::fee(&u.options, q, p, x)?;
            (fee, option_positions::transfer(u, series, sides, q, p, fee)?)
        }
    };
    if reduce_only {
        governance::check_reducing(&done.fills)?;
    }
    Ok(Traded { fills: done.fills, fee, premium: done.premium, at_value })
}

/// The account's position in `instrument` on `underlying`, contracts (0 when none).
fn position(account: &MarginAccount, underlying: u16, instrument: &Instrument) -> i64 {
    match *instrument {
        Instrument::Perp => {
            let p = account.perps.iter().find(|p| p.underlying == underlying);
            p.map_or(0, |p| p.base)
        }
        Instrument::Option { series } => {
            let held = |o: &&OptionPosition| o.underlying == underlying && o.series == series;
            account.options.iter().find(held).map_or(0, |o| o.quantity)
        }
    }
}

/// The price at which each side (`[buyer, seller]`, holding `held` contracts before a trade of
/// `quantity`) trades at value for its account: what the contracts it trades are worth in its
/// own valuation. A buyer that ends long values them at the bid (a holder's), one that only buys
/// back written contracts at the ask (a writer's); a seller that ends short at the ask, one that
/// only sells held contracts at the bid. The buyer is at value paying at most its limit, the
/// seller receiving at least its limit.
pub fn value_limits(r: &Reference, held: [i64; 2], quantity: i64) -> [i64; 2] {
    let buyer = if held[0] + quantity > 0 { r.bid } else { r.ask };
    let seller = if held[1] - quantity < 0 { r.ask } else { r.bid };
    [buyer, seller]
}

/// The band (around `bid`) and the delegate rule (see the module doc): a delegate-signed side
/// trades within its value limit.
pub fn check_price(
    r: &Reference,
    limits: &[i64; 2],
    price: i64,
    delegated: [bool; 2],
) -> Result<()> {
    check_band(r.band_bps, price, r.bid, r.x)?;
    if (delegated[0] && price > limits[0]) || (delegated[1] && price < limits[1]) {
        xm_msg!(
            "delegate-signed side: price {} worse for the account than its value (limits {:?})",
            price,
            limits
        );
        return err!(XmError::DelegatePriceWorseThanValue);
    }
    Ok(())
}

/// How one side of a trade passed the health rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SideHealth {
    /// The account's health after the trade, when every input was fresh and valid.
    pub after: Option<AccountHealth>,
    /// When that health was not enough (negative or not computable): the change of init health
    /// the trade made, qn, the fee included (`>= -fee`).
    pub init_change: Option<i128>,
}

/// The health rule of one trade side: afterwards the account's init health is `>= 0`; or else
/// the trade did not lower the account's init health by more than `fee`, the fee the side paid
/// to the group, and the side traded at the instrument's value or better (`at_value`). `before`
/// and `after` are the account around the trade of `traded`'s instrument; `risks` cover both.
///
/// The first branch is the full health after the trade, from fresh inputs. Only when it is
/// negative, or cannot be computed (a stale vol or cache entry, a price that is not valid, on any
/// underlying), is the second judged, on the traded underlying's book alone, before and after,
/// from fresh inputs: a trade changes no collateral balance and no other underlying's positions,
/// and health has no term across underlyings, so that book's change is exactly the account's
/// (`portfolio::book_health`). A reducing trade therefore needs fresh inputs for its own
/// underlying only (a keeper or the trader can refresh the risk cache in the same transaction),
/// and no trade can lower an account that is below init. Stale entries are never trusted: a
/// carried mark far from the price (after a large move or a vol change) would let an account
/// overpay at its "value". The price condition keeps
/// value in such an account: without it, a trade that releases more requirement than it
/// overpays (buying back written options above their value from a colluding account) would raise
/// init health while moving equity out, down to bankruptcy.
#[allow(clippy::too_many_arguments)]
pub fn judge_side(
    after: &MarginAccount,
    before: &MarginAccount,
    risks: &[UnderlyingRisk],
    traded: u16,
    fee: i64,
    at_value: bool,
    quote: QuoteTerms,
    now: i64,
) -> Result<SideHealth> {
    let quote_decimals = quote.decimals;
    let full = compute(after, risks, quote, now);
    if let Ok(h) = &full {
        if !h.init_negative() {
            return Ok(SideHealth { after: Some(*h), init_change: None });
        }
    }
    let risk = risks.iter().find(|r| r.index() == traded);
    let risk = risk.ok_or_else(|| error!(XmError::HealthAccountMissing))?;
    let [init_after, _] = book_health(after, risk, quote_decimals, now)?;
    let [init_before, _] = book_health(before, risk, quote_decimals, now)?;
    let change = init_after - init_before;
    let lowered = change + i128::from(fee) < 0;
    if lowered || !at_value {
        let refusal = if lowered {
            xm_msg!("trade lowers init health by {} (fee {}) and ends below init", -change, fee);
            XmError::InitHealthNegative
        } else {
            xm_msg!("ends below init health (or inputs not fresh): trade at value or better");
            XmError::BelowInitWorseThanValue
        };
        if let Ok(h) = &full {
            xm_msg!("init health after: {}", h.init_health);
        }
        return Err(full.err().unwrap_or_else(|| error!(refusal)));
    }
    Ok(SideHealth { after: full.ok(), init_change: Some(change) })
}

/// Checks a trade price against the band: `|price - reference| <= band_bps / 10^4 * x`, where `x`
/// is the underlying's price per contract and `reference` what the instrument is worth.
pub fn check_band(band_bps: u16, price: i64, reference: i64, x: i64) -> Result<()> {
    let diff = (i128::from(price) - i128::from(reference)).unsigned_abs() * 10_000;
    if diff > x.unsigned_abs() as u128 * u128::from(band_bps) {
        xm_msg!(
            "price {} outside {} bps of {} per contract (reference {})",
            price,
            band_bps,
            x,
            reference
        );
        return err!(XmError::PriceOutsideBand);
    }
    Ok(())
}

/// A fee in qn from an amount weighted in basis points (`notional * bps`): `ceil(weighted / 10^4)`.
pub fn fee_ceil(weighted: u128) -> Result<i64> {
    i64::try_from(weighted.div_ceil(10_000)).map_err(|_| error!(XmError::MathOverflow))
}

/// Adds both sides' fees to the underlying's `fees_accrued`.
pub fn accrue_fees(u: &mut Underlying, fee: i64) -> Result<()> {
    let both = u64::try_from(fee).ok().and_then(|f| f.checked_mul(2));
    u.fees_accrued =
        both.and_then(|f| u.fees_accrued.checked_add(f)).ok_or(XmError::MathOverflow)?;
    Ok(())
}

/// Open interest (contracts held long) after a buyer's and a seller's fills.
pub fn open_interest_after(open_interest: u64, fills: &[Fill; 2], cap: u64) -> Result<u64> {
    let change = i128::from(fills[0].long_change()) + i128::from(fills[1].long_change());
    let after = u64::try_from(i128::from(open_interest) + change)
        .map_err(|_| error!(XmError::MathOverflow))?;
    if change > 0 && after > cap {
        xm_msg!("open interest {} -> {} above the cap {}", open_interest, after, cap);
        return err!(XmError::OpenInterestCapExceeded);
    }
    Ok(after)
}

/// A position after adding `delta`, within the engine's bound.
pub fn position_after(before: i64, delta: i64) -> Result<Fill> {
    let after = before.checked_add(delta).ok_or(XmError::PositionTooLarge)?;
    require!(after.abs() <= MAX_CONTRACTS, XmError::PositionTooLarge);
    Ok(Fill { before, after })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_interest_follows_the_long_side() {
        let f = |b, a| Fill { before: b, after: a };
        let cap = u64::MAX;
        assert_eq!(open_interest_after(0, &[f(0, 5), f(0, -5)], cap).unwrap(), 5);
        // A long sells to a new short: unchanged; a long sells to a short who closes: down.
        assert_eq!(open_interest_after(5, &[f(0, 2), f(5, 3)], cap).unwrap(), 5);
        assert_eq!(open_interest_after(5, &[f(-5, -3), f(5, 3)], cap).unwrap(), 3);
        assert!(open_interest_after(0, &[f(-1, 0), f(1, 0)], cap).is_err());
        // Above the cap only rises are refused; a fall from above it passes.
        assert_eq!(
            open_interest_after(5, &[f(0, 1), f(0, -1)], 5).unwrap_err(),
            error!(XmError::OpenInterestCapExceeded)
        );
        assert_eq!(open_interest_after(9, &[f(-5, -3), f(5, 3)], 5).unwrap(), 7);
    }

    #[test]
    fn band_is_inclusive_and_symmetric() {
        assert!(check_band(500, 105, 100, 100).is_ok() && check_band(500, 95, 100, 100).is_ok());
        assert!(check_band(500, 106, 100, 100).is_err() && check_band(500, 94, 100, 100).is_err());
        // An option: the band is a fraction of the underlying, around the mark.
        assert!(check_band(100, 8, 7, 150).is_ok() && check_band(100, 9, 7, 150).is_err());
    }

    /// A delegate-signed side trades within its value limit; an owner-signed side anywhere in
    /// the band.
    #[test]
    fn delegated_sides_trade_at_their_value_or_better() {
        let r = Reference { bid: 100, ask: 104, band_bps: 1_000, x: 1_000 };
        let delegate_error = Err(error!(XmError::DelegatePriceWorseThanValue));
        // Both sides open: the buyer values its long at the bid, the seller its short at the ask.
        let opening = value_limits(&r, [0, 0], 5);
        assert_eq!(opening, [100, 104]);
        for price in [0, 100, 104, 200] {
            assert!(check_price(&r, &opening, price, [false, false]).is_ok(), "{price}");
        }
        assert!(check_price(&r, &opening, 100, [true, false]).is_ok());
        assert_eq!(check_price(&r, &opening, 101, [true, false]), delegate_error);
        assert!(check_price(&r, &opening, 104, [false, true]).is_ok());
        assert_eq!(check_price(&r, &opening, 103, [false, true]), delegate_error);
        assert_eq!(check_price(&r, &opening, 102, [true, true]), delegate_error);
        // Both sides close (the buyer was short 5, the seller long 5): any price in [bid, ask].
        let closing = value_limits(&r, [-5, 5], 5);
        assert_eq!(closing, [104, 100]);
        for price in [100, 102, 104] {
            assert!(check_price(&r, &closing, price, [true, true]).is_ok(), "{price}");
        }
        // A buyer that flips from short to long values at the bid.
        assert_eq!(value_limits(&r, [-3, 0], 5)[0], 100);
        // The band comes first.
        let band_error = Err(error!(XmError::PriceOutsideBand));
        assert_eq!(check_price(&r, &opening, 201, [false, false]), band_error);
    }
}

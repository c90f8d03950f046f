//! `xmargin price`: Black-Scholes price and Greeks from the same fixed-point code as on-chain.

use std::error::Error;

use clap::{Args, ValueEnum};
use serde::Serialize;
use xmargin_risk::black_scholes::{greeks, BsInputs, OptionKind};
use xmargin_risk::Fixed;

use crate::num::Num;

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Kind {
    Call,
    Put,
}

#[derive(Args, Debug)]
pub struct PriceArgs {
    /// Call or put.
    #[arg(long, value_enum)]
    kind: Kind,
    /// Spot price of the underlying.
    #[arg(long)]
    spot: Fixed,
    /// Strike price.
    #[arg(long)]
    strike: Fixed,
    /// Annualised volatility (0.8 = 80%).
    #[arg(long)]
    vol: Fixed,
    /// Time to expiry in years.
    #[arg(long)]
    years: Fixed,
    /// Continuously compounded rate per year (0.05 = 5%).
    #[arg(long, default_value = "0")]
    rate: Fixed,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
}

/// The `--json` object: vega per 1.00 of vol, theta per year.
#[derive(Serialize)]
struct Output {
    price: Num,
    delta: Num,
    gamma: Num,
    vega: Num,
    theta: Num,
}

pub fn run(a: &PriceArgs) -> Result<(), Box<dyn Error>> {
    let kind = match a.kind {
        Kind::Call => OptionKind::Call,
        Kind::Put => OptionKind::Put,
    };
    let g = greeks(&BsInputs {
        kind,
        spot: a.spot,
        strike: a.strike,
        vol: a.vol,
        years: a.years,
        rate: a.rate,
    })
    .map_err(|e| format!("cannot price this option: {e}"))?;
    if a.json {
        let out = Output {
            price: Num(g.price),
            delta: Num(g.delta),
            gamma: Num(g.gamma),
            vega: Num(g.vega),
            theta: Num(g.theta),
        };
        println!("{}", serde_json::to_string(&out)?);
        return Ok(());
    }
    println!(
        "{kind:?} strike {} on spot {}, vol {}, {} years, rate {}",
        a.strike, a.spot, a.vol, a.years, a.rate
    );
    for (name, value, unit) in [
        ("price", g.price, ""),
        ("delta", g.delta, ""),
        ("gamma", g.gamma, ""),
        ("vega", g.vega, "per 1.00 of vol"),
        ("theta", g.theta, "per year"),
    ] {
        println!("  {name:<6} {value:>24.12}  {unit}");
    }
    Ok(())
}

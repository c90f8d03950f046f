//! `xmargin risk --file PORTFOLIO.json`: the stress-scenario table, worst scenario, requirement,
//! equity and init/maint health of a portfolio, from the same risk code as on-chain. The file
//! format is documented in the README (`app/cli/examples/portfolio.json` is an example).

use std::error::Error;
use std::path::PathBuf;

use clap::Args;
use serde::{Deserialize, Serialize};
use xmargin_risk::black_scholes::OptionKind;
use xmargin_risk::book::BookMargin;
use xmargin_risk::cache::ContractScale;
use xmargin_risk::health::{self, value_holding, CollateralInput, Haircuts, PriceInput};
use xmargin_risk::margin::{Requirement, UnderlyingParams, DEFAULT_PARAMS};
use xmargin_risk::oracle::OraclePrice;
use xmargin_risk::portfolio::{
    assess, combine, to_native, Assessment, OptionPosition, PortfolioHealth, Positions,
};
use xmargin_risk::scenario::VolShift;
use xmargin_risk::series::{SeriesSpec, SECONDS_PER_YEAR};
use xmargin_risk::{Fixed, Round};

use crate::format::Table;
use crate::num::{Dec, Num};

#[derive(Args, Debug)]
pub struct RiskArgs {
    /// Portfolio file (JSON, see the README).
    #[arg(long)]
    file: PathBuf,
    /// Print one JSON object instead of tables.
    #[arg(long)]
    json: bool,
}

/// Decimals used to turn whole-token amounts into native units for the collateral valuation.
const DECIMALS: u8 = 9;
/// Quote decimals of the margin engine's figures (its native quote unit is 1e-9).
const ENGINE_DECIMALS: u8 = 9;
/// Decimals of an option quantity: a contract is 1/1,000 of a unit of the underlying.
const CONTRACT_DECIMALS: u32 = 3;

/// An engine figure (native quote units) in quote units.
pub(crate) fn units(qn: i128) -> Fixed {
    Fixed::from_ratio(qn, 10i128.pow(u32::from(ENGINE_DECIMALS))).unwrap_or(Fixed::MAX)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Portfolio {
    /// Valuation time, unix seconds (default: now).
    pub(crate) now: Option<i64>,
    /// Quote (settlement) balance in quote units; negative = owed.
    #[serde(default)]
    pub(crate) quote: Option<Dec>,
    /// Correlation credit between underlyings, basis points (default 0).
    #[serde(default)]
    pub(crate) correlation_credit_bps: u32,
    pub(crate) underlyings: Vec<UnderlyingIn>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UnderlyingIn {
    pub(crate) name: String,
    pub(crate) spot: Dec,
    /// Oracle confidence (collateral is valued at spot - conf).
    pub(crate) conf: Option<Dec>,
    /// Volatility index (max of ATM implied and realized vol).
    pub(crate) vol_index: Dec,
    pub(crate) rate: Option<Dec>,
    /// Collateral held, whole tokens.
    pub(crate) collateral: Option<Dec>,
    pub(crate) haircut_init_bps: Option<u16>,
    pub(crate) haircut_maint_bps: Option<u16>,
    pub(crate) perp: Option<PerpIn>,
    #[serde(default)]
    pub(crate) options: Vec<OptionIn>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PerpIn {
    /// Signed size in units of the underlying.
    pub(crate) size: Dec,
    /// Entry price.
    pub(crate) entry: Dec,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OptionIn {
    pub(crate) kind: KindIn,
    pub(crate) strike: Dec,
    /// Days to expiry (or `years`).
    pub(crate) days: Option<Dec>,
    pub(crate) years: Option<Dec>,
    /// Signed quantity in units of the underlying (negative = written).
    pub(crate) quantity: Dec,
    /// Implied volatility of the series (default: the volatility index).
    pub(crate) vol: Option<Dec>,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
pub(crate) enum KindIn {
    Call,
    Put,
}

/// Everything the report shows.
pub(crate) struct Report {
    pub(crate) names: Vec<String>,
    pub(crate) assessed: Vec<Assessment>,
    pub(crate) collateral: health::Health,
    pub(crate) perp_pnl: Fixed,
    pub(crate) health: PortfolioHealth,
}

pub(crate) fn evaluate(p: &Portfolio) -> Result<Report, Box<dyn Error>> {
    let now = p.now.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64)
    });
    let mut holdings = Vec::new();
    if let Some(q) = p.quote {
        let balance = q.units(6, "quote")?;
        holdings.push(CollateralInput {
            underlying: 0,
            balance,
            decimals: 6,
            haircuts: Haircuts::NONE,
            price: PriceInput::Quote,
        });
    }
    let (mut names, mut assessed, mut perp_pnl) = (Vec::new(), Vec::new(), Fixed::ZERO);
    for (i, u) in p.underlyings.iter().enumerate() {
        let index = u16::try_from(i + 1)?;
        let spot = u.spot.value;
        let haircuts = Haircuts {
            init_bps: u.haircut_init_bps.unwrap_or(2_000),
            maint_bps: u.haircut_maint_bps.unwrap_or(1_000),
        };
        let conf = u.conf.map_or(Fixed::ZERO, |c| c.value);
        let held = u.collateral.map_or(Fixed::ZERO, |c| c.value);
        if !held.is_zero() {
            let price = OraclePrice {
                mid: spot,
                asset: spot.checked_sub(conf)?,
                liability: spot.checked_add(conf)?,
            };
            holdings.push(CollateralInput {
                underlying: index,
                balance: u.collateral.map_or(Ok(0), |c| {
                    c.units(u32::from(DECIMALS), &format!("{} collateral", u.name))
                })?,
                decimals: DECIMALS,
                haircuts,
                price: PriceInput::Valid(price),
            });
        }
        let perp_size = u.perp.as_ref().map_or(Fixed::ZERO, |p| p.size.value);
        let scale = ContractScale::new(1_000_000, 9, ENGINE_DECIMALS)?;
        if let Some(perp) = &u.perp {
            let pnl = perp.size.value.mul(spot.checked_sub(perp.entry.value)?)?;
            perp_pnl = perp_pnl.checked_add(pnl)?;
        }
        // Collateral moves with the price at its init-weighted value, as on-chain
        // (`engine::valuation::Book::add_collateral`).
        let collateral = match holdings.last() {
            Some(h) if h.underlying == index => value_holding(h)?.exposure(),
            _ => Fixed::ZERO,
        };
        let mut options = Vec::new();
        for o in &u.options {
            let years = match (o.days, o.years) {
                (Some(d), None) => d.value.div(Fixed::from_int(365))?,
                (None, Some(y)) => y.value,
                _ => {
                    return Err(format!(
                        "{}: each option needs exactly one of `days` and `years`",
                        u.name
                    )
                    .into())
                }
            };
            let expiry = now + years.mul_int(i128::from(SECONDS_PER_YEAR))?.to_i64(Round::Down)?;
            let kind = match o.kind {
                KindIn::Call => OptionKind::Call,
                KindIn::Put => OptionKind::Put,
            };
            let contracts =
                o.quantity.units(CONTRACT_DECIMALS, &format!("{} option quantity", u.name))?;
            options.push(OptionPosition {
                spec: SeriesSpec { kind, strike: o.strike.value, expiry },
                contracts,
                vol: o.vol.map_or(u.vol_index.value, |v| v.value),
            });
        }
        let params: UnderlyingParams = DEFAULT_PARAMS;
        let positions = Positions {
            underlying: index,
            spot,
            vol_index: u.vol_index.value,
            rate: u.rate.map_or(Fixed::ZERO, |r| r.value),
            scale,
            linear: to_native(perp_size.mul(spot)?.checked_add(collateral)?, ENGINE_DECIMALS)?,
            options,
            params,
        };
        let a = assess(&positions, now, ENGINE_DECIMALS).map_err(|e| format!("{}: {e}", u.name))?;
        assessed.push(a);
        names.push(u.name.clone());
    }
    let collateral = health::compute(&holdings[..])?;
    let marks = to_native(perp_pnl, ENGINE_DECIMALS)?
        + assessed.iter().map(|a| a.option_value).sum::<i128>();
    let init: Vec<BookMargin> = assessed.iter().map(|a| a.init).collect();
    let maint: Vec<BookMargin> = assessed.iter().map(|a| a.maint).collect();
    let health = combine(
        to_native(collateral.init, ENGINE_DECIMALS)? + marks,
        to_native(collateral.maint, ENGINE_DECIMALS)? + marks,
        &init,
        &maint,
        p.correlation_credit_bps,
    )?;
    Ok(Report { names, assessed, collateral, perp_pnl, health })
}

pub fn run(a: &RiskArgs) -> Result<(), Box<dyn Error>> {
    let text =
        std::fs::read_to_string(&a.file).map_err(|e| format!("{}: {e}", a.file.display()))?;
    let portfolio: Portfolio =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", a.file.display()))?;
    let report = evaluate(&portfolio)?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&json(&report))?);
    } else {
        print_tables(&report);
    }
    Ok(())
}

fn vol_label(v: VolShift) -> &'static str {
    match v {
        VolShift::Up => "up",
        VolShift::Down => "down",
        VolShift::Gap => "gap",
    }
}

fn pct(x: Fixed) -> String {
    format!("{:.2}%", x.mul_int(100).unwrap_or(Fixed::MAX))
}

fn print_tables(r: &Report) {
    for (name, a) in r.names.iter().zip(&r.assessed) {
        let (gi, gm) = (&a.init_grid, &a.maint_grid);
        let shocks = |g: &xmargin_risk::series::GridPoints| {
            format!(
                "range {}, vol shock {} of each vol at 30 days, gap vols +{}",
                pct(g.shocks.range),
                pct(g.shocks.vol_ratio),
                pct(g.shocks.gap_vol_ratio)
            )
        };
        println!("{name}: init {}; maint {}", shocks(gi), shocks(gm));
        let mut t = Table::new(
            &["#", "vol", "init move", "weight", "init P&L", "maint move", "weight", "maint P&L"],
            0,
        );
        let weight = |w: u16| format!("{:.2}%", f64::from(w) / 100.0);
        for (i, (si, sm)) in gi.scenarios.iter().zip(&gm.scenarios).enumerate() {
            t.row(vec![
                (i + 1).to_string(),
                vol_label(si.vol).to_string(),
                pct(gi.moves[i]),
                weight(si.weight_bps),
                format!("{:.2}", units(a.init.pnl[i])),
                pct(gm.moves[i]),
                weight(sm.weight_bps),
                format!("{:.2}", units(a.maint.pnl[i])),
            ]);
        }
        println!("{}", t.render());
        for (level, m) in [("init", &a.init), ("maint", &a.maint)] {
            let floor = match m.maint_floor {
                0 => String::new(),
                f => format!(" + up to maint {:.2}", units(f)),
            };
            println!(
                "{level:>5}: worst #{} loss {:.2} + short-option minimum {:.2} + concentration {:.2}{floor} = {:.2}",
                m.worst + 1,
                units(m.scan_loss),
                units(m.short_option_min),
                units(m.concentration),
                units(m.requirement().unwrap_or(i128::MAX))
            );
        }
        println!(
            "       options worth {:.2}, net delta notional {:.2}, gross notional {:.2}, \
             net vega {:.2} init / {:.2} maint\n",
            units(a.option_value),
            units(a.init.net_delta),
            units(a.init.gross),
            units(a.init.vega),
            units(a.maint.vega)
        );
    }
    let h = &r.health;
    let mut t = Table::new(&["", "init", "maint"], 1);
    t.row(vec![
        "collateral after haircuts".into(),
        format!("{:.2}", r.collateral.init),
        format!("{:.2}", r.collateral.maint),
    ]);
    t.row(vec![
        "equity".into(),
        format!("{:.2}", units(h.equity_init)),
        format!("{:.2}", units(h.equity_maint)),
    ]);
    type Row = (&'static str, fn(&Requirement) -> i128);
    let rows: [Row; 6] = [
        ("scan (sum of worst losses)", |q| q.scan),
        ("correlation credit", |q| q.credit),
        ("short-option minimum", |q| q.short_option_min),
        ("concentration", |q| q.concentration),
        ("init lifted to maint", |q| q.maint_floor),
        ("requirement", |q| q.total),
    ];
    for (label, f) in rows {
        t.row(vec![
            label.into(),
            format!("{:.2}", units(f(&h.init))),
            format!("{:.2}", units(f(&h.maint))),
        ]);
    }
    t.row(vec![
        "health".into(),
        format!("{:.2}", units(h.init_health)),
        format!("{:.2}", units(h.maint_health)),
    ]);
    println!("portfolio (perpetual P&L {:.2}):\n{}", r.perp_pnl, t.render());
}

#[derive(Serialize)]
struct JsonScenario {
    move_pct: Num,
    vol: &'static str,
    weight_bps: u16,
    pnl: Num,
}

#[derive(Serialize)]
struct JsonLevel {
    range: Num,
    /// Vol shock at 30 days, a share of each series' vol (scaled by tenor).
    vol_shock_ratio: Num,
    gap_vol_ratio: Num,
    scenarios: Vec<JsonScenario>,
    worst_scenario: usize,
    scan_loss: Num,
    short_option_min: Num,
    concentration: Num,
    /// Init only: what lifts the init requirement to maint's where it is below.
    maint_floor: Num,
    requirement: Num,
    /// The options' vol-up less vol-down P&L at an unchanged price (the vega add-on's measure).
    net_vega: Num,
}

#[derive(Serialize)]
struct JsonUnderlying {
    name: String,
    init: JsonLevel,
    maint: JsonLevel,
    option_value: Num,
    net_delta_notional: Num,
    gross_notional: Num,
}

#[derive(Serialize)]
struct JsonRequirement {
    scan: Num,
    joint: Num,
    credit: Num,
    short_option_min: Num,
    concentration: Num,
    maint_floor: Num,
    total: Num,
}

#[derive(Serialize)]
struct JsonReport {
    underlyings: Vec<JsonUnderlying>,
    collateral_init: Num,
    collateral_maint: Num,
    perp_pnl: Num,
    equity_init: Num,
    equity_maint: Num,
    requirement_init: JsonRequirement,
    requirement_maint: JsonRequirement,
    init_health: Num,
    maint_health: Num,
}

fn level(m: &BookMargin, grid: &xmargin_risk::series::GridPoints) -> JsonLevel {
    JsonLevel {
        range: Num(grid.shocks.range),
        vol_shock_ratio: Num(grid.shocks.vol_ratio),
        gap_vol_ratio: Num(grid.shocks.gap_vol_ratio),
        scenarios: grid
            .scenarios
            .iter()
            .enumerate()
            .map(|(i, s)| JsonScenario {
                move_pct: Num(grid.moves[i].mul_int(100).unwrap_or(Fixed::MAX)),
                vol: vol_label(s.vol),
                weight_bps: s.weight_bps,
                pnl: Num(units(m.pnl[i])),
            })
            .collect(),
        worst_scenario: m.worst + 1,
        scan_loss: Num(units(m.scan_loss)),
        short_option_min: Num(units(m.short_option_min)),
        concentration: Num(units(m.concentration)),
        maint_floor: Num(units(m.maint_floor)),
        requirement: Num(units(m.requirement().unwrap_or(i128::MAX))),
        net_vega: Num(units(m.vega)),
    }
}

fn requirement(q: &Requirement) -> JsonRequirement {
    JsonRequirement {
        scan: Num(units(q.scan)),
        joint: Num(units(q.joint)),
        credit: Num(units(q.credit)),
        short_option_min: Num(units(q.short_option_min)),
        concentration: Num(units(q.concentration)),
        maint_floor: Num(units(q.maint_floor)),
        total: Num(units(q.total)),
    }
}

fn json(r: &Report) -> JsonReport {
    let h = &r.health;
    JsonReport {
        underlyings: r
            .names
            .iter()
            .zip(&r.assessed)
            .map(|(name, a)| JsonUnderlying {
                name: name.clone(),
                init: level(&a.init, &a.init_grid),
                maint: level(&a.maint, &a.maint_grid),
                option_value: Num(units(a.option_value)),
                net_delta_notional: Num(units(a.init.net_delta)),
                gross_notional: Num(units(a.init.gross)),
            })
            .collect(),
        collateral_init: Num(r.collateral.init),
        collateral_maint: Num(r.collateral.maint),
        perp_pnl: Num(r.perp_pnl),
        equity_init: Num(units(h.equity_init)),
        equity_maint: Num(units(h.equity_maint)),
        requirement_init: requirement(&h.init),
        requirement_maint: requirement(&h.maint),
        init_health: Num(units(h.init_health)),
        maint_health: Num(units(h.maint_health)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_portfolio_evaluates() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/portfolio.json");
        let portfolio: Portfolio =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let r = evaluate(&portfolio).unwrap();
        assert_eq!(r.names, ["SOL", "BTC"]);
        // Hedged: the requirement is below the scan loss of the naked collateral alone.
        assert!(r.health.init.total < r.health.equity_init);
        assert!(r.health.init_health < r.health.maint_health);
    }

    #[test]
    fn options_need_exactly_one_expiry() {
        let text = r#"{"now": 0, "underlyings": [{"name": "X", "spot": 10, "vol_index": 0.5,
            "options": [{"kind": "call", "strike": 10, "quantity": 1}]}]}"#;
        let p: Portfolio = serde_json::from_str(text).unwrap();
        let err = evaluate(&p).err().expect("refused").to_string();
        assert!(err.contains("exactly one of `days` and `years`"), "{err}");
        assert!(serde_json::from_str::<Portfolio>(r#"{"underlyings": [], "typo": 1}"#).is_err());
    }
}

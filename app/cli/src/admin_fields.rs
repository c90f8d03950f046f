//! `xmargin admin propose KIND --set field=value`: the parameter set a change names, starting from
//! the values in effect, with the fields given replaced. Field names are the program's
//! (docs/governance.md); a `[init, maint]` pair is written `init,maint`.

use clap::ValueEnum;
use cross_margin::engine::lending::QuotePoolParams;
use cross_margin::engine::liquidation::LiquidationParams;
use cross_margin::engine::options::ChainTerms;
use cross_margin::engine::params::{CollateralTerms, OracleBounds, ParamChange};
use cross_margin::engine::perp::PerpTerms;
use cross_margin::engine::underlying::default_risk_params;
use cross_margin::engine::venue::VenueTerms;
use xmargin_client::Pubkey;

/// The parameter sets a change can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    Collateral,
    Oracle,
    Perp,
    Chain,
    VolAuthority,
    Risk,
    QuotePool,
    Liquidation,
    InsuranceShare,
    Timelock,
    Guardian,
    Venue,
}

impl Kind {
    /// A change of this kind (any values; a venue's names `venue`): `engine::params::current`
    /// reads the ones in effect.
    pub fn template(self, venue: Option<Pubkey>) -> ParamChange {
        use ParamChange as C;
        let none = Pubkey::default();
        match self {
            Kind::Collateral => C::Collateral(CollateralTerms {
                init_haircut_bps: 0,
                maint_haircut_bps: 0,
                deposit_cap: 0,
            }),
            Kind::Oracle => C::Oracle(OracleBounds { max_age_secs: 0, max_conf_bps: 0 }),
            Kind::Perp => C::Perp(PerpTerms {
                fee_bps: 0,
                band_bps: 0,
                max_funding_bps_per_hour: 0,
                max_open_interest: 0,
            }),
            Kind::Chain => C::Chain(ChainTerms {
                fee_bps: 0,
                band_bps: 0,
                max_vol_age_secs: 0,
                cache_max_age_secs: 0,
                cache_max_drift_bps: 0,
                settle_window_secs: 0,
                rate: 0,
                max_series_open_interest: 0,
            }),
            Kind::VolAuthority => C::VolAuthority(none),
            Kind::Risk => C::Risk(default_risk_params(6)),
            Kind::QuotePool => C::QuotePool(QuotePoolParams::DEFAULT),
            Kind::Liquidation => C::Liquidation(LiquidationParams::DEFAULT),
            Kind::InsuranceShare => C::InsuranceShare(0),
            Kind::Timelock => C::Timelock(0),
            Kind::Guardian => C::Guardian(none),
            Kind::Venue => C::Venue(VenueTerms {
                program: venue.unwrap_or_default(),
                approved: false,
                max_fee_bps: 0,
            }),
        }
    }
}

/// Parses `field=value`.
pub fn parse_assignment(s: &str) -> Result<(String, String), String> {
    let (field, value) = s.split_once('=').ok_or(format!("`{s}`: expected field=value"))?;
    Ok((field.trim().to_string(), value.trim().to_string()))
}

fn num<T: std::str::FromStr>(field: &str, value: &str) -> Result<T, String> {
    value.replace('_', "").parse().map_err(|_| format!("{field}: `{value}` is not a valid number"))
}

fn pair<T: std::str::FromStr + Copy>(field: &str, value: &str) -> Result<[T; 2], String> {
    let (a, b) = value.split_once(',').ok_or(format!("{field}: expected init,maint"))?;
    Ok([num(field, a)?, num(field, b)?])
}

fn key(field: &str, value: &str) -> Result<Pubkey, String> {
    if value == "none" {
        return Ok(Pubkey::default());
    }
    value.parse().map_err(|_| format!("{field}: `{value}` is not a public key (or `none`)"))
}

/// Replaces `field` of `change` with `value`.
pub fn assign(change: &mut ParamChange, field: &str, value: &str) -> Result<(), String> {
    use ParamChange as C;
    let f = field;
    match change {
        C::Collateral(t) => match f {
            "init_haircut_bps" => t.init_haircut_bps = num(f, value)?,
            "maint_haircut_bps" => t.maint_haircut_bps = num(f, value)?,
            "deposit_cap" => t.deposit_cap = num(f, value)?,
            _ => return unknown(f, "init_haircut_bps, maint_haircut_bps, deposit_cap"),
        },
        C::Oracle(b) => match f {
            "max_age_secs" => b.max_age_secs = num(f, value)?,
            "max_conf_bps" => b.max_conf_bps = num(f, value)?,
            _ => return unknown(f, "max_age_secs, max_conf_bps"),
        },
        C::Perp(t) => match f {
            "fee_bps" => t.fee_bps = num(f, value)?,
            "band_bps" => t.band_bps = num(f, value)?,
            "max_funding_bps_per_hour" => t.max_funding_bps_per_hour = num(f, value)?,
            "max_open_interest" => t.max_open_interest = num(f, value)?,
            _ => {
                return unknown(f, "fee_bps, band_bps, max_funding_bps_per_hour, max_open_interest")
            }
        },
        C::Chain(t) => match f {
            "fee_bps" => t.fee_bps = num(f, value)?,
            "band_bps" => t.band_bps = num(f, value)?,
            "max_vol_age_secs" => t.max_vol_age_secs = num(f, value)?,
            "cache_max_age_secs" => t.cache_max_age_secs = num(f, value)?,
            "cache_max_drift_bps" => t.cache_max_drift_bps = num(f, value)?,
            "settle_window_secs" => t.settle_window_secs = num(f, value)?,
            "rate" => t.rate = num(f, value)?,
            "max_series_open_interest" => t.max_series_open_interest = num(f, value)?,
            _ => return unknown(f, "the ChainTerms fields (docs/governance.md)"),
        },
        C::VolAuthority(k) | C::Guardian(k) => match f {
            "key" => *k = key(f, value)?,
            _ => return unknown(f, "key"),
        },
        C::Risk(p) => match f {
            "range_multiplier_x100" => p.range_multiplier_x100 = pair(f, value)?,
            "range_floor_bps" => p.range_floor_bps = pair(f, value)?,
            "vol_shock_ratio_bps" => p.vol_shock_ratio_bps = pair(f, value)?,
            "vol_shock_floor_bps" => p.vol_shock_floor_bps = pair(f, value)?,
            "short_option_min_bps" => p.short_option_min_bps = pair(f, value)?,
            "concentration_bps" => p.concentration_bps = pair(f, value)?,
            "horizon_secs" => p.horizon_secs = num(f, value)?,
            "gap_thirds" => p.gap_thirds = pair(f, value)?,
            "concentration_threshold" => p.concentration_threshold = num(f, value)?,
            "gap_weight_bps" => p.gap_weight_bps = pair(f, value)?,
            "gap_vol_bps" => p.gap_vol_bps = pair(f, value)?,
            "gross_concentration_bps" => p.gross_concentration_bps = pair(f, value)?,
            "vega_concentration_bps" => p.vega_concentration_bps = pair(f, value)?,
            "gross_threshold" => p.gross_threshold = num(f, value)?,
            "vega_threshold" => p.vega_threshold = num(f, value)?,
            _ => return unknown(f, "the RiskParams fields (docs/governance.md)"),
        },
        C::QuotePool(p) => match f {
            "base_rate_bps" => p.base_rate_bps = num(f, value)?,
            "slope1_bps" => p.slope1_bps = num(f, value)?,
            "slope2_bps" => p.slope2_bps = num(f, value)?,
            "optimal_utilization_bps" => p.optimal_utilization_bps = num(f, value)?,
            "max_utilization_bps" => p.max_utilization_bps = num(f, value)?,
            _ => return unknown(f, "the QuotePoolParams fields (docs/governance.md)"),
        },
        C::Liquidation(p) => match f {
            "incentive_start_bps" => p.incentive_start_bps = num(f, value)?,
            "incentive_max_bps" => p.incentive_max_bps = num(f, value)?,
            "incentive_ramp_secs" => p.incentive_ramp_secs = num(f, value)?,
            _ => return unknown(f, "incentive_start_bps, incentive_max_bps, incentive_ramp_secs"),
        },
        C::InsuranceShare(bps) => match f {
            "bps" => *bps = num(f, value)?,
            _ => return unknown(f, "bps"),
        },
        C::Timelock(secs) => match f {
            "secs" => *secs = num(f, value)?,
            _ => return unknown(f, "secs"),
        },
        C::Venue(t) => match f {
            "approved" => t.approved = value.parse().map_err(|_| format!("{f}: true or false"))?,
            "max_fee_bps" => t.max_fee_bps = num(f, value)?,
            _ => return unknown(f, "approved, max_fee_bps"),
        },
    }
    Ok(())
}

fn unknown(field: &str, known: &str) -> Result<(), String> {
    Err(format!("no field `{field}` in this parameter set (fields: {known})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_assigned_by_name() {
        let mut c = Kind::Collateral.template(None);
        assign(&mut c, "init_haircut_bps", "1_500").unwrap();
        assign(&mut c, "deposit_cap", "1000000").unwrap();
        let ParamChange::Collateral(t) = c else { unreachable!() };
        assert_eq!((t.init_haircut_bps, t.deposit_cap), (1_500, 1_000_000));
        let mut r = Kind::Risk.template(None);
        assign(&mut r, "range_floor_bps", "2800,1400").unwrap();
        let ParamChange::Risk(p) = r else { unreachable!() };
        assert_eq!(p.range_floor_bps, [2_800, 1_400]);
        let mut g = Kind::Guardian.template(None);
        let k = Pubkey::new_unique();
        assign(&mut g, "key", &k.to_string()).unwrap();
        assert_eq!(g, ParamChange::Guardian(k));
        assign(&mut g, "key", "none").unwrap();
        assert_eq!(g, ParamChange::Guardian(Pubkey::default()));
    }

    #[test]
    fn bad_input_is_named() {
        let mut c = Kind::Collateral.template(None);
        assert!(assign(&mut c, "haircut", "1").unwrap_err().contains("no field `haircut`"));
        assert!(assign(&mut c, "deposit_cap", "-1").unwrap_err().contains("not a valid number"));
        assert!(assign(&mut c, "init_haircut_bps", "70000").is_err(), "beyond u16");
        let mut r = Kind::Risk.template(None);
        assert!(assign(&mut r, "gap_thirds", "6").unwrap_err().contains("init,maint"));
        assert!(parse_assignment("fee_bps").is_err());
    }
}

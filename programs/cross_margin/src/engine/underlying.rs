//! Underlying registration: parameter validation and initial state, shared by the quote asset
//! (created with the group) and every other underlying.

use anchor_lang::prelude::*;

use xmargin_risk::margin::{level_grids, moves_q32, AddOn, Charges, Grids, Level};
use xmargin_risk::scenario::{valid_gap, GridParams};
use xmargin_risk::Fixed;

use crate::error::{risk_error, XmError};
use crate::state::{
    OracleParams, RiskParams, Underlying, UnderlyingKind, FULL_HAIRCUT_BPS, UNDERLYING_VERSION,
};

/// Largest token decimals the risk math accepts (10^18 native units per token).
pub const MAX_DECIMALS: u8 = 18;

/// Everything an underlying is created with.
pub struct UnderlyingInit {
    pub kind: UnderlyingKind,
    pub index: u16,
    pub bump: u8,
    pub vault_bump: u8,
    pub group: Pubkey,
    pub mint: Pubkey,
    pub vault: Pubkey,
    pub decimals: u8,
    pub name: [u8; 16],
    pub oracle: OracleParams,
    pub init_haircut_bps: u16,
    pub maint_haircut_bps: u16,
    pub deposit_cap: u64,
    /// When the requested haircuts take effect (an asset starts at a 100% haircut until then).
    pub effective_ts: i64,
    /// Risk parameters (validated here).
    pub risk: RiskParams,
}

/// Checks `maint <= init <= 100%`, and that a holding counting nothing at init counts nothing at
/// maint either: a holding's price risk is stressed at its init-weighted value
/// (`HoldingValue::exposure`), which would be zero while maint still counted it.
pub fn validate_haircuts(init_bps: u16, maint_bps: u16) -> Result<()> {
    require!(maint_bps <= init_bps && init_bps <= FULL_HAIRCUT_BPS, XmError::InvalidHaircuts);
    require!(init_bps < FULL_HAIRCUT_BPS || maint_bps == init_bps, XmError::InvalidHaircuts);
    Ok(())
}

/// Checks a ticker: 1-16 bytes of UTF-8, zero-padded.
pub fn validate_name(name: &[u8; 16]) -> Result<()> {
    let len = name.iter().position(|&b| b == 0).unwrap_or(name.len());
    require!(
        len > 0
            && name[len..].iter().all(|&b| b == 0)
            && core::str::from_utf8(&name[..len]).is_ok(),
        XmError::InvalidName
    );
    Ok(())
}

/// Writes a freshly allocated underlying.
pub fn initialize(u: &mut Underlying, init: UnderlyingInit) -> Result<()> {
    validate_name(&init.name)?;
    validate_haircuts(init.init_haircut_bps, init.maint_haircut_bps)?;
    validate_risk_params(&init.risk)?;
    require!(init.decimals <= MAX_DECIMALS, XmError::InvalidDecimals);
    u.version = UNDERLYING_VERSION;
    u.bump = init.bump;
    u.vault_bump = init.vault_bump;
    u.kind = init.kind as u8;
    u.decimals = init.decimals;
    u.index = init.index;
    u.group = init.group;
    u.mint = init.mint;
    u.vault = init.vault;
    u.name = init.name;
    u.oracle = init.oracle;
    u.risk_params = init.risk.into();
    let c = &mut u.collateral;
    c.deposit_cap = init.deposit_cap;
    c.total_deposits = 0;
    match init.kind {
        // The unit of account: weight 1 from the start, no oracle.
        UnderlyingKind::Quote => {
            c.init_haircut_bps = 0;
            c.maint_haircut_bps = 0;
        }
        // New collateral starts at zero weight; the requested haircuts are a timelocked raise.
        UnderlyingKind::Asset => {
            require!(
                init.oracle.max_age_secs > 0
                    && init.oracle.max_conf_bps > 0
                    && init.oracle.max_conf_bps <= u32::from(FULL_HAIRCUT_BPS),
                XmError::InvalidOracleParams
            );
            c.init_haircut_bps = FULL_HAIRCUT_BPS;
            c.maint_haircut_bps = FULL_HAIRCUT_BPS;
            c.pending_init_haircut_bps = init.init_haircut_bps;
            c.pending_maint_haircut_bps = init.maint_haircut_bps;
            c.pending_effective_ts = init.effective_ts;
            set_vol_index(u, 0)?;
        }
    }
    Ok(())
}

/// Sets the volatility index (precision: 2^-32) and the scenario grid it implies, and starts a
/// new volatility epoch (every risk-cache entry of the underlying becomes stale).
pub fn set_vol_index(u: &mut Underlying, vol_index: i64) -> Result<()> {
    require!(vol_index >= 0, XmError::InvalidVolatility);
    let index = Fixed::from_raw(i128::from(vol_index) << 32);
    let grids = risk_grids(&u.risk_params, index)?;
    u.risk.vol_index = vol_index;
    u.risk.vol_epoch = u.risk.vol_epoch.wrapping_add(1);
    u.risk.init_moves = moves_q32(&grids.init).map_err(risk_error)?;
    u.risk.maint_moves = moves_q32(&grids.maint).map_err(risk_error)?;
    Ok(())
}

/// The default risk parameters (`xmargin_risk::margin::DEFAULT_PARAMS`, in integers: the test
/// below checks they are the same) with a quote asset of `quote_decimals`.
pub fn default_risk_params(quote_decimals: u8) -> RiskParams {
    RiskParams {
        range_multiplier_x100: [300, 200],
        range_floor_bps: [2_700, 1_300],
        vol_shock_ratio_bps: [2_500, 1_500],
        vol_shock_floor_bps: [500, 300],
        short_option_min_bps: [100, 50],
        concentration_bps: [500, 250],
        horizon_secs: 86_400,
        gap_thirds: [6, 9],
        _pad: [0; 2],
        concentration_threshold: 10_000_000u64.saturating_mul(10u64.pow(u32::from(quote_decimals))),
        gap_weight_bps: [5_000, 3_333],
        gap_vol_bps: [5_000, 5_000],
        gross_concentration_bps: [25, 10],
        vega_concentration_bps: [2_500, 1_250],
        gross_threshold: 50_000_000u64.saturating_mul(10u64.pow(u32::from(quote_decimals))),
        vega_threshold: 1_000_000u64.saturating_mul(10u64.pow(u32::from(quote_decimals))),
    }
}

/// Checks a listing's risk parameters against their documented ranges, none of which lets a
/// charge fall to zero: multiplier 1.00-10.00, range floor 1-50%, vol shock 1-100% of the
/// series' vol, its floor 1-100 points, short-option minimum 0.1-100%, delta add-on 0.1-100%,
/// gross add-on 0.01-100%, vega add-on 1-100%, horizon an hour to a week, gaps of 4-12 thirds
/// weighted 10% to `3 / thirds` with a vol shock of +10% to +200%; init at least maint in each
/// (gaps excepted: each level's gap only has to be valid). Thresholds are any amount.
pub fn validate_risk_params(p: &RiskParams) -> Result<()> {
    let within = |pair: [u16; 2], lo: u16, hi: u16| {
        pair[0] >= pair[1] && (lo..=hi).contains(&pair[1]) && pair[0] <= hi
    };
    require!(
        within(p.range_multiplier_x100, 100, 1_000)
            && within(p.range_floor_bps, 100, 5_000)
            && within(p.vol_shock_ratio_bps, 100, 10_000)
            && within(p.vol_shock_floor_bps, 100, 10_000)
            && within(p.short_option_min_bps, 10, 10_000)
            && within(p.concentration_bps, 10, 10_000)
            && within(p.gross_concentration_bps, 1, 10_000)
            && within(p.vega_concentration_bps, 100, 10_000)
            && (3_600..=7 * 86_400).contains(&p.horizon_secs)
            && (0..2).all(|l| valid_gap(p.gap_thirds[l], p.gap_weight_bps[l]))
            && p.gap_vol_bps.iter().all(|&v| (1_000..=20_000).contains(&v))
            // Padding is zero: a change of padding alone would start a vol epoch for nothing.
            && p._pad == [0; 2],
        XmError::InvalidRiskParams
    );
    // Both grids must stay within the engine's moves up to the largest index in effect (the
    // maint gap may reach further than init's: gaps are not ordered between levels).
    let most = Fixed::from_raw(i128::from(crate::engine::vol_index::MAX_INDEX) << 32);
    let within_moves = risk_grids(p, most)
        .and_then(|g| moves_q32(&g.init).and(moves_q32(&g.maint)).map_err(risk_error));
    require!(within_moves.is_ok(), XmError::InvalidRiskParams);
    Ok(())
}

/// The grid parameters of level `l` (0 init, 1 maint).
fn grid_params(p: &RiskParams, l: usize) -> Result<GridParams> {
    let ratio = |n: u16, d: i128| Fixed::from_ratio(i128::from(n), d);
    let horizon = Fixed::from_ratio(i128::from(p.horizon_secs), 31_536_000);
    let g = (|| {
        Ok::<_, xmargin_risk::MathError>(GridParams {
            range_multiplier: ratio(p.range_multiplier_x100[l], 100)?,
            range_floor: ratio(p.range_floor_bps[l], 10_000)?,
            horizon_years: horizon?,
            vol_shock_ratio: ratio(p.vol_shock_ratio_bps[l], 10_000)?,
            vol_shock_floor: ratio(p.vol_shock_floor_bps[l], 10_000)?,
            gap_thirds: p.gap_thirds[l],
            gap_weight_bps: p.gap_weight_bps[l],
            gap_vol_ratio: ratio(p.gap_vol_bps[l], 10_000)?,
        })
    })();
    g.map_err(|e| {
        xm_msg!("risk params: {}", e);
        error!(XmError::MathOverflow)
    })
}

/// Both levels' grids of an underlying with `p` at the volatility index `index`.
pub fn risk_grids(p: &RiskParams, index: Fixed) -> Result<Box<Grids>> {
    let (init, maint) = (grid_params(p, 0)?, grid_params(p, 1)?);
    level_grids([&init, &maint], index).map_err(risk_error)
}

/// The charges of `level` from `p` (integers only: read on every health check).
pub fn charges(p: &RiskParams, level: Level) -> Charges {
    let l = level as usize;
    let add_on = |bps: [u16; 2], threshold: u64| AddOn {
        bps: u32::from(bps[l]),
        threshold: i128::from(threshold),
    };
    Charges {
        short_option_min_bps: u32::from(p.short_option_min_bps[l]),
        delta: add_on(p.concentration_bps, p.concentration_threshold),
        gross: add_on(p.gross_concentration_bps, p.gross_threshold),
        vega: add_on(p.vega_concentration_bps, p.vega_threshold),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use xmargin_risk::margin::DEFAULT_PARAMS;

    #[test]
    fn default_risk_params_are_the_risk_crates() {
        let p = default_risk_params(6);
        assert!(validate_risk_params(&p).is_ok());
        assert_eq!(grid_params(&p, 0).unwrap(), DEFAULT_PARAMS.init);
        assert_eq!(grid_params(&p, 1).unwrap(), DEFAULT_PARAMS.maint);
        for level in Level::BOTH {
            assert_eq!(charges(&p, level), DEFAULT_PARAMS.charges(level, 6).unwrap());
        }
        let mut bad = p;
        bad.range_floor_bps = [400, 500]; // init below maint
        assert!(validate_risk_params(&bad).is_err());
        bad = p;
        bad.horizon_secs = 60;
        assert!(validate_risk_params(&bad).is_err());
        bad = p;
        bad._pad = [0, 1]; // padding would make a no-op change start a vol epoch
        assert!(validate_risk_params(&bad).is_err());
        // No shock, minimum or add-on may be zero.
        for zero in [
            |b: &mut RiskParams| b.vol_shock_ratio_bps[1] = 0,
            |b: &mut RiskParams| b.vol_shock_floor_bps[1] = 0,
            |b: &mut RiskParams| b.short_option_min_bps[1] = 0,
            |b: &mut RiskParams| b.concentration_bps[1] = 0,
            |b: &mut RiskParams| b.gross_concentration_bps[1] = 0,
            |b: &mut RiskParams| b.vega_concentration_bps[1] = 0,
            |b: &mut RiskParams| b.gap_vol_bps[0] = 0,
        ] {
            bad = p;
            zero(&mut bad);
            assert!(validate_risk_params(&bad).is_err(), "{bad:?}");
        }
        // Within every range, yet at a 600% index the grid's moves would pass 200%: refused.
        bad = p;
        (bad.range_multiplier_x100, bad.horizon_secs) = ([1_000, 200], 7 * 86_400);
        assert!(validate_risk_params(&bad).is_err());
        // The same through the maint gap only: init's gap is short, maint's reaches 4 ranges.
        bad = p;
        (bad.gap_thirds, bad.gap_weight_bps) = ([4, 12], [7_500, 2_500]);
        (bad.range_multiplier_x100, bad.horizon_secs) = ([300, 300], 2 * 86_400);
        assert!(validate_risk_params(&bad).is_err());
        let mut short_gaps = bad;
        (short_gaps.gap_thirds, short_gaps.gap_weight_bps) = ([4, 4], [7_500, 7_500]);
        assert!(validate_risk_params(&short_gaps).is_ok());
    }
}

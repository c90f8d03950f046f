//! Underlying registration: parameter validation and initial state, shared by the quote asset
//! (created with the group) and every other underlying.

use anchor_lang::prelude::*;

use xmargin_risk::margin::{grids, moves_q32, DEFAULT_PARAMS};
use xmargin_risk::scenario::SPAN_16;
use xmargin_risk::Fixed;

use crate::error::{risk_error, XmError};
use crate::state::{
    OracleParams, Underlying, UnderlyingKind, FULL_HAIRCUT_BPS, UNDERLYING_VERSION,
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
}

/// Checks `maint <= init <= 100%`.
pub fn validate_haircuts(init_bps: u16, maint_bps: u16) -> Result<()> {
    require!(maint_bps <= init_bps && init_bps <= FULL_HAIRCUT_BPS, XmError::InvalidHaircuts);
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
    let grids = grids(&DEFAULT_PARAMS, &SPAN_16, index).map_err(risk_error)?;
    u.risk.vol_index = vol_index;
    u.risk.vol_epoch = u.risk.vol_epoch.wrapping_add(1);
    u.risk.init_moves = moves_q32(&grids.init).map_err(risk_error)?;
    u.risk.maint_moves = moves_q32(&grids.maint).map_err(risk_error)?;
    Ok(())
}

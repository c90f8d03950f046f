//! Program errors. Each variant names the condition that failed; handlers log the figures with
//! `xm_msg!` (`log`) before returning one.

use anchor_lang::prelude::*;
use xmargin_risk::oracle::OracleFault;
use xmargin_risk::RiskError;

#[error_code]
pub enum XmError {
    // --- arguments -----------------------------------------------------------------------------
    #[msg("amount must be greater than zero")]
    ZeroAmount,
    #[msg("haircuts must satisfy maint <= init <= 10000 bps")]
    InvalidHaircuts,
    #[msg("oracle parameters must have max age > 0 and max confidence in 1..=10000 bps")]
    InvalidOracleParams,
    #[msg("mint decimals must be at most 18")]
    InvalidDecimals,
    #[msg("name must be 1-16 bytes of UTF-8")]
    InvalidName,
    #[msg("underlying index must equal the group's underlying count")]
    UnderlyingIndexMismatch,
    #[msg("the group has the maximum number of underlyings")]
    TooManyUnderlyings,
    #[msg("option inputs out of domain: spot and strike must be > 0, vol and time >= 0")]
    InvalidOptionInputs,
    #[msg("volatility must be >= 0 and give scenario moves of at most 200%")]
    InvalidVolatility,
    #[msg("perpetual parameters out of range (contract size > 0, fee <= 1000 bps, band 1..=5000 bps, funding cap <= 10000 bps/h, open-interest cap > 0)")]
    InvalidPerpParams,
    #[msg("trade size must be in 1..=i32::MAX contracts and price > 0")]
    InvalidTradeSize,

    // --- trading -------------------------------------------------------------------------------
    #[msg("the underlying has no listed perpetual")]
    PerpNotListed,
    #[msg("the perpetual is already listed")]
    PerpAlreadyListed,
    #[msg("trade price is outside the band around the oracle price")]
    PriceOutsideBand,
    #[msg("buyer and seller are the same margin account")]
    SelfTrade,
    #[msg("all perpetual slots of the margin account are in use")]
    PerpSlotsFull,
    #[msg("position would exceed i32::MAX contracts")]
    PositionTooLarge,
    #[msg("the accounts' perpetual P&L does not have opposite signs: nothing to settle")]
    NothingToSettle,

    // --- authority and account binding ---------------------------------------------------------
    #[msg("signer is not the group admin")]
    NotGroupAdmin,
    #[msg("signer is not the margin account's owner")]
    NotAccountOwner,
    #[msg("signer is neither the margin account's owner nor its delegate")]
    NotOwnerOrDelegate,
    #[msg("account belongs to another group")]
    WrongGroup,
    #[msg("vault is not the underlying's vault")]
    VaultMismatch,
    #[msg("token account mint is not the underlying's mint")]
    MintMismatch,
    #[msg("withdraw destination is not owned by the margin account's owner")]
    DestinationNotOwnedByOwner,
    #[msg("source token account is not owned by the signer")]
    SourceNotOwnedBySigner,

    // --- balances ------------------------------------------------------------------------------
    #[msg("deposit would exceed the underlying's deposit cap")]
    DepositCapExceeded,
    #[msg("amount overflows the balance")]
    BalanceOverflow,
    #[msg("withdraw amount exceeds the collateral balance")]
    InsufficientBalance,
    #[msg("all collateral slots of the margin account are in use")]
    CollateralSlotsFull,
    #[msg("margin account still holds balances or positions")]
    AccountNotEmpty,

    // --- oracle --------------------------------------------------------------------------------
    #[msg("price account is not owned by the Pyth receiver program")]
    OracleWrongOwner,
    #[msg("price account is not a PriceUpdateV2")]
    OracleAccountInvalid,
    #[msg("price account's feed id does not match the underlying")]
    OracleFeedMismatch,
    #[msg("price update is not fully verified")]
    OracleNotFullyVerified,
    #[msg("price is older than the underlying's max age")]
    OracleStale,
    #[msg("price confidence interval is wider than the underlying's max")]
    OracleConfidenceTooWide,
    #[msg("price is not positive")]
    OracleNonPositive,
    #[msg("price is outside the fixed-point range")]
    OracleOutOfRange,

    // --- health --------------------------------------------------------------------------------
    #[msg("health accounts: an (underlying, price) pair is missing")]
    HealthAccountMissing,
    #[msg("health accounts: more accounts than the account's holdings need")]
    HealthAccountUnexpected,
    #[msg("health accounts: underlying does not match the account's holding in that position")]
    HealthAccountMismatch,
    #[msg("init health would be negative")]
    InitHealthNegative,
    #[msg("arithmetic overflow")]
    MathOverflow,
    // --- options -------------------------------------------------------------------------------
    #[msg("invalid option chain parameters")]
    InvalidChainParams,
    #[msg("the underlying's option chain is already listed")]
    ChainAlreadyListed,
    #[msg("the underlying has no option chain listed")]
    ChainNotListed,
    #[msg("invalid series: kind must be 0 or 1, strike in 1..=2^52 qn, expiry in the future")]
    InvalidSeriesParams,
    #[msg("all series slots of the option chain are in use")]
    SeriesSlotsFull,
    #[msg("no such series in the underlying's option chain")]
    SeriesNotListed,
    #[msg("the series is not active (settled)")]
    SeriesNotActive,
    #[msg("the series has expired: it can only be settled")]
    SeriesExpired,
    #[msg("no active series of the chain expires at that time, or it has not expired yet")]
    NothingToSettleAtExpiry,
    #[msg("signer is not the chain's vol authority")]
    NotVolAuthority,
    #[msg("volatility inputs are missing or older than the chain's max age")]
    VolatilityStale,
    #[msg("the settlement price must be the first print at or after the current settlement point (prev_publish_time < point <= publish_time)")]
    SettlementPriceNotFirstPrint,
    #[msg("a series' risk cache entry is missing, of an old vol epoch, too old or too far from the price")]
    RiskCacheStale,
    #[msg("all option slots of the margin account are in use")]
    OptionSlotsFull,
    #[msg("the series has expired and awaits its settlement price")]
    SeriesAwaitingSettlement,
    #[msg("no margin account given, or one that is read-only")]
    SettlementAccountInvalid,

    // --- appended: codes above never change, new ones go at the end --------------------------
    #[msg("a delegate-signed side must trade at the instrument's value or better for its account")]
    DelegatePriceWorseThanValue,
    #[msg("the price account is not the one the underlying reads its prices from")]
    PriceAccountMismatch,
    #[msg("winner and loser are the same margin account")]
    SelfSettlement,
    #[msg("the account given as the quote underlying is not the group's quote underlying")]
    QuoteUnderlyingExpected,
    #[msg(
        "a trade side that ends below init health must trade at the instrument's value or better"
    )]
    BelowInitWorseThanValue,
    #[msg("the option position is of an earlier series that held its slot")]
    SeriesGenerationMismatch,
    #[msg("one contract would be worth less than 10,000 native quote units at the oracle price: prices too coarse")]
    ContractTooSmall,
    #[msg("the quote pool's liquidity (deposits less what is owed) is below the withdrawal")]
    InsufficientLiquidity,
    #[msg("new borrowing would take the quote pool above its maximum utilization")]
    QuoteUtilizationTooHigh,
    #[msg("quote pool parameters out of range: optimal and maximum utilization in 1..10000 bps, at most 20000 bps a year at full use")]
    InvalidQuotePoolParams,
    #[msg("the margin account already holds the most distinct underlyings it may (12)")]
    AccountUnderlyingLimit,
    #[msg("an earlier settlement stage's first print is valid: it is the settlement price")]
    EarlierSettlementPrintValid,
    #[msg("the payer owes more than its quote balance and is not shown healthy (maint health >= 0): the pool lends it nothing")]
    PayerCannotBorrow,
    #[msg("liquidation parameters out of range: start <= max < 10000 bps, ramp > 0")]
    InvalidLiquidationParams,
    #[msg("the account is not liquidatable: its maint health is not below 0 (or, flagged, its init health is back at 0)")]
    NotLiquidatable,
    #[msg("the liquidation step names nothing the liquidatee holds, or more than it holds")]
    LiquidationStepInvalid,
    #[msg("the liquidation step would not raise the liquidatee's maint health")]
    LiquidationDoesNotRaiseHealth,
    #[msg("the liquidation step would take the liquidatee's init health past the target (0) by more than one unit of the step")]
    OverLiquidation,
    #[msg("the liquidator is the liquidatee, its owner or its delegate")]
    SelfLiquidation,
    #[msg("the account is being liquidated: its owner may only deposit and reduce risk")]
    AccountBeingLiquidated,
    #[msg("the liquidation incentive is below the liquidator's minimum")]
    IncentiveBelowMinimum,
    #[msg("an underlying the liquidation step changes is passed read-only")]
    UnderlyingNotWritable,
    #[msg("the socialized loss exceeds what the quote deposits are worth")]
    LossExceedsDeposits,
    #[msg("the account is not bankrupt: it owes no quote")]
    NotBankrupt,
    #[msg(
        "the account still holds collateral, perpetual contracts or options: liquidate them first"
    )]
    BankruptcyAccountNotEmpty,
    #[msg("the account has an unsettled gain: settle it first (perp_settle_pnl, the account as winner)")]
    BankruptcyUnsettledQuote,
    #[msg("insurance parameters out of range: fee share at most 10000 bps")]
    InvalidInsuranceParams,
    #[msg("a realized-volatility price sample too soon after the last one (at least 300 s)")]
    VolSampleTooSoon,
    #[msg("the trade would raise the open interest above the market's cap")]
    OpenInterestCapExceeded,
    #[msg("risk parameters out of range (see docs/risk-model.md: multiplier 1-10, range floor 1-50%, horizon 1 h-7 days, init >= maint)")]
    InvalidRiskParams,
    #[msg("the change raises risk (a lower haircut or requirement, a higher cap, fee or rate, a new key): queue it with params_queue")]
    ChangeNeedsTimelock,
    #[msg("the queued change is not due yet (its effective_ts is later than now)")]
    ChangeNotDue,
    #[msg("the change does not fit its target: an underlying's change needs that underlying (the quote asset's pool, never its oracle, markets or risk model), a group change none")]
    ChangeTargetMismatch,
    #[msg("the change's sequence number is not the group's next one (change_seq)")]
    ChangeSeqMismatch,
    #[msg("the signer is neither the group's admin nor its guardian")]
    NotAdminOrGuardian,
    #[msg(
        "the guardian can only make things safer: add pause bits, set reduce-only, cancel changes"
    )]
    GuardianCanOnlyRestrict,
    #[msg("the signer is not the group's proposed admin")]
    NotPendingAdmin,
    #[msg("this instruction class is paused in the group")]
    Paused,
    #[msg("reduce-only: every side of the trade must shrink its position without flipping it")]
    ReduceOnly,
    #[msg(
        "pause bits outside the defined ones (TRADING, WITHDRAWALS, LISTING, VENUE_FILLS, CRANKS)"
    )]
    InvalidPauseBits,
    #[msg("the queued change's account does not hold a valid change")]
    InvalidPendingChange,
    #[msg("the values the queued change replaces are no longer those in effect (changed since it was queued): cancel it and queue it again")]
    ChangeStale,
    #[msg("the queued change expired (not applied within 14 days of being due): cancel it")]
    ChangeExpired,
    // --- venues --------------------------------------------------------------------------------
    #[msg("venue parameters out of range (fee cap <= 100 bps)")]
    InvalidVenueParams,
    #[msg("the group does not approve this venue (approval waits out the timelock)")]
    VenueNotApproved,
    #[msg("the account's owner has not approved this venue (account_set_venue)")]
    VenueNotApprovedByAccount,
    #[msg(
        "the signer is not the venue's authority (its program's PDA [\"xmargin-venue\", group])"
    )]
    VenueAuthorityMismatch,
    #[msg("the fee account is not the venue's")]
    VenueFeeAccountMismatch,
    #[msg("the venue's fee account cannot be a side of the fill")]
    VenueFeeAccountIsSide,
    #[msg("the venue fee is above the venue's cap (max_fee_bps of the notional)")]
    VenueFeeTooHigh,
    #[msg("the account approves the maximum number of venues: revoke one first")]
    VenueSlotsFull,
    #[msg("a health view threshold is not met")]
    HealthBelowThreshold,
    #[msg("a side that ends below init pays no venue fee (only the group's fee is allowed then)")]
    VenueFeeBelowInit,
    #[msg("a side authorized by the account's delegate pays no venue fee")]
    VenueFeeFromDelegatedSide,
}

/// The program error for an oracle fault.
pub fn oracle_fault_error(fault: OracleFault) -> XmError {
    match fault {
        OracleFault::NotFullyVerified => XmError::OracleNotFullyVerified,
        OracleFault::Stale { .. } => XmError::OracleStale,
        OracleFault::NonPositive => XmError::OracleNonPositive,
        OracleFault::ConfidenceTooWide { .. } => XmError::OracleConfidenceTooWide,
        OracleFault::OutOfRange => XmError::OracleOutOfRange,
    }
}

/// Logs the details of a risk error and returns the matching program error.
pub fn risk_error(err: RiskError) -> Error {
    xm_msg!("risk: {}", err);
    match err {
        RiskError::Math { .. } => XmError::MathOverflow.into(),
        RiskError::PriceUnavailable { fault, .. } => oracle_fault_error(fault).into(),
    }
}

/// The numeric code of a program error (what a client sees), 0 when it has none.
pub fn error_code(e: &Error) -> u32 {
    match e {
        Error::AnchorError(a) => a.error_code_number,
        Error::ProgramError(p) => u64::from(p.program_error.clone()) as u32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Error codes are part of the interface (clients match on them): existing codes never
    /// change, new errors are appended. Inserting or reordering a variant fails here.
    #[test]
    fn error_codes_are_pinned() {
        let pinned = [
            (XmError::ZeroAmount, 6000),
            (XmError::InvalidHaircuts, 6001),
            (XmError::InvalidOracleParams, 6002),
            (XmError::InvalidDecimals, 6003),
            (XmError::InvalidName, 6004),
            (XmError::UnderlyingIndexMismatch, 6005),
            (XmError::TooManyUnderlyings, 6006),
            (XmError::InvalidOptionInputs, 6007),
            (XmError::InvalidVolatility, 6008),
            (XmError::InvalidPerpParams, 6009),
            (XmError::InvalidTradeSize, 6010),
            (XmError::PerpNotListed, 6011),
            (XmError::PerpAlreadyListed, 6012),
            (XmError::PriceOutsideBand, 6013),
            (XmError::SelfTrade, 6014),
            (XmError::PerpSlotsFull, 6015),
            (XmError::PositionTooLarge, 6016),
            (XmError::NothingToSettle, 6017),
            (XmError::NotGroupAdmin, 6018),
            (XmError::NotAccountOwner, 6019),
            (XmError::NotOwnerOrDelegate, 6020),
            (XmError::WrongGroup, 6021),
            (XmError::VaultMismatch, 6022),
            (XmError::MintMismatch, 6023),
            (XmError::DestinationNotOwnedByOwner, 6024),
            (XmError::SourceNotOwnedBySigner, 6025),
            (XmError::DepositCapExceeded, 6026),
            (XmError::BalanceOverflow, 6027),
            (XmError::InsufficientBalance, 6028),
            (XmError::CollateralSlotsFull, 6029),
            (XmError::AccountNotEmpty, 6030),
            (XmError::OracleWrongOwner, 6031),
            (XmError::OracleAccountInvalid, 6032),
            (XmError::OracleFeedMismatch, 6033),
            (XmError::OracleNotFullyVerified, 6034),
            (XmError::OracleStale, 6035),
            (XmError::OracleConfidenceTooWide, 6036),
            (XmError::OracleNonPositive, 6037),
            (XmError::OracleOutOfRange, 6038),
            (XmError::HealthAccountMissing, 6039),
            (XmError::HealthAccountUnexpected, 6040),
            (XmError::HealthAccountMismatch, 6041),
            (XmError::InitHealthNegative, 6042),
            (XmError::MathOverflow, 6043),
            (XmError::InvalidChainParams, 6044),
            (XmError::ChainAlreadyListed, 6045),
            (XmError::ChainNotListed, 6046),
            (XmError::InvalidSeriesParams, 6047),
            (XmError::SeriesSlotsFull, 6048),
            (XmError::SeriesNotListed, 6049),
            (XmError::SeriesNotActive, 6050),
            (XmError::SeriesExpired, 6051),
            (XmError::NothingToSettleAtExpiry, 6052),
            (XmError::NotVolAuthority, 6053),
            (XmError::VolatilityStale, 6054),
            (XmError::SettlementPriceNotFirstPrint, 6055),
            (XmError::RiskCacheStale, 6056),
            (XmError::OptionSlotsFull, 6057),
            (XmError::SeriesAwaitingSettlement, 6058),
            (XmError::SettlementAccountInvalid, 6059),
            (XmError::DelegatePriceWorseThanValue, 6060),
            (XmError::PriceAccountMismatch, 6061),
            (XmError::SelfSettlement, 6062),
            (XmError::QuoteUnderlyingExpected, 6063),
            (XmError::BelowInitWorseThanValue, 6064),
            (XmError::SeriesGenerationMismatch, 6065),
            (XmError::ContractTooSmall, 6066),
            (XmError::InsufficientLiquidity, 6067),
            (XmError::QuoteUtilizationTooHigh, 6068),
            (XmError::InvalidQuotePoolParams, 6069),
            (XmError::AccountUnderlyingLimit, 6070),
            (XmError::EarlierSettlementPrintValid, 6071),
            (XmError::PayerCannotBorrow, 6072),
            (XmError::InvalidLiquidationParams, 6073),
            (XmError::NotLiquidatable, 6074),
            (XmError::LiquidationStepInvalid, 6075),
            (XmError::LiquidationDoesNotRaiseHealth, 6076),
            (XmError::OverLiquidation, 6077),
            (XmError::SelfLiquidation, 6078),
            (XmError::AccountBeingLiquidated, 6079),
            (XmError::IncentiveBelowMinimum, 6080),
            (XmError::UnderlyingNotWritable, 6081),
            (XmError::LossExceedsDeposits, 6082),
            (XmError::NotBankrupt, 6083),
            (XmError::BankruptcyAccountNotEmpty, 6084),
            (XmError::BankruptcyUnsettledQuote, 6085),
            (XmError::InvalidInsuranceParams, 6086),
            (XmError::VolSampleTooSoon, 6087),
            (XmError::OpenInterestCapExceeded, 6088),
            (XmError::InvalidRiskParams, 6089),
            (XmError::ChangeNeedsTimelock, 6090),
            (XmError::ChangeNotDue, 6091),
            (XmError::ChangeTargetMismatch, 6092),
            (XmError::ChangeSeqMismatch, 6093),
            (XmError::NotAdminOrGuardian, 6094),
            (XmError::GuardianCanOnlyRestrict, 6095),
            (XmError::NotPendingAdmin, 6096),
            (XmError::Paused, 6097),
            (XmError::ReduceOnly, 6098),
            (XmError::InvalidPauseBits, 6099),
            (XmError::InvalidPendingChange, 6100),
            (XmError::ChangeStale, 6101),
            (XmError::ChangeExpired, 6102),
            (XmError::InvalidVenueParams, 6103),
            (XmError::VenueNotApproved, 6104),
            (XmError::VenueNotApprovedByAccount, 6105),
            (XmError::VenueAuthorityMismatch, 6106),
            (XmError::VenueFeeAccountMismatch, 6107),
            (XmError::VenueFeeAccountIsSide, 6108),
            (XmError::VenueFeeTooHigh, 6109),
            (XmError::VenueSlotsFull, 6110),
            (XmError::HealthBelowThreshold, 6111),
            (XmError::VenueFeeBelowInit, 6112),
            (XmError::VenueFeeFromDelegatedSide, 6113),
        ];
        for (error, code) in pinned {
            assert_eq!(anchor_lang::error::ERROR_CODE_OFFSET + error as u32, code, "{error:?}");
        }
    }
}

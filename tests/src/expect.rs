//! Assertions on transaction outcomes: each names the exact error expected.

use cross_margin::error::XmError;
use xmargin_client::chain::{TxFailure, TxReport};

/// The transaction failed with the program error `expected`.
pub fn xm_error(result: Result<TxReport, TxFailure>, expected: XmError) {
    code(result, anchor_lang::error::ERROR_CODE_OFFSET + expected as u32, &format!("{expected:?}"));
}

/// The transaction failed with the example RFQ venue's error `expected`.
pub fn rfq_error(
    result: Result<TxReport, TxFailure>,
    expected: xmargin_client::rfq_venue::error::RfqError,
) {
    code(result, anchor_lang::error::ERROR_CODE_OFFSET + expected as u32, &format!("{expected:?}"));
}

/// The transaction failed with Anchor's framework error `expected`.
pub fn anchor_error(result: Result<TxReport, TxFailure>, expected: anchor_lang::error::ErrorCode) {
    code(result, expected as u32, &format!("{expected:?}"));
}

fn code(result: Result<TxReport, TxFailure>, expected: u32, name: &str) {
    match result {
        Ok(report) => {
            panic!("expected {name} ({expected}), transaction succeeded; logs: {:#?}", report.logs)
        }
        Err(failure) => assert_eq!(
            failure.custom_code(),
            Some(expected),
            "expected {name} ({expected}), got {}",
            failure
        ),
    }
}

/// The transaction succeeded.
pub fn ok(result: Result<TxReport, TxFailure>) -> TxReport {
    result.unwrap_or_else(|failure| panic!("{failure}"))
}

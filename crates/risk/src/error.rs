//! Errors of the pure risk code. Every variant names what failed; the program maps them onto its own
//! error codes and logs the name.

use core::fmt;

use crate::oracle::OracleFault;

/// A fixed-point operation that could not produce a representable, meaningful result.
/// The `&'static str` names the operation (for example `"Fixed::mul"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MathError {
    /// The exact result is outside the range of [`crate::Fixed`] (or of the requested integer type).
    Overflow(&'static str),
    /// Division (or a ratio) with a zero denominator.
    DivisionByZero(&'static str),
    /// An argument outside the operation's domain (for example a decimal exponent out of range).
    Domain(&'static str),
}

impl MathError {
    /// Name of the operation that failed.
    pub fn op(&self) -> &'static str {
        match self {
            MathError::Overflow(op) | MathError::DivisionByZero(op) | MathError::Domain(op) => op,
        }
    }
}

impl fmt::Display for MathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MathError::Overflow(op) => write!(f, "overflow in {op}"),
            MathError::DivisionByZero(op) => write!(f, "division by zero in {op}"),
            MathError::Domain(op) => write!(f, "argument out of domain in {op}"),
        }
    }
}

/// Errors of the portfolio risk computation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RiskError {
    /// Arithmetic failed while computing `what` (for example "collateral value").
    Math { what: &'static str, err: MathError },
    /// A holding that carries weight in the health computation has no usable price.
    PriceUnavailable { underlying: u16, fault: OracleFault },
}

impl fmt::Display for RiskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RiskError::Math { what, err } => write!(f, "{what}: {err}"),
            RiskError::PriceUnavailable { underlying, fault } => {
                write!(f, "no valid price for underlying {underlying}: {fault}")
            }
        }
    }
}

/// Attaches the name of the quantity being computed to a [`MathError`].
pub trait Context<T> {
    fn context(self, what: &'static str) -> Result<T, RiskError>;
}

impl<T> Context<T> for Result<T, MathError> {
    #[inline]
    fn context(self, what: &'static str) -> Result<T, RiskError> {
        self.map_err(|err| RiskError::Math { what, err })
    }
}

impl std::error::Error for MathError {}
impl std::error::Error for RiskError {}

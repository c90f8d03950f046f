//! Margin of single books: the scan loss of a linear position is the full range move, the
//! short-option minimum and the concentration add-on apply as specified.

use super::*;
use crate::scenario::SPAN_16;

fn fx(s: &str) -> Fixed {
    s.parse().unwrap()
}

fn linear(delta_one: &str, params: &UnderlyingParams) -> (BookMargin, BookMargin) {
    let g = grids(params, &SPAN_16, fx("0.8")).unwrap();
    let (init_grid, maint_grid) = (g.init, g.maint);
    let book = Book {
        underlying: 1,
        spot: Fixed::from_int(150),
        delta_one: fx(delta_one),
        options: &[],
        params,
        init_grid: &init_grid,
        maint_grid: &maint_grid,
    };
    (book_margin(&book, Level::Init).unwrap(), book_margin(&book, Level::Maint).unwrap())
}

#[test]
fn linear_loss_is_one_full_range() {
    let params = DEFAULT_PARAMS;
    let (init, maint) = linear("10", &params);
    // init range 3 * 0.8 * sqrt(1/365) = 0.125622..., maint 2 * 0.8 * sqrt(1/365) = 0.083748...
    let init_range = 3.0 * 0.8 * (1.0f64 / 365.0).sqrt();
    let maint_range = 2.0 * 0.8 * (1.0f64 / 365.0).sqrt();
    let to_f64 = |x: Fixed| x.raw() as f64 / 18_446_744_073_709_551_616.0;
    assert!((to_f64(init.scan_loss) - 1500.0 * init_range).abs() < 1e-9);
    assert!((to_f64(maint.scan_loss) - 1500.0 * maint_range).abs() < 1e-9);
    assert_eq!(init.worst, 12); // down a full range (vol up and vol down tie; the first counts)
                                // A short position loses on the way up.
    let (short, _) = linear("-10", &params);
    assert_eq!(short.worst, 10);
    assert_eq!(short.scan_loss, init.scan_loss);
    assert_eq!(init.net_delta, fx("10"));
    assert_eq!((init.short_option_min, init.concentration), (Fixed::ZERO, Fixed::ZERO));
    assert!(maint.requirement().unwrap() < init.requirement().unwrap());
}

#[test]
fn concentration_above_the_threshold() {
    let params =
        UnderlyingParams { concentration_threshold: Fixed::from_int(1_000), ..DEFAULT_PARAMS };
    let (init, maint) = linear("10", &params);
    // (1,500 - 1,000) * 5% and * 2.5%.
    assert_eq!((init.concentration, maint.concentration), (fx("25"), fx("12.5")));
}

#[test]
fn requirement_sums_books_and_blends_the_correlation_credit() {
    let params = DEFAULT_PARAMS;
    let (long, _) = linear("10", &params);
    let (short, _) = linear("-10", &params);
    let independent = requirement(&[long, short], 0).unwrap();
    assert_eq!(independent.scan, long.scan_loss.checked_add(short.scan_loss).unwrap());
    assert_eq!(independent.joint, Fixed::ZERO);
    assert_eq!(independent.total, independent.scan);
    let full = requirement(&[long, short], 10_000).unwrap();
    assert_eq!(full.total, Fixed::ZERO);
    let half = requirement(&[long, short], 5_000).unwrap();
    assert_eq!(half.credit, long.scan_loss);
}

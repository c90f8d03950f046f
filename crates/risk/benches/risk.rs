//! Native benchmarks of the risk engine: `cargo bench -p xmargin-risk`.
//! (On-chain compute units are measured separately, on SBF: `scripts/cu-report`.)

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use xmargin_risk::black_scholes::{greeks, BsInputs, OptionKind};
use xmargin_risk::margin::{book_margin, grids, Book, Level, OptionExposure, DEFAULT_PARAMS};
use xmargin_risk::portfolio::{assess, portfolio_health, OptionPosition, Positions};
use xmargin_risk::scenario::SPAN_16;
use xmargin_risk::series::{compute, Market, SeriesSpec};
use xmargin_risk::{health::Health, Fixed};

const NOW: i64 = 1_760_000_000;

fn fx(s: &str) -> Fixed {
    s.parse().unwrap()
}

/// The reference book of one underlying: 8 series over 2 expiries, long and short.
fn reference_book(underlying: u16, spot: i64) -> Positions {
    let mut options = Vec::new();
    for (i, days) in [30i64, 90].into_iter().enumerate() {
        for (j, pct) in [90i64, 95, 105, 110].into_iter().enumerate() {
            let kind = if pct < 100 { OptionKind::Put } else { OptionKind::Call };
            let quantity =
                if (i + j) % 2 == 0 { Fixed::from_int(10) } else { Fixed::from_int(-10) };
            options.push(OptionPosition {
                spec: SeriesSpec {
                    kind,
                    strike: Fixed::from_int(spot * pct / 100),
                    expiry: NOW + days * 86_400,
                },
                quantity,
                vol: fx("0.7"),
            });
        }
    }
    Positions {
        underlying,
        spot: Fixed::from_int(spot),
        vol_index: fx("0.7"),
        rate: Fixed::ZERO,
        delta_one: Fixed::from_int(5),
        options,
        params: DEFAULT_PARAMS,
    }
}

fn benches(c: &mut Criterion) {
    let atm = BsInputs {
        kind: OptionKind::Call,
        spot: fx("150"),
        strike: fx("160"),
        vol: fx("0.8"),
        years: fx("0.08"),
        rate: fx("0.03"),
    };
    c.bench_function("price_and_greeks", |b| b.iter(|| greeks(black_box(&atm)).unwrap()));

    let g = grids(&DEFAULT_PARAMS, &SPAN_16, fx("0.8")).unwrap();
    let spec = SeriesSpec { kind: OptionKind::Call, strike: fx("160"), expiry: NOW + 30 * 86_400 };
    let market = Market { spot: fx("150"), vol: fx("0.8"), rate: fx("0.03"), now: NOW };
    c.bench_function("series_in_all_scenarios", |b| {
        b.iter(|| compute(black_box(&spec), &market, &g.init, &g.maint).unwrap())
    });

    let books: Vec<Positions> =
        (0..8).map(|u| reference_book(u + 1, 100 * (u as i64 + 1))).collect();
    c.bench_function("portfolio_health_fresh_8x8", |b| {
        b.iter(|| {
            let assessed: Vec<_> =
                books.iter().map(|p| assess(black_box(p), &SPAN_16, NOW).unwrap()).collect();
            portfolio_health(&Health::default(), Fixed::ZERO, &assessed, 0).unwrap()
        })
    });

    // The on-chain hot path: books from cached series risk, no repricing.
    let cached: Vec<(Positions, Vec<OptionExposure>, Box<xmargin_risk::margin::Grids>)> = books
        .iter()
        .map(|p| {
            let g = grids(&p.params, &SPAN_16, p.vol_index).unwrap();
            let exposures = p
                .options
                .iter()
                .map(|o| {
                    let m = Market { spot: p.spot, vol: o.vol, rate: p.rate, now: NOW };
                    let r = compute(&o.spec, &m, &g.init, &g.maint).unwrap();
                    OptionExposure {
                        quantity: o.quantity,
                        delta: r.greeks.delta,
                        risk: r.as_live(),
                    }
                })
                .collect();
            (p.clone(), exposures, g)
        })
        .collect();
    c.bench_function("portfolio_margin_cached_8x8", |b| {
        b.iter(|| {
            for (p, exposures, g) in &cached {
                let book = Book {
                    underlying: p.underlying,
                    spot: p.spot,
                    delta_one: p.delta_one,
                    options: exposures,
                    params: &p.params,
                    init_grid: &g.init,
                    maint_grid: &g.maint,
                };
                black_box(book_margin(&book, Level::Init).unwrap());
                black_box(book_margin(&book, Level::Maint).unwrap());
            }
        })
    });
}

criterion_group!(risk, benches);
criterion_main!(risk);

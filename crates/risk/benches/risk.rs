//! Native benchmarks of the risk engine: `cargo bench -p xmargin-risk`.
//! (On-chain compute units are measured separately, on SBF: `scripts/cu-report`.)

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use xmargin_risk::black_scholes::{greeks, BsInputs, OptionKind};
use xmargin_risk::book::{Exposure, Stress};
use xmargin_risk::cache::{encode, ContractScale, SeriesEntry};
use xmargin_risk::margin::{grids, moves_q32, Level, DEFAULT_PARAMS};
use xmargin_risk::portfolio::{assess, combine, OptionPosition, Positions};
use xmargin_risk::series::{compute, Market, SeriesSpec};
use xmargin_risk::{Fixed, Round};

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
            let contracts = if (i + j) % 2 == 0 { 10 } else { -10 };
            options.push(OptionPosition {
                spec: SeriesSpec {
                    kind,
                    strike: Fixed::from_int(spot * pct / 100),
                    expiry: NOW + days * 86_400,
                },
                contracts,
                vol: fx("0.7"),
            });
        }
    }
    Positions {
        underlying,
        spot: Fixed::from_int(spot),
        vol_index: fx("0.7"),
        rate: Fixed::ZERO,
        scale: ContractScale::new(1_000_000_000, 9, 6).unwrap(),
        linear: 5 * i128::from(spot) * 1_000_000,
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

    let g = grids(&DEFAULT_PARAMS, fx("0.8")).unwrap();
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
                books.iter().map(|p| assess(black_box(p), NOW, 6).unwrap()).collect();
            let init: Vec<_> = assessed.iter().map(|a| a.init).collect();
            let maint: Vec<_> = assessed.iter().map(|a| a.maint).collect();
            combine(0, 0, &init, &maint, 0).unwrap()
        })
    });

    // The on-chain hot path: books from cached series risk, no repricing.
    let cached: Vec<(Positions, Vec<SeriesEntry>, [[i64; 16]; 2])> = books
        .iter()
        .map(|p| {
            let g = grids(&p.params, p.vol_index).unwrap();
            let entries = p
                .options
                .iter()
                .map(|o| {
                    let m = Market { spot: p.spot, vol: o.vol, rate: p.rate, now: NOW };
                    encode(&compute(&o.spec, &m, &g.init, &g.maint).unwrap(), &p.scale, 0).unwrap()
                })
                .collect();
            let moves = [moves_q32(&g.init).unwrap(), moves_q32(&g.maint).unwrap()];
            (p.clone(), entries, moves)
        })
        .collect();
    c.bench_function("portfolio_margin_cached_8x8", |b| {
        b.iter(|| {
            for (p, entries, moves) in &cached {
                let price = p.scale.per_contract(p.spot, Round::Down).unwrap();
                let mut x = Exposure::default();
                x.add_linear(p.linear).unwrap();
                for (o, e) in p.options.iter().zip(entries) {
                    x.add_option(o.contracts, e, price, NOW + 60).unwrap();
                }
                for (level, grid) in Level::BOTH.into_iter().zip([&p.params.init, &p.params.maint])
                {
                    let charges = p.params.charges(level, 6).unwrap();
                    let stress = Stress {
                        moves: &moves[level as usize],
                        gap_weight_bps: grid.gap_weight_bps,
                        charges,
                    };
                    let m = x.margin(p.underlying, level, &stress);
                    black_box(m.unwrap());
                }
            }
        })
    });
}

criterion_group!(risk, benches);
criterion_main!(risk);

//! The one-day market of the coverage backtest (`xmargin backtest`): a Monte Carlo of each
//! underlying's price with jumps, implied vols that rise with the move, and every option aged by
//! the day; portfolios are revalued at each path's end with the protocol's own Black-Scholes
//! (`xmargin_risk::black_scholes`, fixed point).
//!
//! ```text
//! ln(S1 / S0) = -v^2 h / 2 + v sqrt(h) Z + J_1 + ... + J_N     h = 1 day, v = the vol index
//! N ~ Poisson(jumps_per_year h),  J_i ~ Normal(jump_mean, jump_sd)
//! vol of every series in the path = its implied vol * (1 + vol_response |S1 / S0 - 1|)
//! T1 = T - h (an option expiring within the day pays its intrinsic value)
//! ```
//!
//! Two underlyings move together: their normals `Z` correlate at `correlation`, jumps arrive at
//! the same times (a market-wide event) with sizes that correlate at `correlation` too. The paths
//! depend only on the seed and the path number, so every portfolio sees the same market.

use xmargin_risk::black_scholes::{price, BsInputs, OptionKind};
use xmargin_risk::{Fixed, MathError};

use crate::risk::{KindIn, Portfolio};

/// The market model's parameters.
#[derive(Debug, Clone, Copy)]
pub struct MarketModel {
    /// Horizon in years (one day).
    pub horizon_years: f64,
    /// Jump arrivals per year.
    pub jumps_per_year: f64,
    /// Mean and standard deviation of a jump's log size.
    pub jump_mean: f64,
    pub jump_sd: f64,
    /// Implied vols scale by `1 + vol_response * |relative move|`.
    pub vol_response: f64,
    /// Correlation of the underlyings' normals and of their jump sizes.
    pub correlation: f64,
    /// The deterministic gap: every price moves by `+/- gap`, vols times `gap_vol_factor`.
    pub gap: f64,
    pub gap_vol_factor: f64,
}

/// The issue's market: 12 jumps a year of log size N(-5%, 12%), vols x1.5 at a 40% move.
pub const DEFAULT_MODEL: MarketModel = MarketModel {
    horizon_years: 1.0 / 365.0,
    jumps_per_year: 12.0,
    jump_mean: -0.05,
    jump_sd: 0.12,
    vol_response: 1.25,
    correlation: 0.7,
    gap: 0.40,
    gap_vol_factor: 1.5,
};

/// Where one path ends for each underlying: price factor `S1 / S0` and vol factor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Move {
    pub price: f64,
    pub vol: f64,
}

/// A deterministic random stream (SplitMix64): no dependency, the same numbers everywhere.
struct Stream(u64);

impl Stream {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1).
    fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    /// Standard normal (Box-Muller; one of the pair is dropped to keep streams simple).
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }

    /// Poisson by inversion (the mean is small: a few hundredths).
    fn poisson(&mut self, mean: f64) -> u32 {
        let (mut k, mut p, u) = (0u32, (-mean).exp(), self.uniform());
        let mut cumulative = p;
        while u > cumulative && k < 64 {
            k += 1;
            p *= mean / f64::from(k);
            cumulative += p;
        }
        k
    }
}

impl MarketModel {
    /// Path `path` of the run seeded `seed`, for underlyings at vol indexes `vols`.
    pub fn path(&self, seed: u64, path: u64, vols: &[f64]) -> Vec<Move> {
        let mut s = Stream(seed ^ path.wrapping_mul(0xD6E8_FEB8_6659_FD93));
        let rho = self.correlation;
        let rest = (1.0 - rho * rho).sqrt();
        let common = s.normal();
        let jumps = s.poisson(self.jumps_per_year * self.horizon_years);
        let common_jumps: Vec<f64> = (0..jumps).map(|_| s.normal()).collect();
        vols.iter()
            .enumerate()
            .map(|(i, &v)| {
                let own =
                    |s: &mut Stream, c: f64| if i == 0 { c } else { rho * c + rest * s.normal() };
                let z = own(&mut s, common);
                let h = self.horizon_years;
                let mut log = -v * v * h / 2.0 + v * h.sqrt() * z;
                for &c in &common_jumps {
                    log += self.jump_mean + self.jump_sd * own(&mut s, c);
                }
                let factor = log.exp();
                Move { price: factor, vol: 1.0 + self.vol_response * (factor - 1.0).abs() }
            })
            .collect()
    }

    /// The gap: every underlying moves by `sign * gap`, vols times the gap's factor.
    pub fn gap_move(&self, sign: f64, count: usize) -> Vec<Move> {
        vec![Move { price: 1.0 + sign * self.gap, vol: self.gap_vol_factor }; count]
    }
}

fn fixed(x: f64) -> Fixed {
    Fixed::from_raw((x * 18_446_744_073_709_551_616.0) as i128)
}

pub fn to_f64(x: Fixed) -> f64 {
    x.raw() as f64 / 18_446_744_073_709_551_616.0
}

/// A portfolio's value (quote units, at mids, no haircuts), now (`moves = None`) or after one
/// horizon along `moves` (one per underlying, in the portfolio's order).
pub fn value(p: &Portfolio, model: &MarketModel, moves: Option<&[Move]>) -> Result<f64, MathError> {
    let mut total = p.quote.map_or(0.0, |q| to_f64(q.value));
    for (i, u) in p.underlyings.iter().enumerate() {
        let m = moves.map_or(Move { price: 1.0, vol: 1.0 }, |m| m[i]);
        let spot0 = to_f64(u.spot.value);
        let spot = spot0 * m.price;
        total += u.collateral.map_or(0.0, |c| to_f64(c.value)) * spot;
        if let Some(perp) = &u.perp {
            total += to_f64(perp.size.value) * (spot - to_f64(perp.entry.value));
        }
        let aged = if moves.is_some() { model.horizon_years } else { 0.0 };
        for o in &u.options {
            let years = match (o.days, o.years) {
                (Some(d), _) => to_f64(d.value) / 365.0,
                (None, Some(y)) => to_f64(y.value),
                (None, None) => 0.0,
            };
            let vol = to_f64(o.vol.map_or(u.vol_index.value, |v| v.value)) * m.vol;
            let inputs = BsInputs {
                kind: match o.kind {
                    KindIn::Call => OptionKind::Call,
                    KindIn::Put => OptionKind::Put,
                },
                spot: fixed(spot),
                strike: o.strike.value,
                vol: fixed(vol),
                years: fixed((years - aged).max(0.0)),
                rate: u.rate.map_or(Fixed::ZERO, |r| r.value),
            };
            total += to_f64(o.quantity.value) * to_f64(price(&inputs)?);
        }
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NO_JUMPS: MarketModel = MarketModel { jumps_per_year: 0.0, ..DEFAULT_MODEL };

    #[test]
    fn diffusion_matches_its_distribution() {
        // Without jumps ln(S1/S0) is Normal(-v^2 h / 2, v^2 h): check mean, sd and the 1% tail.
        let (n, v) = (40_000u64, 0.8);
        let logs: Vec<f64> = (0..n).map(|i| NO_JUMPS.path(7, i, &[v])[0].price.ln()).collect();
        let h = NO_JUMPS.horizon_years;
        let mean = logs.iter().sum::<f64>() / n as f64;
        let sd = (logs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64).sqrt();
        assert!((mean + v * v * h / 2.0).abs() < 3.0 * v * h.sqrt() / (n as f64).sqrt());
        assert!((sd / (v * h.sqrt()) - 1.0).abs() < 0.02, "sd {sd}");
        let below = logs.iter().filter(|&&x| x < -v * v * h / 2.0 - 2.326 * v * h.sqrt()).count();
        assert!((below as f64 / n as f64 - 0.01).abs() < 0.002, "{below}");
    }

    #[test]
    fn jumps_arrive_at_their_rate_and_together() {
        // At vol 0 a path moves only by its jumps: days with one come at 1 - e^(-12/365), their
        // log sizes are N(-5%, 12%), and the second underlying jumps on the same days.
        let (n, model) = (200_000u64, DEFAULT_MODEL);
        let mut sizes = Vec::new();
        let mut together = 0;
        for i in 0..n {
            let path = model.path(3, i, &[0.0, 0.0]);
            if path[0].price != 1.0 {
                sizes.push(path[0].price.ln());
                together += usize::from(path[1].price != 1.0);
            }
        }
        let days = sizes.len() as f64 / n as f64;
        assert!((days / (1.0 - (-12.0f64 / 365.0).exp()) - 1.0).abs() < 0.05, "{days}");
        assert_eq!(together, sizes.len());
        let mean = sizes.iter().sum::<f64>() / sizes.len() as f64;
        let sd =
            (sizes.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / sizes.len() as f64).sqrt();
        // Mostly single jumps (a few days have two): mean near -5%, sd near 12%.
        assert!((mean + 0.05).abs() < 0.01 && (sd - 0.12).abs() < 0.01, "{mean} {sd}");
    }

    #[test]
    fn vols_rise_with_the_move_and_the_gap_is_deterministic() {
        let g = DEFAULT_MODEL.gap_move(-1.0, 2);
        assert_eq!(g[1], Move { price: 0.6, vol: 1.5 });
        let m = NO_JUMPS.path(1, 1, &[0.8])[0];
        assert!((m.vol - (1.0 + 1.25 * (m.price - 1.0).abs())).abs() < 1e-12);
    }
}

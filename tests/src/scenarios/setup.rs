//! Shared market setups.

use crate::world::{AssetSpec, World, E8};

/// Native units per whole token for the standard assets.
pub const SOL: u64 = 1_000_000_000;
pub const BTC: u64 = 100_000_000;
pub const ETH: u64 = 100_000_000;

/// Indices of the standard markets.
pub struct Standard {
    pub usdc: u16,
    pub sol: u16,
    pub btc: u16,
    pub eth: u16,
}

/// A group (no timelock) with USDC as quote and SOL ($150, 9 decimals), BTC ($60,000, 8) and
/// ETH ($3,000, 8) at 20% init / 10% maint haircuts.
pub fn standard(w: &mut World) -> Standard {
    w.create_group(0);
    Standard {
        usdc: 0,
        sol: w.add_asset(AssetSpec::new("SOL", 9, 150 * E8)),
        btc: w.add_asset(AssetSpec::new("BTC", 8, 60_000 * E8)),
        eth: w.add_asset(AssetSpec::new("ETH", 8, 3_000 * E8)),
    }
}

/// The five assets that, with the standard three, make the eight-collateral portfolio.
pub fn five_more(w: &mut World) -> [u16; 5] {
    [
        w.add_asset(AssetSpec::new("JUP", 6, E8 / 2)),
        w.add_asset(AssetSpec::new("BONK", 5, 2_000)),
        w.add_asset(AssetSpec::new("JTO", 9, 3 * E8)),
        w.add_asset(AssetSpec::new("PYTH", 6, E8 / 4)),
        w.add_asset(AssetSpec::new("WIF", 6, 2 * E8)),
    ]
}

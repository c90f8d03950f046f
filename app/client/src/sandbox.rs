//! Standing up markets on a local chain (the demo and the tests): deterministic keys, SPL mints
//! and token accounts, Pyth `PriceUpdateV2` accounts, and the instructions that register them.
//! Functions that write accounts do so directly; program instructions are returned for the caller
//! to send, so callers keep control of how transactions go out.

use anchor_lang::prelude::Pubkey;
use cross_margin::engine::lending::QuotePoolParams;
use cross_margin::engine::liquidation::LiquidationParams;
use cross_margin::engine::underlying::default_risk_params;
use cross_margin::instructions::{GroupCreateArgs, UnderlyingAddArgs};
use cross_margin::state::{InsuranceFund, RiskParams, QUOTE_INDEX};
use pyth_solana_receiver_sdk::price_update::VerificationLevel;
use solana_instruction::Instruction;
use solana_keypair::Keypair;

use crate::chain::LocalChain;
use crate::fixtures::{self, PythPrice};
use crate::{ix, pda};

/// Price mantissas here use exponent -8: `150 * E8` is 150 quote units.
pub const E8: i64 = 100_000_000;

/// A deterministic keypair for `label` (fixed keys keep PDA bumps, hence CU, reproducible).
pub fn keypair(label: &str) -> Keypair {
    Keypair::new_from_array(seed(label, 0))
}

/// A deterministic address for `label` (mints, token accounts, price accounts).
pub fn address(label: &str) -> Pubkey {
    Pubkey::new_from_array(seed(label, 1))
}

/// A deterministic address for arbitrary `bytes` (lookup tables named by their contents).
pub fn address_of(bytes: &[u8]) -> Pubkey {
    Pubkey::new_from_array(seed_bytes(bytes, 2))
}

fn seed(label: &str, domain: u8) -> [u8; 32] {
    seed_bytes(label.as_bytes(), domain)
}

fn seed_bytes(bytes: &[u8], domain: u8) -> [u8; 32] {
    // FNV-1a over (domain, bytes), then a splitmix64 stream: stable and dependency-free.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in [domain].iter().chain(bytes) {
        h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
    }
    let mut stream = Rng::new(h);
    let mut out = [0u8; 32];
    for chunk in out.chunks_mut(8) {
        chunk.copy_from_slice(&stream.next_u64().to_le_bytes());
    }
    out
}

/// A deterministic pseudo-random stream (splitmix64): the same seed gives the same market, crowd
/// and fuzzing run on every machine.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi` (`lo` when `hi <= lo`); the tiny modulo bias does not matter here.
    pub fn between(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        lo + self.next_u64() % (hi - lo + 1)
    }

    /// `true` with probability `per_mille / 1000`.
    pub fn chance(&mut self, per_mille: u64) -> bool {
        self.next_u64() % 1_000 < per_mille
    }
}

/// A ticker as the program stores it: zero-padded UTF-8 (at most 16 bytes).
pub fn ticker(name: &str) -> [u8; 16] {
    let mut out = [0u8; 16];
    out[..name.len()].copy_from_slice(name.as_bytes());
    out
}

/// Parameters of an asset.
#[derive(Clone, Debug)]
pub struct AssetSpec {
    pub name: &'static str,
    pub decimals: u8,
    /// Price mantissa at exponent -8.
    pub price: i64,
    pub init_haircut_bps: u16,
    pub maint_haircut_bps: u16,
    pub deposit_cap: u64,
    pub max_age_secs: u32,
    pub max_conf_bps: u32,
    /// Risk parameters (default: `default_risk_params` with the sandbox's 6-decimal quote).
    pub risk: RiskParams,
}

impl AssetSpec {
    /// An asset with 20% / 10% haircuts, 60 s max age, 2% max confidence, no practical cap, the
    /// default risk parameters.
    pub fn new(name: &'static str, decimals: u8, price: i64) -> AssetSpec {
        AssetSpec {
            name,
            decimals,
            price,
            init_haircut_bps: 2_000,
            maint_haircut_bps: 1_000,
            deposit_cap: u64::MAX,
            max_age_secs: 60,
            max_conf_bps: 200,
            risk: default_risk_params(6),
        }
    }
}

/// One underlying and the keys around it.
#[derive(Clone, Debug)]
pub struct Market {
    pub index: u16,
    pub name: &'static str,
    pub mint: Pubkey,
    pub decimals: u8,
    pub underlying: Pubkey,
    pub vault: Pubkey,
    pub feed_id: [u8; 32],
    /// The `PriceUpdateV2` account used for this market (unused for the quote asset).
    pub price_account: Pubkey,
}

/// Writes the quote mint and returns `group_create` (group number `group_num` of `admin`) with the
/// group key and the quote market (`USDC`, 6 decimals).
pub fn group_create(
    chain: &mut dyn LocalChain,
    admin: &Pubkey,
    group_num: u32,
    risk_timelock_secs: u32,
    quote_deposit_cap: u64,
) -> (Instruction, Pubkey, Market) {
    let mint = address("mint:USDC");
    chain.set_account(&mint, fixtures::mint(6, admin, 0));
    let args = GroupCreateArgs {
        group_num,
        risk_timelock_secs,
        quote_name: ticker("USDC"),
        quote_deposit_cap,
        quote_pool: QuotePoolParams::DEFAULT,
        liquidation: LiquidationParams::DEFAULT,
        insurance_fee_share_bps: InsuranceFund::DEFAULT_FEE_SHARE_BPS,
    };
    let group = pda::group(admin, group_num);
    let underlying = pda::underlying(&group, QUOTE_INDEX);
    let market = Market {
        index: QUOTE_INDEX,
        name: "USDC",
        mint,
        decimals: 6,
        underlying,
        vault: pda::vault(&underlying),
        feed_id: [0; 32],
        price_account: Pubkey::default(),
    };
    (ix::group_create(admin, &mint, args), group, market)
}

/// Writes the asset's mint and returns `underlying_add` for it at `index`, with its market.
pub fn underlying_add(
    chain: &mut dyn LocalChain,
    admin: &Pubkey,
    group: &Pubkey,
    index: u16,
    spec: &AssetSpec,
) -> (Instruction, Market) {
    let mint = address(&format!("mint:{}", spec.name));
    chain.set_account(&mint, fixtures::mint(spec.decimals, admin, 0));
    let mut feed_id = [0xfe; 32];
    feed_id[..spec.name.len()].copy_from_slice(spec.name.as_bytes());
    let price_account = address(&format!("price:{}", spec.name));
    let args = UnderlyingAddArgs {
        index,
        name: ticker(spec.name),
        feed_id,
        price_account,
        oracle_max_age_secs: spec.max_age_secs,
        oracle_max_conf_bps: spec.max_conf_bps,
        init_haircut_bps: spec.init_haircut_bps,
        maint_haircut_bps: spec.maint_haircut_bps,
        deposit_cap: spec.deposit_cap,
        risk: spec.risk,
    };
    let underlying = pda::underlying(group, index);
    let market = Market {
        index,
        name: spec.name,
        mint,
        decimals: spec.decimals,
        underlying,
        vault: pda::vault(&underlying),
        feed_id,
        price_account,
    };
    (ix::underlying_add(admin, group, &mint, args), market)
}

/// Writes a price update for `market`: `(price +/- conf) * 10^-8`, published at `publish_time`, the
/// feed's previous print one second earlier.
pub fn post_price(
    chain: &mut dyn LocalChain,
    market: &Market,
    price: i64,
    conf: u64,
    publish_time: i64,
    verification: VerificationLevel,
) {
    let prev_publish_time = publish_time.saturating_sub(1);
    post_print(
        chain,
        &market.price_account,
        market,
        price,
        conf,
        [prev_publish_time, publish_time],
        verification,
    );
}

/// Writes at `key` a fully described print of `market`'s feed: `(price +/- conf) * 10^-8`,
/// published at `times[1]` after a previous print at `times[0]`.
pub fn post_print(
    chain: &mut dyn LocalChain,
    key: &Pubkey,
    market: &Market,
    price: i64,
    conf: u64,
    times: [i64; 2],
    verification: VerificationLevel,
) {
    let update = fixtures::price_update(&PythPrice {
        feed_id: market.feed_id,
        price,
        conf,
        exponent: -8,
        publish_time: times[1],
        prev_publish_time: times[0],
        verification,
    });
    chain.set_account(key, update);
}

/// The token account of `owner_label` for `market` (deterministic address).
pub fn token_account_key(owner_label: &str, market: &Market) -> Pubkey {
    address(&format!("token:{owner_label}:{}", market.index))
}

/// Writes the token account of `owner_label` (wallet `owner`) for `market` holding `amount`.
pub fn fund(
    chain: &mut dyn LocalChain,
    owner_label: &str,
    owner: &Pubkey,
    market: &Market,
    amount: u64,
) -> Pubkey {
    let key = token_account_key(owner_label, market);
    chain.set_account(&key, fixtures::token_account(&market.mint, owner, amount));
    key
}

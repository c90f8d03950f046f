//! The conservation check `World` runs after every transaction.

use cross_margin::state::{Group, MarginAccount, SeriesStatus, QUOTE_INDEX};
use xmargin_client::accounts::{decode, token_amount};

use crate::world::World;

impl World {
    /// Exact conservation, for every market:
    /// - tokens: vault amount == `total_deposits` == the sum of the tracked accounts' balances,
    ///   plus, for the quote asset, the group's accrued fees less what the option chains have paid
    ///   net by settling positions (0 once every settled position is);
    /// - perpetual: the sum of `base` is 0 and the sum of `quote + base * funding_snapshot` is 0
    ///   (funding booked at any index keeps that sum, and it is the sum of `quote` once every
    ///   position has booked to the same index);
    /// - options, per series: the long quantities sum to the open interest; the quantities sum to
    ///   0 until the series is settled; then what the chain has paid net plus what its remaining
    ///   positions will be paid (`quantity * settlement_value`) is 0.
    pub fn check_conservation(&mut self) {
        let accounts: Vec<MarginAccount> = self
            .accounts
            .clone()
            .iter()
            .filter_map(|key| self.chain.account(key))
            .map(|a| decode(&a.data).expect("margin account"))
            .collect();
        let fees = match self.chain.account(&self.group) {
            Some(g) if self.group != Default::default() => {
                decode::<Group>(&g.data).expect("group").fees_accrued
            }
            _ => 0,
        };
        let mut net_paid = 0i128;
        for m in self.markets.clone() {
            if self.chain.account(&m.underlying).is_none() {
                continue;
            }
            let chain = self.underlying(m.index).options;
            net_paid += i128::from(chain.settlement_net_paid);
            // What the remaining positions of settled series will be paid, qn.
            let mut owed = 0i128;
            for (k, s) in chain.series[..usize::from(chain.series_count)].iter().enumerate() {
                let (mut sum, mut long) = (0i128, 0i128);
                for o in accounts.iter().flat_map(|a| a.options.iter()) {
                    if o.underlying == m.index && usize::from(o.series) == k {
                        sum += i128::from(o.quantity);
                        long += i128::from(o.quantity.max(0));
                    }
                }
                if s.is(SeriesStatus::Settled) {
                    owed += sum * i128::from(s.settlement_value);
                } else {
                    assert_eq!(sum, 0, "step {}: {} series {} quantities", self.steps, m.name, k);
                    assert_eq!(s.settlement_value, 0);
                }
                assert_eq!(
                    long,
                    i128::from(s.open_interest),
                    "step {}: {} series {} open interest",
                    self.steps,
                    m.name,
                    k
                );
            }
            assert_eq!(
                owed + i128::from(chain.settlement_net_paid),
                0,
                "step {}: {} settled series: paid net + owed to remaining positions",
                self.steps,
                m.name
            );
        }
        for m in self.markets.clone() {
            let Some(vault) = self.chain.account(&m.vault) else { continue };
            let vault_amount = token_amount(&vault.data).expect("vault is a token account");
            let total = self.underlying(m.index).collateral.total_deposits;
            let mut sum: i128 =
                if m.index == QUOTE_INDEX { i128::from(fees) - net_paid } else { 0 };
            let mut perp = (0i128, 0i128);
            for account in &accounts {
                sum += account
                    .active_collateral()
                    .filter(|c| c.underlying == m.index)
                    .map(|c| i128::from(c.balance))
                    .sum::<i128>();
                for p in account.perps.iter().filter(|p| p.underlying == m.index) {
                    perp.0 += i128::from(p.base);
                    perp.1 +=
                        i128::from(p.quote) + i128::from(p.base) * i128::from(p.funding_snapshot);
                }
            }
            assert!(
                u128::from(vault_amount) == u128::from(total) && i128::from(total) == sum,
                "step {}: {} vault {} != total_deposits {} or account sum (+ fees - net paid) {}",
                self.steps,
                m.name,
                vault_amount,
                total,
                sum
            );
            assert_eq!(
                perp,
                (0, 0),
                "step {}: {} perpetual sums (base, quote)",
                self.steps,
                m.name
            );
        }
    }
}

//! The conservation check `World` runs after every transaction.

use cross_margin::engine::lending;
use cross_margin::state::{Group, MarginAccount, SeriesStatus, QUOTE_INDEX};
use xmargin_client::accounts::{decode, token_amount};
use xmargin_client::pda;
use xmargin_client::xmargin_risk::interest::deposit_at;

use crate::world::World;

impl World {
    /// Exact conservation, for every market:
    /// - tokens: `total_deposits` and `total_borrows` are the sums of the tracked accounts'
    ///   positive balances and of what they owe (interest booked), and the vault holds their
    ///   difference plus, for the quote asset, the fees, interest and protocol fees collected
    ///   less the socialized loss not yet booked, which the deposits' worth at the deposit index
    ///   covers; the insurance vault holds the fund's balance;
    /// - market positions: the sum of `base` is 0, and the sum of `quote + base *
    ///   funding_snapshot` plus the underlying's `fees_accrued` equals what its option chain has
    ///   paid net by settling positions (funding booked at any index keeps that sum, and it is the
    ///   sum of `quote` once every position has booked to the same index; trades, premiums, fees
    ///   and P&L settlement keep it);
    /// - options, per series: every position is of the series' generation; the long and written
    ///   quantities sum to the two open interests; the quantities sum to 0 until the series is
    ///   settled; then what the chain has paid net plus what its remaining
    ///   positions will be paid (`quantity * settlement_value`) is 0.
    pub fn check_conservation(&mut self) {
        self.check_insurance();
        let accounts: Vec<MarginAccount> = self
            .accounts
            .clone()
            .iter()
            .filter_map(|key| self.chain.account(key))
            .map(|a| decode(&a.data).expect("margin account"))
            .collect();
        for m in self.markets.clone() {
            if self.chain.account(&m.underlying).is_none() {
                continue;
            }
            let chain = self.underlying(m.index).options;
            // What the remaining positions of settled series will be paid, qn.
            let mut owed = 0i128;
            for (k, s) in chain.series[..usize::from(chain.series_count)].iter().enumerate() {
                let (mut sum, mut long, mut short) = (0i128, 0i128, 0i128);
                for o in accounts.iter().flat_map(|a| a.options.iter()) {
                    if o.underlying == m.index && usize::from(o.series) == k {
                        assert_eq!(
                            o.generation, s.generation,
                            "step {}: a retired position",
                            self.steps
                        );
                        sum += i128::from(o.quantity);
                        long += i128::from(o.quantity.max(0));
                        short += i128::from(o.quantity.min(0).unsigned_abs());
                    }
                }
                if s.is(SeriesStatus::Settled) {
                    owed += sum * i128::from(s.settlement_value);
                } else {
                    assert_eq!(sum, 0, "step {}: {} series {} quantities", self.steps, m.name, k);
                    assert_eq!(s.settlement_value, 0);
                }
                assert_eq!(
                    (long, short),
                    (i128::from(s.open_interest), i128::from(s.short_open_interest)),
                    "step {}: {} series {} open interests (long, written)",
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
            let underlying = self.underlying(m.index);
            let (deposits, borrows) =
                (underlying.collateral.total_deposits, underlying.collateral.total_borrows);
            let (mut positive, mut owed) = (0i128, 0i128);
            let mut perp = (
                0i128,
                i128::from(underlying.fees_accrued)
                    - i128::from(underlying.options.settlement_net_paid),
            );
            for account in &accounts {
                for c in account.active_collateral().filter(|c| c.underlying == m.index) {
                    positive += i128::from(c.balance.max(0));
                    owed += i128::from((-c.balance).max(0));
                }
                for p in account.perps.iter().filter(|p| p.underlying == m.index) {
                    perp.0 += i128::from(p.base);
                    perp.1 +=
                        i128::from(p.quote) + i128::from(p.base) * i128::from(p.funding_snapshot);
                }
            }
            assert_eq!(
                (i128::from(deposits), i128::from(borrows)),
                (positive, owed),
                "step {}: {} (total_deposits, total_borrows) against the accounts' balances",
                self.steps,
                m.name
            );
            let l = &underlying.lending;
            let held = i128::from(deposits) - i128::from(borrows)
                + i128::from(underlying.fees_collected)
                + i128::from(l.interest_collected)
                + i128::from(l.protocol_fees)
                - i128::from(l.loss_unbooked);
            assert_eq!(
                i128::from(vault_amount),
                held,
                "step {}: {} vault against deposits - borrows + fees, interest and protocol fees \
                 - socialized loss unbooked",
                self.steps,
                m.name
            );
            // What the quote deposits are worth now falls short of what they hold by at least
            // the socialized loss not yet booked (the deposit index rounds against them). Only
            // quote deposits carry a deposit index.
            if m.index == QUOTE_INDEX {
                let index = lending::deposit_index(&underlying);
                let worth: i128 = accounts
                    .iter()
                    .flat_map(|a| a.active_collateral().map(move |c| (a, c)))
                    .filter(|(_, c)| c.underlying == QUOTE_INDEX && c.balance > 0)
                    .map(|(a, c)| {
                        let snapshot = a.quote_deposit_snapshot;
                        i128::from(deposit_at(c.balance as u64, snapshot, index).unwrap())
                    })
                    .sum();
                assert!(
                    positive - worth >= i128::from(l.loss_unbooked),
                    "step {}: deposits worth {} of {}, {} unbooked",
                    self.steps,
                    worth,
                    positive,
                    l.loss_unbooked
                );
            }
            assert_eq!(
                perp,
                (0, 0),
                "step {}: {} market sums (base, quote + fees - options paid net)",
                self.steps,
                m.name
            );
        }
    }

    /// The insurance vault holds exactly the fund's balance.
    fn check_insurance(&mut self) {
        if self.group == Default::default() {
            return;
        }
        let Some(group) = self.chain.account(&self.group) else { return };
        let group: Group = decode(&group.data).expect("group");
        let vault =
            self.chain.account(&pda::insurance_vault(&self.group)).expect("insurance vault");
        assert_eq!(
            token_amount(&vault.data).expect("token account"),
            group.insurance.balance,
            "step {}: insurance vault against the fund's balance",
            self.steps
        );
        let quote = self.underlying(0);
        assert_eq!(
            group.quote_terms().deposit_index,
            quote.lending.deposit_index,
            "step {}: the group's copy of the deposit index",
            self.steps
        );
    }
}

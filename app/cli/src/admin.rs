//! `xmargin admin`: governance from the command line (docs/governance.md). With `--url`, against
//! any JSON-RPC endpoint, signed by `--keypair`; without it, against a demo group on the embedded
//! in-process chain (the crowd market with a one-day timelock, its admin signing), so each
//! command shows what it does. Every change is judged with the program's own rules
//! (`xmargin_client::admin::propose`): applied at once when it lowers risk, else queued, and the
//! queue is printed with each change's effective time.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use cross_margin::engine::governance::{self, pause};
use cross_margin::engine::params::{self, Direction, ParamChange, Target};
use cross_margin::state::{Group, Underlying, Venue, APPLY_WINDOW_SECS};
use xmargin_client::admin::{self, Pending};
use xmargin_client::chain::Chain;
use xmargin_client::crowd::CrowdMarket;
use xmargin_client::embedded::EmbeddedChain;
use xmargin_client::health::fetch;
use xmargin_client::rpc::RpcChain;
use xmargin_client::{discover, pda, wallet, Instruction, Keypair, Pubkey, Signer};

use crate::admin_fields::{assign, parse_assignment, Kind};

/// The demo group's timelock: a day.
const DEMO_TIMELOCK_SECS: u32 = 86_400;
/// The demo chain's clock at the start (unix seconds).
const DEMO_START: i64 = 1_760_000_000;

#[derive(Args)]
pub struct AdminArgs {
    /// JSON-RPC endpoint. Without it: a demo group on the embedded chain.
    #[arg(long)]
    url: Option<String>,
    /// Keypair file (Solana CLI JSON) that signs and pays. Required with --url.
    #[arg(long)]
    keypair: Option<PathBuf>,
    /// The group. Required with --url.
    #[arg(long)]
    group: Option<Pubkey>,
    #[command(subcommand)]
    command: AdminCommand,
}

#[derive(Subcommand)]
enum AdminCommand {
    /// The group's admin, guardian, timelock, pause bits and queued changes.
    Show,
    /// Proposes a change of one parameter set, from the values in effect with the fields given
    /// replaced: applied at once when it lowers risk, else queued behind the timelock.
    Propose {
        kind: Kind,
        /// The underlying it is about (none for the group's parameter sets; 0 for quote-pool).
        #[arg(long)]
        underlying: Option<u16>,
        /// The venue program it is about (`venue` changes).
        #[arg(long)]
        venue: Option<Pubkey>,
        /// A field's new value (repeatable): `--set init_haircut_bps=1500`, pairs as
        /// `--set range_floor_bps=2800,1400`, keys as `--set key=PUBKEY` (or `none`).
        #[arg(long = "set", value_parser = parse_assignment)]
        set: Vec<(String, String)>,
    },
    /// Applies a queued change that is due (anyone may).
    Apply {
        #[arg(long)]
        seq: u64,
    },
    /// Cancels a queued change (the admin or the guardian).
    Cancel {
        #[arg(long)]
        seq: u64,
    },
    /// Sets the whole pause mask: a comma-separated list of trading, withdrawals, listing,
    /// venue-fills, cranks, or `none`.
    Pause { bits: String },
    /// Sets or lifts an underlying's reduce-only flag.
    ReduceOnly {
        #[arg(long)]
        underlying: u16,
        state: OnOff,
    },
    /// Proposes a new admin, who must accept (`accept-admin`); `none` withdraws the proposal.
    ProposeAdmin { admin: String },
    /// Accepts the admin role (signed by the proposed admin).
    AcceptAdmin,
}

#[derive(Clone, Copy, ValueEnum)]
enum OnOff {
    On,
    Off,
}

/// Where the commands run, and who signs.
struct Session {
    chain: Box<dyn Chain>,
    signer: Keypair,
    group: Pubkey,
}

pub fn run(args: &AdminArgs) -> Result<(), String> {
    let mut t = connect(args)?;
    if let Some(instruction) = instruction(&mut t, &args.command)? {
        let report =
            t.chain.send(&[instruction], &t.signer, &[]).map_err(|f| format!("refused: {f}"))?;
        println!("landed ({} compute units)", report.compute_units);
    }
    show(&mut t)
}

fn connect(args: &AdminArgs) -> Result<Session, String> {
    let Some(url) = &args.url else {
        let mut chain = EmbeddedChain::start(DEMO_START);
        let market = CrowdMarket::stand_up(&mut chain, DEMO_START, 0).map_err(|e| e.to_string())?;
        let signer = market.admin.insecure_clone();
        let mut t = Session { chain: Box::new(chain), signer, group: market.group };
        let timelock = admin::params_set(
            &t.signer.pubkey(),
            &t.group,
            None,
            ParamChange::Timelock(DEMO_TIMELOCK_SECS),
        );
        t.chain.send(&[timelock], &t.signer, &[]).map_err(|f| format!("demo group: {f}"))?;
        println!("demo group {} on the embedded chain (timelock {DEMO_TIMELOCK_SECS} s)", t.group);
        return Ok(t);
    };
    let path = args.keypair.as_deref().ok_or("--keypair is required with --url")?;
    let signer = wallet::read_keypair(path)?;
    let group = args.group.ok_or("--group is required with --url")?;
    let mut chain = RpcChain::connect(url).map_err(|e| e.to_string())?;
    fetch::<Group>(&mut chain, &group).map_err(|e| format!("group {group} at {url}: {e}"))?;
    Ok(Session { chain: Box::new(chain), signer, group })
}

/// The instruction a command sends (none for `show`).
fn instruction(t: &mut Session, command: &AdminCommand) -> Result<Option<Instruction>, String> {
    let me = t.signer.pubkey();
    let group = t.group;
    Ok(Some(match command {
        AdminCommand::Show => return Ok(None),
        AdminCommand::Propose { kind, underlying, venue, set } => {
            let g: Group = fetch(&mut *t.chain, &group).map_err(|e| e.to_string())?;
            let u = underlying
                .map(|i| fetch::<Underlying>(&mut *t.chain, &pda::underlying(&group, i)))
                .transpose()
                .map_err(|e| e.to_string())?;
            let v = venue
                .map(|p| fetch::<Venue>(&mut *t.chain, &pda::venue(&group, &p)))
                .transpose()
                .map_err(|e| format!("venue {venue:?}: {e}"))?;
            let now = t.chain.now();
            let on = Target::of(u.as_ref(), v.as_ref()).map_err(|e| e.to_string())?;
            let mut change = params::current(&kind.template(*venue), &g, on, now)
                .map_err(|e| format!("{kind:?} {underlying:?} {venue:?}: {e}"))?;
            for (field, value) in set {
                assign(&mut change, field, value)?;
            }
            let (p, ix) = admin::propose(&me, &group, &g, on, change, now)
                .map_err(|e| format!("the program would refuse it: {e}"))?;
            println!("in effect: {:?}", p.old);
            println!("proposed:  {change:?}");
            match p.direction {
                Direction::Riskier => println!(
                    "raises risk: queued as change {}, due at {} (now + {} s)",
                    g.change_seq,
                    now + i64::from(g.risk_timelock_secs),
                    g.risk_timelock_secs
                ),
                Direction::Safer => println!("lowers risk: applied at once"),
                Direction::Same => println!("changes nothing"),
            }
            ix
        }
        AdminCommand::Apply { seq } => {
            let p = pending(t, *seq)?;
            admin::params_apply_pending(&group, &p)
        }
        AdminCommand::Cancel { seq } => {
            let p = pending(t, *seq)?;
            admin::params_cancel(&me, &group, *seq, &p.payer)
        }
        AdminCommand::Pause { bits } => admin::group_set_pause(&me, &group, pause_bits(bits)?),
        AdminCommand::ReduceOnly { underlying, state } => {
            let on = matches!(state, OnOff::On);
            admin::underlying_set_reduce_only(&me, &group, *underlying, on)
        }
        AdminCommand::ProposeAdmin { admin: to } => {
            let to = if to == "none" {
                Pubkey::default()
            } else {
                to.parse().map_err(|_| format!("`{to}` is not a public key (or `none`)"))?
            };
            admin::group_propose_admin(&me, &group, &to)
        }
        AdminCommand::AcceptAdmin => admin::group_accept_admin(&me, &group),
    }))
}

/// Queued change `seq` of the target's group.
fn pending(t: &mut Session, seq: u64) -> Result<Pending, String> {
    let key = pda::pending_change(&t.group, seq);
    let state = fetch(&mut *t.chain, &key).map_err(|_| format!("no queued change {seq}"))?;
    Pending::of(&state).map_err(|e| e.to_string())
}

/// Parses a pause mask.
fn pause_bits(list: &str) -> Result<u16, String> {
    let mut bits = 0;
    for name in list.split(',').map(str::trim).filter(|n| !n.is_empty() && *n != "none") {
        bits |= match name {
            "trading" => pause::TRADING,
            "withdrawals" => pause::WITHDRAWALS,
            "listing" => pause::LISTING,
            "venue-fills" => pause::VENUE_FILLS,
            "cranks" => pause::CRANKS,
            _ => {
                return Err(format!(
                    "no pause bit `{name}` (trading, withdrawals, listing, venue-fills, cranks)"
                ))
            }
        };
    }
    Ok(bits)
}

/// The names of the bits set in `mask`.
fn pause_names(mask: u16) -> String {
    let names = [
        (pause::TRADING, "trading"),
        (pause::WITHDRAWALS, "withdrawals"),
        (pause::LISTING, "listing"),
        (pause::VENUE_FILLS, "venue-fills"),
        (pause::CRANKS, "cranks"),
    ];
    let set: Vec<&str> = names.iter().filter(|(b, _)| mask & b != 0).map(|(_, n)| *n).collect();
    if set.is_empty() {
        "none".to_string()
    } else {
        set.join(",")
    }
}

fn show(t: &mut Session) -> Result<(), String> {
    let g: Group = fetch(&mut *t.chain, &t.group).map_err(|e| e.to_string())?;
    let now = t.chain.now();
    let key = |k: Pubkey| if k == Pubkey::default() { "none".to_string() } else { k.to_string() };
    println!("group {}", t.group);
    println!("  admin          {}", g.admin);
    println!("  proposed admin {}", key(g.pending_admin));
    println!("  guardian       {}", key(g.guardian));
    println!("  timelock       {} s", g.risk_timelock_secs);
    println!("  paused         {}", pause_names(g.paused));
    println!("  reduce-only    {} underlyings", g.reduce_only_count);
    if governance::exits_blocked(&g) {
        println!("  exits blocked since {}: no queued change comes due", g.exits_blocked_since);
    }
    let mut queued =
        discover::pending_changes(&mut *t.chain, &t.group).map_err(|e| e.to_string())?;
    queued.sort_by_key(|(_, p)| p.seq);
    println!("queued changes: {}", queued.len());
    for (_, state) in queued {
        let p = Pending::of(&state).map_err(|e| e.to_string())?;
        let target = match (p.underlying, &p.change) {
            (Some(i), _) => format!("underlying {i}"),
            (None, ParamChange::Venue(v)) => format!("venue {}", v.program),
            (None, _) => "group".to_string(),
        };
        let due = p.due_at(&g, now);
        let u = p
            .underlying
            .map(|i| fetch::<Underlying>(&mut *t.chain, &pda::underlying(&t.group, i)))
            .transpose()
            .map_err(|e| e.to_string())?;
        let venue = match &p.change {
            ParamChange::Venue(v) => Some(
                fetch::<Venue>(&mut *t.chain, &pda::venue(&t.group, &v.program))
                    .map_err(|e| e.to_string())?,
            ),
            _ => None,
        };
        let on = Target::of(u.as_ref(), venue.as_ref()).map_err(|e| e.to_string())?;
        let version = on.params_version(&g);
        let in_effect = params::current(&p.change, &g, on, now).map_err(|e| e.to_string())?;
        let when = if version != p.account.params_version || in_effect != p.old {
            "stale: its target changed since it was queued; cancel it".to_string()
        } else if now > due + APPLY_WINDOW_SECS {
            "expired; cancel it".to_string()
        } else if due <= now {
            "due now".to_string()
        } else {
            format!("due in {} s", due - now)
        };
        println!("  #{} {target}: {:?}", p.seq, p.change);
        println!("     replacing {:?}", p.old);
        println!("     queued at {}, due at {due} ({when})", p.queued_ts);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pause_masks_round_trip() {
        assert_eq!(pause_bits("trading,cranks").unwrap(), pause::TRADING | pause::CRANKS);
        assert_eq!(pause_bits("none").unwrap(), 0);
        assert!(pause_bits("everything").unwrap_err().contains("no pause bit"));
        assert_eq!(pause_names(pause::ALL), "trading,withdrawals,listing,venue-fills,cranks");
        assert_eq!(pause_names(0), "none");
    }

    /// On the demo group: a lower haircut is queued with its effective time, a higher one applies
    /// at once, the queued one cannot be applied early and is cancelled.
    #[test]
    fn demo_group_judges_and_queues() {
        let args = |command| AdminArgs { url: None, keypair: None, group: None, command };
        let mut t = connect(&args(AdminCommand::Show)).unwrap();
        let lower = AdminCommand::Propose {
            kind: Kind::Collateral,
            underlying: Some(1),
            venue: None,
            set: vec![
                ("init_haircut_bps".into(), "800".into()),
                ("maint_haircut_bps".into(), "400".into()),
            ],
        };
        let ix = instruction(&mut t, &lower).unwrap().unwrap();
        t.chain.send(&[ix], &t.signer, &[]).unwrap();
        let p = pending(&mut t, 0).unwrap();
        assert_eq!(p.effective_ts, t.chain.now() + i64::from(DEMO_TIMELOCK_SECS));
        let early = instruction(&mut t, &AdminCommand::Apply { seq: 0 }).unwrap().unwrap();
        assert!(t.chain.send(&[early], &t.signer, &[]).is_err());
        let cancel = instruction(&mut t, &AdminCommand::Cancel { seq: 0 }).unwrap().unwrap();
        t.chain.send(&[cancel], &t.signer, &[]).unwrap();
        assert!(pending(&mut t, 0).is_err());
        let higher = AdminCommand::Propose {
            kind: Kind::Timelock,
            underlying: None,
            venue: None,
            set: vec![("secs".into(), "172800".into())],
        };
        let ix = instruction(&mut t, &higher).unwrap().unwrap();
        t.chain.send(&[ix], &t.signer, &[]).unwrap();
        let g: Group = fetch(&mut *t.chain, &t.group).unwrap();
        assert_eq!(g.risk_timelock_secs, 172_800);
        show(&mut t).unwrap();
    }
}

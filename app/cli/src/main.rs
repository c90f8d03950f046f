//! `xmargin`: the trader CLI of the cross-margin clearing layer.

mod admin;
mod admin_fields;
mod backtest;
mod demo;
mod demo_hedges;
mod demo_liquidation;
mod format;
mod montecarlo;
mod num;
mod price;
mod risk;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "xmargin", version, about = "Cross-margin clearing layer for Solana derivatives")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Governance: show the group, propose changes (applied at once when they lower risk, else
    /// queued behind the timelock), apply or cancel queued ones, pause, reduce-only, admin
    /// transfer. Against `--url`, or a demo group on the embedded chain.
    Admin(admin::AdminArgs),
    /// Runs the whole demo on the embedded in-process chain: a group with three collateral
    /// assets and Pyth price accounts, traders, deposits, valuations and health, a stale feed,
    /// hedges margined together, and a price gap with liquidations and a bankruptcy.
    Demo,
    /// Coverage backtest: each classic portfolio's requirement against its simulated one-day
    /// loss (Monte Carlo with jumps) and a +/-40% gap.
    Backtest(backtest::BacktestArgs),
    /// Black-Scholes price and Greeks of an option (the protocol's fixed-point code).
    Price(price::PriceArgs),
    /// Stress scenarios, requirement, equity and health of a portfolio file (see the README).
    Risk(risk::RiskArgs),
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Admin(args) => admin::run(&args).map_err(Into::into),
        Command::Backtest(args) => backtest::run(&args),
        Command::Demo => demo::run(),
        Command::Price(args) => price::run(&args),
        Command::Risk(args) => risk::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

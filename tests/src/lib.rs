//! Scenario tests of the cross-margin program.
//!
//! Every scenario is a function of a [`World`] and is written once; the runners in `tests/` run
//! the whole list on both backends: native (solana-program-test, the program as a builtin) and
//! SBF (litesvm with the real `.so`), where compute units are recorded and checked against
//! budgets ([`cu`]).

mod conservation;
pub mod cu;
pub mod events;
pub mod expect;
pub mod fuzz;
pub mod sbf;
pub mod scenarios;
pub mod world;

use std::panic::{catch_unwind, AssertUnwindSafe};

use xmargin_client::chain::LocalChain;

pub use world::World;

/// A named scenario.
#[derive(Clone, Copy)]
pub struct Scenario {
    pub name: &'static str,
    pub run: fn(&mut World),
}

/// Outcome of running every scenario on one backend.
pub struct Run {
    pub backend: &'static str,
    pub passed: usize,
    pub failures: Vec<(&'static str, String)>,
    /// CU cases recorded by the scenarios, in order.
    pub cu: Vec<(String, u64)>,
    /// Figures the scenarios reported (`World::report`), each after its scenario's name.
    pub figures: Vec<String>,
}

/// The scenario filter of a runner's command line: its first argument that is not an option
/// (what `cargo test -p xmargin-tests NAME` passes).
pub fn filter_from_args() -> Option<String> {
    std::env::args().skip(1).find(|a| !a.starts_with('-'))
}

/// Runs every scenario whose name contains `filter` (all without one) on a fresh chain from
/// `start`, catching failures so all are reported. Prints what libtest prints (`running N tests`,
/// `test NAME ... ok`, `test result: ...`), so tools that read cargo's output count scenarios.
pub fn run_all(
    backend: &'static str,
    filter: Option<&str>,
    start: impl Fn() -> Box<dyn LocalChain>,
) -> Run {
    let mut run = Run { backend, passed: 0, failures: vec![], cu: vec![], figures: vec![] };
    let all = scenarios::all();
    let total = all.len();
    let selected: Vec<Scenario> =
        all.into_iter().filter(|s| filter.is_none_or(|f| s.name.contains(f))).collect();
    let started = std::time::Instant::now();
    println!("\nrunning {} tests ({backend} backend)", selected.len());
    for scenario in &selected {
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let mut world = World::new(start());
            (scenario.run)(&mut world);
            (world.cu, world.figures)
        }));
        match outcome {
            Ok((cu, figures)) => {
                println!("test {}::{} ... ok", backend, scenario.name);
                run.passed += 1;
                run.cu.extend(cu);
                run.figures.extend(figures.into_iter().map(|f| format!("{}: {f}", scenario.name)));
            }
            Err(panic) => {
                println!("test {}::{} ... FAILED", backend, scenario.name);
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                run.failures.push((scenario.name, message));
            }
        }
    }
    println!(
        "\ntest result: {}. {} passed; {} failed; 0 ignored; 0 measured; {} filtered out; \
         finished in {:.2}s\n",
        if run.failures.is_empty() { "ok" } else { "FAILED" },
        run.passed,
        run.failures.len(),
        total - selected.len(),
        started.elapsed().as_secs_f64()
    );
    let mut summary = format!(
        "{} backend: {} scenarios passed, {} failed",
        run.backend,
        run.passed,
        run.failures.len()
    );
    println!("{summary}");
    for (name, message) in &run.failures {
        println!("  FAILED {name}: {message}");
    }
    if filter.is_some() {
        return run;
    }
    for figure in &run.figures {
        summary.push_str(&format!("\n  {figure}"));
    }
    // The test command prints these after cargo's own output.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/scenario-summary");
    std::fs::create_dir_all(&dir)
        .and_then(|_| std::fs::write(dir.join(backend), summary + "\n"))
        .expect("write scenario summary");
    run
}

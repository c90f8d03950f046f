//! Every scenario on the SBF backend (litesvm running `target/deploy/cross_margin.so`), then the
//! compute-unit report: `target/cu-report.json`, budgets asserted. `cargo test -p xmargin-tests
//! --test sbf NAME` runs the scenarios whose name contains NAME (and checks only the CU cases
//! they record).

use xmargin_tests::sbf::SbfChain;
use xmargin_tests::{cu, filter_from_args, run_all, world::T0};

fn main() {
    let filter = filter_from_args();
    let run = run_all("sbf", filter.as_deref(), || Box::new(SbfChain::start(T0)));
    let mut failed = !run.failures.is_empty();
    match cu::check(&run.cu, filter.is_none()) {
        Ok(rows) => {
            if filter.is_none() {
                std::fs::write(cu::report_path(), cu::to_json(&rows))
                    .expect("write cu-report.json");
                std::fs::write(cu::report_path().with_extension("md"), cu::to_table(&rows))
                    .expect("write cu-report.md");
            }
            println!("compute units (SBF):\n{}", cu::to_table(&rows));
        }
        Err(problems) => {
            let measured: Vec<String> = run.cu.iter().map(|(c, u)| format!("{c} {u}")).collect();
            eprintln!("{problems}\nmeasured: {}", measured.join(", "));
            failed = true;
        }
    }
    if failed {
        eprintln!("{} scenario(s) failed on sbf", run.failures.len());
        std::process::exit(1);
    }
}

//! Every scenario on the SBF backend (litesvm running `target/deploy/cross_margin.so`), then the
//! compute-unit report: `target/cu-report.json`, budgets asserted.

use xmargin_tests::sbf::SbfChain;
use xmargin_tests::{cu, run_all, world::T0};

#[test]
fn all_scenarios_sbf() {
    let run = run_all("sbf", || Box::new(SbfChain::start(T0)));
    match cu::check(&run.cu) {
        Ok(rows) => {
            std::fs::write(cu::report_path(), cu::to_json(&rows)).expect("write cu-report.json");
            std::fs::write(cu::report_path().with_extension("md"), cu::to_table(&rows))
                .expect("write cu-report.md");
            println!(
                "compute units (SBF), written to {}:\n{}",
                cu::report_path().display(),
                cu::to_table(&rows)
            );
        }
        Err(problems) => {
            let measured: Vec<String> = run.cu.iter().map(|(c, u)| format!("{c} {u}")).collect();
            panic!("{problems}\nmeasured: {}", measured.join(", "))
        }
    }
    assert!(run.failures.is_empty(), "{} scenario(s) failed on sbf", run.failures.len());
}

//! Invariant fuzzing on the native backend (`xmargin_tests::fuzz`): `cargo test -p xmargin-tests
//! --test fuzz [-- --steps N --seed S]`, 20,000 steps from seed 1 by default. A violation names
//! the seed and step that replay it.

use xmargin_client::embedded::EmbeddedChain;
use xmargin_tests::fuzz::Fuzz;
use xmargin_tests::world::{World, T0};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let flag = |name: &str, default: u64| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map_or(default, |v| v.parse().unwrap_or_else(|_| panic!("{name} takes a number")))
    };
    let (steps, seed) = (flag("--steps", 20_000), flag("--seed", 1));
    let started = std::time::Instant::now();
    // libtest's lines (see `xmargin_tests::run_all`); a violation panics before the result line.
    println!("\nrunning 1 test\ntest fuzz::seed_{seed}_{steps}_steps ...");
    let mut fuzz = Fuzz::new(World::new(Box::new(EmbeddedChain::start(T0))), seed);
    fuzz.run(steps);
    let elapsed = started.elapsed().as_secs_f64();
    let line = format!("{} in {elapsed:.0} s", fuzz.summary());
    println!("{line}\ntest fuzz::seed_{seed}_{steps}_steps ... ok");
    println!(
        "\ntest result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; \
         finished in {elapsed:.2}s\n"
    );
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/scenario-summary");
    std::fs::create_dir_all(&dir)
        .and_then(|_| std::fs::write(dir.join("fuzz"), line + "\n"))
        .expect("write fuzz summary");
}

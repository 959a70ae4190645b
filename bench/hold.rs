//! `colloquy-bench --hold`: 1,000 keep-alive connections reading and 50 writing comments at once for a minute,
//! against a server in a process of its own: errors and 5xx answers (there must be none), throughput and p99 of
//! each side, and the server's resident memory sampled every second (it must stay bounded).

use std::time::Duration;

use anyhow::bail;
use colloquy::store::Store;

use super::{
    Measure, Options, comment_script, database_url, resident_megabytes, run_wrk, runtime, seed,
    serve_in_own_process,
};

const READERS: u32 = 1_000;
const WRITERS: u32 = 50;

pub fn run(options: &Options) -> anyhow::Result<()> {
    let folder = tempfile::tempdir()?;
    let database_url = database_url(options, &folder, "hold.db");
    let runtime = runtime()?;
    let seeded = runtime.block_on(async {
        let store = Store::connect(&database_url).await?;
        store.migrate().await?;
        let seeded = seed(&store, options.posts).await?;
        anyhow::Ok(seeded)
    })?;
    let super::Seeded {
        store,
        site,
        discussed,
        comment_target,
    } = seeded;

    let (mut child, port) = serve_in_own_process(&database_url)?;
    let base = format!("http://127.0.0.1:{port}");
    let pid = child.id();
    let seconds = options.seconds.max(60);
    println!(
        "colloquy-bench --hold: {READERS} connections reading {discussed} and {WRITERS} posting comments for {seconds} s"
    );

    let script = folder.path().join("comment.lua");
    std::fs::write(&script, comment_script(comment_target, 1))?;
    let before = runtime.block_on(super::count_comments(&store, &site))?;
    let resident_at_start = resident_megabytes(pid, "VmRSS:")?;
    let (reads, writes, samples) = std::thread::scope(|scope| {
        let reads = scope.spawn(|| run_wrk(&format!("{base}{discussed}"), None, seconds, READERS));
        let writes =
            scope.spawn(|| run_wrk(&format!("{base}/comments"), Some(&script), seconds, WRITERS));
        let mut samples = Vec::new();
        for _ in 0..seconds {
            std::thread::sleep(Duration::from_secs(1));
            samples.push(resident_megabytes(pid, "VmRSS:").unwrap_or(0));
        }
        let join = |handle: std::thread::ScopedJoinHandle<'_, anyhow::Result<Measure>>| {
            handle
                .join()
                .map_err(|_| anyhow::anyhow!("a wrk thread panicked"))?
        };
        anyhow::Ok((join(reads)?, join(writes)?, samples))
    })?;
    let after = runtime.block_on(super::count_comments(&store, &site))?;
    let resident_at_end = resident_megabytes(pid, "VmRSS:")?;
    child.kill()?;
    child.wait()?;

    let peak = samples.iter().copied().max().unwrap_or(0);
    let last_half = &samples[samples.len() / 2..];
    let first_half = &samples[..samples.len() / 2];
    println!(
        "| side | connections | requests/s | p50 ms | p99 ms | answers | errors (socket or non-2xx/3xx) |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    for (name, connections, measure) in [
        ("reading", READERS, &reads),
        ("writing comments", WRITERS, &writes),
    ] {
        println!(
            "| {name} | {connections} | {:.0} | {:.1} | {:.1} | {} | {} |",
            measure.requests_per_second,
            measure.p50_ms,
            measure.p99_ms,
            measure.requests,
            measure.errors
        );
    }
    println!("comments stored: {}", after - before);
    println!(
        "resident memory: {resident_at_start} MB before, peak {peak} MB, {resident_at_end} MB after; first half of the run at most {} MB, second half at most {} MB",
        first_half.iter().max().unwrap_or(&0),
        last_half.iter().max().unwrap_or(&0)
    );
    if reads.errors > 0 || writes.errors > 0 {
        bail!(
            "errors under load: {} reading, {} writing",
            reads.errors,
            writes.errors
        );
    }
    Ok(())
}

//! `colloquy-bench --growth`: the same pages measured on a site of 100 posts and again after it has grown to
//! 100,000 posts and 1,000,000 comments, with the page cache off (so that every request asks the database),
//! and the resident memory of an idle server on the big database.

use std::{
    net::SocketAddr,
    process::Command,
    time::{Duration, Instant},
};

use anyhow::Context;
use colloquy::{
    config::{Config, ServeArgs},
    domain::calendar,
    startup::Application,
    store::{COMMON_WORD, RARE_WORD, Store},
};

use super::{
    Options, database_url, resident_megabytes, run_wrk, runtime, seed, serve_in_own_process,
};

/// The measures and how far each may grow: 2× for pages, 5× for a search of a word every post holds.
fn pages(discussed: &str, last_page: i64) -> Vec<(&'static str, String, f64)> {
    vec![
        ("post page", discussed.to_owned(), 2.0),
        ("home page, first", "/".to_owned(), 2.0),
        ("home page, last", format!("/page/{last_page}/"), 2.0),
        ("category archive", "/category/week-1/".to_owned(), 2.0),
        ("search, rare word", format!("/search/?q={RARE_WORD}"), 2.0),
        (
            "search, common word",
            format!("/search/?q={COMMON_WORD}"),
            5.0,
        ),
    ]
}

pub fn run(options: &Options) -> anyhow::Result<()> {
    let folder = tempfile::tempdir()?;
    let database_url = database_url(options, &folder, "growth.db");
    let runtime = runtime()?;
    let (address, store, seeded) = runtime.block_on(async {
        let application = Application::build(Config {
            database_url: database_url.clone(),
            serve: ServeArgs {
                bind: SocketAddr::from(([127, 0, 0, 1], 0)),
                no_demo: true,
                page_cache_mb: 0,
                ..ServeArgs::default()
            },
        })
        .await?;
        let address = SocketAddr::from(([127, 0, 0, 1], application.port()));
        let store = application.store().clone();
        let seeded = seed(&store, 12).await?;
        tokio::spawn(application.run_until_stopped());
        anyhow::Ok((address, store, seeded))
    })?;
    let categories: Vec<i64> = runtime
        .block_on(store.categories(seeded.site.id))?
        .iter()
        .map(|category| category.id)
        .collect();
    let author = runtime
        .block_on(store.user_by_email("bench@example.edu"))?
        .context("the bench author")?;
    let grow = |posts: i64, comments: i64| -> anyhow::Result<f64> {
        let started = Instant::now();
        runtime.block_on(store.seed_bulk(
            seeded.site.id,
            author.id,
            &categories,
            posts,
            comments,
            calendar::now(),
        ))?;
        Ok(started.elapsed().as_secs_f64())
    };
    grow(100 - 12, 1_000)?;
    println!(
        "colloquy-bench --growth: {} connections, {} s per page after {} s of warm-up, page cache off",
        options.connections, options.seconds, options.warmup
    );
    let small = measure(&runtime, &store, &seeded, address, options)?;
    let seconds = grow(
        options.growth_posts - 100,
        options.growth_comments - 1_000 - 50,
    )?;
    println!(
        "grew the site to {} posts and {} comments in {seconds:.0} s",
        options.growth_posts, options.growth_comments
    );
    let large = measure(&runtime, &store, &seeded, address, options)?;
    println!(
        "\n| page | p99 ms at 100 posts | p99 ms at {} posts | growth | allowed | req/s at 100 | req/s at {} |\n|---|---:|---:|---:|---:|---:|---:|",
        options.growth_posts, options.growth_posts
    );
    for ((name, small), (_, large)) in small.iter().zip(&large) {
        let allowed = pages("", 1)
            .iter()
            .find(|(page, _, _)| page == name)
            .map_or(2.0, |(_, _, allowed)| *allowed);
        println!(
            "| {name} | {:.2} | {:.2} | {:.2} | {allowed:.0} | {:.0} | {:.0} |",
            small.p99_ms,
            large.p99_ms,
            large.p99_ms / small.p99_ms,
            small.requests_per_second,
            large.requests_per_second
        );
    }
    let resident = idle_resident_megabytes(&database_url)?;
    println!(
        "\nresident memory of an idle server on the database of {} posts: {} MB ({} MB its own, {} MB of the database file mapped)",
        options.growth_posts, resident.total, resident.own, resident.mapped_file
    );
    Ok(())
}

fn measure(
    runtime: &tokio::runtime::Runtime,
    store: &Store,
    seeded: &super::Seeded,
    address: SocketAddr,
    options: &Options,
) -> anyhow::Result<Vec<(&'static str, super::Measure)>> {
    let site = runtime.block_on(store.site_by_id(seeded.site.id))?;
    let published =
        runtime.block_on(store.count_published(site.id, &colloquy::store::ListFilter::All))?;
    let last_page = (published + i64::from(site.settings.posts_per_page) - 1)
        / i64::from(site.settings.posts_per_page);
    let mut measures = Vec::new();
    for (name, path, _) in pages(&seeded.discussed, last_page) {
        let url = format!("http://{address}{path}");
        run_wrk(&url, None, options.warmup, options.connections)?;
        let mut measure = run_wrk(&url, None, options.seconds, options.connections)?;
        measure.name = name.to_owned();
        if measure.errors > 0 {
            anyhow::bail!("{name} ({path}) answered {} errors", measure.errors);
        }
        measures.push((name, measure));
    }
    Ok(measures)
}

/// Starts a server of its own on the database, reads a few pages, lets it rest, and reads its resident set.
fn idle_resident_megabytes(database_url: &str) -> anyhow::Result<Resident> {
    let (mut child, port) = serve_in_own_process(database_url)?;
    for path in ["/", "/page/2/", "/category/week-1/", "/feed/"] {
        let status = Command::new("wrk")
            .args(["--threads=1", "--connections=1", "--duration=1s"])
            .arg(format!("http://127.0.0.1:{port}{path}"))
            .output()?;
        anyhow::ensure!(status.status.success(), "wrk failed on {path}");
    }
    std::thread::sleep(Duration::from_secs(2));
    let resident = Resident {
        total: resident_megabytes(child.id(), "VmRSS:")?,
        own: resident_megabytes(child.id(), "RssAnon:")?,
        mapped_file: resident_megabytes(child.id(), "RssFile:")?,
    };
    child.kill()?;
    child.wait()?;
    Ok(resident)
}

/// Resident memory in MB: in all, the process's own, and pages of the database file mapped into it (the
/// operating system's page cache, shared and given back under pressure).
struct Resident {
    total: u64,
    own: u64,
    mapped_file: u64,
}

//! `cargo run --release --bin colloquy-bench`: seeds a course site, serves it from this process, and loads
//! it with `wrk` (Debian's package) at 64 connections, page by page, beside a baseline measured in the same run:
//! a route of the same server that answers a fixed 20 KB page from memory. Prints requests per second, p50
//! and p99 for each, and each page's throughput as a ratio of the baseline.

use std::{fmt::Write as _, net::SocketAddr, process::Command, time::Instant};

mod growth;
mod hold;

use anyhow::{Context, bail};
use clap::Parser;
use colloquy::{
    config::{Config, ServeArgs},
    demo,
    domain::{
        calendar,
        comment::CommentStatus,
        markup::comment_to_html,
        post::{PostKind, PostStatus, SourceFormat},
        user::Role,
    },
    startup::Application,
    store::{NewComment, NewPost, NewUser, Site, Store, Submitted},
};

#[derive(Parser)]
#[command(about = "Load colloquy's pages with wrk and compare them with a baseline")]
struct Options {
    /// The database to seed and serve; a fresh SQLite file in a temporary folder when unset. A PostgreSQL
    /// database must be empty (it is migrated and seeded).
    #[arg(long, env = "COLLOQUY_BENCH_DATABASE_URL")]
    database_url: Option<String>,
    /// How many posts the site has.
    #[arg(long, default_value_t = 1_000)]
    posts: usize,
    /// Seconds of load per page, after a warm-up.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Seconds of warm-up per page, not counted.
    #[arg(long, default_value_t = 2)]
    warmup: u64,
    /// Open connections.
    #[arg(long, default_value_t = 64)]
    connections: u32,
    /// Only the pages whose names contain this.
    #[arg(long)]
    only: Option<String>,
    /// Instead of the page list: measure p99 of the pages that must stay flat on a site of 100 posts, then
    /// again after growing it to `--growth-posts` posts and `--growth-comments` comments, and the idle
    /// server's resident memory on the big database.
    #[arg(long)]
    growth: bool,
    #[arg(long, default_value_t = 100_000)]
    growth_posts: i64,
    #[arg(long, default_value_t = 1_000_000)]
    growth_comments: i64,
    /// Instead of the page list: 1,000 connections reading and 50 posting comments at once for at least a
    /// minute (`--seconds`), with the server's errors, p99 and resident memory.
    #[arg(long)]
    hold: bool,
    /// Internal: serve this database and print the port (the growth run measures a separate process).
    #[arg(long, hide = true)]
    serve_only: Option<String>,
}

/// One page's figures.
struct Measure {
    name: String,
    requests_per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: u64,
    requests: u64,
}

const WORDS: &[&str] = &[
    "containment",
    "telegram",
    "embassy",
    "doctrine",
    "alliance",
    "détente",
    "blockade",
    "airlift",
    "summit",
    "missile",
    "sputnik",
    "partition",
];

fn main() -> anyhow::Result<()> {
    let options = Options::parse();
    if let Some(database_url) = &options.serve_only {
        return serve_only(database_url);
    }
    if Command::new("wrk").arg("--version").output().is_err() {
        bail!("the benchmark needs wrk: apt-get install wrk");
    }
    if options.growth {
        return growth::run(&options);
    }
    if options.hold {
        return hold::run(&options);
    }
    let folder = tempfile::tempdir()?;
    let database_url = database_url(&options, &folder, "bench.db");
    let server = runtime()?;
    let sqlite = database_url.starts_with("sqlite:");
    let (address, uncached_address, second_address, full_sync_address, seeded) =
        server.block_on(async {
            let serve = |page_cache_mb, database_url: String| {
                Application::build(Config {
                    database_url,
                    serve: ServeArgs {
                        bind: SocketAddr::from(([127, 0, 0, 1], 0)),
                        trusted_proxies: vec!["127.0.0.1".into()],
                        no_demo: true,
                        page_cache_mb,
                        ..ServeArgs::default()
                    },
                })
            };
            let application = serve(64, database_url.clone()).await?;
            let uncached = serve(0, database_url.clone()).await?;
            let second = serve(0, database_url.clone()).await?;
            let address = SocketAddr::from(([127, 0, 0, 1], application.port()));
            let uncached_address = SocketAddr::from(([127, 0, 0, 1], uncached.port()));
            let second_address = SocketAddr::from(([127, 0, 0, 1], second.port()));
            tokio::spawn(second.run_until_stopped());
            let seeded = seed(application.store(), options.posts).await?;
            tokio::spawn(application.with_benchmark_baseline().run_until_stopped());
            tokio::spawn(uncached.run_until_stopped());
            // The same SQLite file, with every commit on the disk before the answer (synchronous=full).
            let full_sync_address = if sqlite {
                let full_sync = serve(0, format!("{database_url}?synchronous=full")).await?;
                let address = SocketAddr::from(([127, 0, 0, 1], full_sync.port()));
                tokio::spawn(full_sync.run_until_stopped());
                Some(address)
            } else {
                None
            };
            anyhow::Ok((
                address,
                uncached_address,
                second_address,
                full_sync_address,
                seeded,
            ))
        })?;
    let base = format!("http://{address}");
    let uncached_base = format!("http://{uncached_address}");
    let backend = if database_url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!(
        "colloquy-bench: {backend}, {} posts, {} connections, {} s per page after {} s of warm-up",
        options.posts, options.connections, options.seconds, options.warmup
    );
    let lua = folder.path().join("comment.lua");
    let mut pages: Vec<(&str, String, Option<&std::path::Path>)> = vec![
        (
            "baseline (20 KB from memory)",
            format!("{base}/_bench/baseline"),
            None,
        ),
        (
            "post with 50 comments",
            format!("{base}{}", seeded.discussed),
            None,
        ),
        (
            "post with 50 comments, page cache off",
            format!("{uncached_base}{}", seeded.discussed),
            None,
        ),
        (
            "home page, page cache off",
            format!("{uncached_base}/"),
            None,
        ),
        (
            "search, page cache off",
            format!("{uncached_base}/search/?q=telegram"),
            None,
        ),
        ("home page", format!("{base}/"), None),
        ("category archive", format!("{base}/category/week-3/"), None),
        ("RSS feed", format!("{base}/feed/"), None),
        ("search", format!("{base}/search/?q=telegram"), None),
        (
            "comment POST (303)",
            format!("{base}/comments"),
            Some(lua.as_path()),
        ),
    ];
    if let Some(full_sync) = full_sync_address {
        pages.push((
            "comment POST (303), SQLite synchronous=full",
            format!("http://{full_sync}/comments"),
            Some(lua.as_path()),
        ));
    }
    let mut measures = Vec::new();
    let mut runs = 0;
    for (name, url, script) in pages {
        if options
            .only
            .as_deref()
            .is_some_and(|only| !name.contains(only) && !name.starts_with("baseline"))
        {
            continue;
        }
        let before = if script.is_some() {
            server.block_on(count_comments(&seeded.store, &seeded.site))?
        } else {
            0
        };
        if let Some(script) = script {
            runs += 1;
            std::fs::write(script, comment_script(seeded.comment_target, runs))?;
        }
        run_wrk(&url, script, options.warmup, options.connections)?;
        if let Some(script) = script {
            runs += 1;
            std::fs::write(script, comment_script(seeded.comment_target, runs))?;
        }
        let mut measure = run_wrk(&url, script, options.seconds, options.connections)?;
        measure.name = name.to_owned();
        if script.is_some() {
            let after = server.block_on(count_comments(&seeded.store, &seeded.site))?;
            println!(
                "comments stored during the measured and warm-up runs: {} (wrk counted {} answers in the measured run)",
                after - before,
                measure.requests
            );
        }
        measures.push(measure);
    }
    let two = "post with 50 comments, page cache off, two instances";
    if options
        .only
        .as_deref()
        .is_none_or(|only| two.contains(only))
    {
        measures.push(two_instances(
            two,
            [
                format!("{uncached_base}{}", seeded.discussed),
                format!("http://{second_address}{}", seeded.discussed),
            ],
            &options,
        )?);
    }
    print!("{}", table(&measures));
    Ok(())
}

/// The database to measure: `--database-url`, or a fresh SQLite file `name` in `folder`.
fn database_url(options: &Options, folder: &tempfile::TempDir, name: &str) -> String {
    options
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}/{name}", folder.path().display()))
}

fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
}

/// A server on the database in a process of its own (this binary with `--serve-only`), so that its memory
/// can be read apart from the load's: the process and its port.
fn serve_in_own_process(database_url: &str) -> anyhow::Result<(std::process::Child, u16)> {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(std::env::current_exe()?)
        .args(["--serve-only", database_url])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    let stdout = child.stdout.take().context("the server's output")?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    let port = line.trim().parse().context("the server's port")?;
    Ok((child, port))
}

/// A memory figure of a process (`VmRSS:`, `RssAnon:`, `RssFile:` in /proc/PID/status), in MB.
fn resident_megabytes(pid: u32, field: &str) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|value| {
            value
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .map(|kilobytes| kilobytes / 1024)
        .with_context(|| field.to_owned())
}

/// Serves a database from this process until killed, printing the port first.
fn serve_only(database_url: &str) -> anyhow::Result<()> {
    runtime()?.block_on(async {
        let application = Application::build(Config {
            database_url: database_url.to_owned(),
            serve: ServeArgs {
                bind: SocketAddr::from(([127, 0, 0, 1], 0)),
                trusted_proxies: vec!["127.0.0.1".into()],
                no_demo: true,
                ..ServeArgs::default()
            },
        })
        .await?;
        println!("{}", application.port());
        application.run_until_stopped().await
    })
}

/// The same page from two instances on one database, half the connections each at once: requests per second
/// added up, the worse of the two p99s (and p50s).
fn two_instances(name: &str, urls: [String; 2], options: &Options) -> anyhow::Result<Measure> {
    let half = (options.connections / 2).max(1);
    for url in &urls {
        run_wrk(url, None, options.warmup, half)?;
    }
    let measures = std::thread::scope(|scope| {
        let runs: Vec<_> = urls
            .iter()
            .map(|url| scope.spawn(move || run_wrk(url, None, options.seconds, half)))
            .collect();
        runs.into_iter()
            .map(|run| {
                run.join()
                    .map_err(|_| anyhow::anyhow!("a wrk thread panicked"))?
            })
            .collect::<anyhow::Result<Vec<Measure>>>()
    })?;
    Ok(Measure {
        name: name.to_owned(),
        requests_per_second: measures.iter().map(|m| m.requests_per_second).sum(),
        p50_ms: measures.iter().map(|m| m.p50_ms).fold(0.0, f64::max),
        p99_ms: measures.iter().map(|m| m.p99_ms).fold(0.0, f64::max),
        errors: measures.iter().map(|m| m.errors).sum(),
        requests: measures.iter().map(|m| m.requests).sum(),
    })
}

/// What the seeding made that the pages need.
pub struct Seeded {
    store: Store,
    site: Site,
    /// The path of the post with 50 comments.
    discussed: String,
    /// The id of the post that takes the benchmark's comments.
    comment_target: i64,
}

async fn seed(store: &Store, posts: usize) -> anyhow::Result<Seeded> {
    let site = demo::ensure_main_site(store).await?;
    for (key, value) in [
        ("comment_moderation", "0"),
        ("comment_previously_approved", "0"),
        ("title", "HIST 101: The Cold War"),
    ] {
        let mut settings = site.settings.clone();
        let stored = settings
            .set(key, value)
            .map_err(|error| anyhow::anyhow!("{key}: {error:?}"))?;
        store.save_setting(site.id, key, &stored).await?;
    }
    let now = calendar::now();
    let author = match store.user_by_email("bench@example.edu").await? {
        Some(user) => user,
        None => {
            store
                .create_user(
                    &NewUser {
                        email: "bench@example.edu",
                        name: "Bench Instructor",
                        password_hash: None,
                        email_confirmed: true,
                    },
                    now,
                )
                .await?
        }
    };
    store
        .set_role(site.id, author.id, Role::Administrator, now)
        .await?;
    let paragraph = |n: usize| {
        let mut text = String::new();
        for i in 0..60 {
            let _ = write!(text, "{} ", WORDS[(n * 7 + i * 3) % WORDS.len()]);
        }
        text
    };
    let started = Instant::now();
    let mut last = None;
    for n in 0..posts {
        let body = format!(
            "{}\n\n> {}\n\n{}\n\n{}",
            paragraph(n),
            paragraph(n + 1),
            paragraph(n + 2),
            paragraph(n + 3)
        );
        let categories = vec![format!("Week {}", n % 12 + 1)];
        let tags = vec![WORDS[n % WORDS.len()].to_owned()];
        let post = store
            .create_post(
                &NewPost {
                    reading_id: None,
                    site_id: site.id,
                    author_id: author.id,
                    kind: PostKind::Post,
                    status: PostStatus::Publish,
                    title: &format!("Reading response {n}: the {}", WORDS[n % WORDS.len()]),
                    source: &body,
                    format: SourceFormat::Markdown,
                    excerpt: "",
                    slug: None,
                    parent_id: None,
                    comments_open: true,
                    published_at: now - 86_400 * 365 + i64::try_from(n).unwrap_or(0) * 600,
                    categories: &categories,
                    tags: &tags,
                    sticky: false,
                    password: None,
                },
                now,
            )
            .await?;
        last = Some(post);
    }
    let discussed = last.context("the benchmark needs at least two posts")?;
    let mut top_level = Vec::new();
    for n in 0..50 {
        let parent_id = (n >= 40).then(|| top_level[n % top_level.len()]);
        let content = format!("{} (comment {n})", paragraph(n));
        let html = comment_to_html(&content);
        let name = format!("Student {n}");
        let email = format!("student{n}@example.edu");
        let submitted = store
            .submit_comment(
                &NewComment {
                    is_private: false,
                    grade: None,
                    passage: None,
                    cited: &[],
                    site_id: site.id,
                    post_id: discussed.id,
                    parent_id,
                    user_id: None,
                    author_name: &name,
                    author_email: &email,
                    author_url: None,
                    author_ip: "192.0.2.1",
                    user_agent: "colloquy-bench",
                    content: &content,
                    content_html: html.as_str(),
                    status: CommentStatus::Approved,
                    created_at: now - 3_600 + i64::try_from(n).unwrap_or(0),
                },
                0,
            )
            .await?;
        if let Submitted::Stored { comment, .. } = submitted
            && parent_id.is_none()
        {
            top_level.push(comment.id);
        }
    }
    // A site that has run for a while has had its statistics gathered: without them PostgreSQL plans the
    // comment's checks as if the table were empty, and keeps those plans while it fills.
    store.settle_after_bulk_writes().await?;
    let all = store.all_posts(site.id).await?;
    let comment_target = all
        .iter()
        .find(|post| post.id != discussed.id)
        .context("a second post")?
        .id;
    println!(
        "seeded {posts} posts and 50 comments (10 of them replies) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let discussed_path =
        colloquy::domain::permalink::permalink(&discussed, &site.settings.zone(), &[]);
    let site = store.site_by_id(site.id).await?;
    Ok(Seeded {
        store: store.clone(),
        site,
        discussed: discussed_path,
        comment_target,
    })
}

async fn count_comments(store: &Store, site: &Site) -> anyhow::Result<u64> {
    let counts = store.comment_counts(site.id).await?;
    Ok(counts
        .iter()
        .map(|(_, count)| u64::try_from(*count).unwrap_or(0))
        .sum())
}

/// A wrk script that sends "Leave a Reply" forms from distinct commenters (address and email), as they arrive
/// behind a load balancer, so that neither the flood nor the duplicate rule fires.
/// Each run gets its own `run` mark and first address octet, so that no run repeats an earlier one's commenters.
fn comment_script(post_id: i64, run: u32) -> String {
    let first_octet = 10 + (run % 20) * 10;
    format!(
        r#"local counter = 0
local run = "{run}"
local threads = {{}}
function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)
end
function request()
  counter = counter + 1
  local n = counter
  local ip = string.format("10.%d.%d.%d", {first_octet} + thread_number, math.floor(n / 256) % 256, n % 256)
  local body = string.format("comment=Bench+comment+%d+of+thread+%d+run+%s&author=Reader+%d&email=reader-%s-%d-%d%%40example.org&url=&post_id={post_id}&parent=0", n, thread_number, run, n, run, thread_number, n)
  return wrk.format("POST", "/comments", {{["Content-Type"] = "application/x-www-form-urlencoded", ["X-Forwarded-For"] = ip}}, body)
end
"#
    )
}

fn run_wrk(
    url: &str,
    script: Option<&std::path::Path>,
    seconds: u64,
    connections: u32,
) -> anyhow::Result<Measure> {
    let mut command = Command::new("wrk");
    command
        .args(["--latency", "--timeout", "10s"])
        .arg(format!("--threads={}", connections.clamp(1, 2)))
        .arg(format!("--connections={connections}"))
        .arg(format!("--duration={seconds}s"));
    if let Some(script) = script {
        command.arg("--script").arg(script);
    }
    let output = command.arg(url).output().context("running wrk")?;
    if !output.status.success() {
        bail!("wrk failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    let text = String::from_utf8_lossy(&output.stdout);
    if std::env::var_os("COLLOQUY_BENCH_VERBOSE").is_some() {
        eprintln!("{text}");
    }
    let number_after = |label: &str| -> Option<String> {
        text.lines()
            .find_map(|line| line.trim().strip_prefix(label))
            .map(|rest| {
                rest.split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            })
    };
    let requests_per_second: f64 = number_after("Requests/sec:")
        .and_then(|value| value.parse().ok())
        .with_context(|| format!("wrk's output has no Requests/sec:\n{text}"))?;
    let requests = text
        .lines()
        .find(|line| line.contains("requests in"))
        .and_then(|line| line.split_whitespace().next())
        .and_then(|value| value.parse().ok())
        .unwrap_or(0);
    let errors = number_after("Non-2xx or 3xx responses:")
        .and_then(|value| value.parse().ok())
        .unwrap_or(0)
        + text
            .lines()
            .find_map(|line| line.trim().strip_prefix("Socket errors:"))
            .map_or(0, |rest| {
                rest.split(',')
                    .filter_map(|part| part.split_whitespace().last()?.parse::<u64>().ok())
                    .sum()
            });
    Ok(Measure {
        name: String::new(),
        requests_per_second,
        p50_ms: number_after("50%").map_or(f64::NAN, |value| milliseconds(&value)),
        p99_ms: number_after("99%").map_or(f64::NAN, |value| milliseconds(&value)),
        errors,
        requests,
    })
}

/// wrk's durations ("812.00us", "3.01ms", "1.20s") in milliseconds.
fn milliseconds(value: &str) -> f64 {
    let split = value
        .find(|ch: char| ch.is_ascii_alphabetic())
        .unwrap_or(value.len());
    let (number, unit) = value.split_at(split);
    let number: f64 = number.parse().unwrap_or(f64::NAN);
    match unit {
        "us" => number / 1_000.0,
        "s" => number * 1_000.0,
        "m" => number * 60_000.0,
        _ => number,
    }
}

fn table(measures: &[Measure]) -> String {
    let baseline = measures
        .first()
        .map_or(f64::NAN, |measure| measure.requests_per_second);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n| page | requests/s | p50 ms | p99 ms | × baseline | errors |\n|---|---:|---:|---:|---:|---:|"
    );
    for measure in measures {
        let _ = writeln!(
            out,
            "| {} | {:.0} | {:.2} | {:.2} | {:.2} | {} |",
            measure.name,
            measure.requests_per_second,
            measure.p50_ms,
            measure.p99_ms,
            measure.requests_per_second / baseline,
            measure.errors
        );
    }
    out
}

//! The instructor's commands: each opens the store, does one thing, and prints what it did. Errors become a
//! one-line message on stderr and a non-zero exit (in `main`).

use std::io::{Read, Write};

use anyhow::{Context, bail};
use clap::Parser;

use crate::{
    address,
    config::{
        Cli, Command, CommentCommand, Config, CourseMail, DEFAULT_BASE_URL, DEFAULT_MAIL_FROM,
        ExportCommand, ImportCommand, ListFormat, OnOff, PostCommand, ReadingCommand, ServeArgs,
        SiteCommand, UserCommand,
    },
    courses::{CourseError, Courses, NewCourse},
    demo,
    discussion::{Discussion, DiscussionError, Mail},
    domain::site::MAIN_SITE,
    domain::{
        calendar::{self, SiteZone},
        comment::{Comment, CommentStatus, Moderation},
        post::{Post, PostKind, PostStatus, SourceFormat, effective_status},
        slug,
        user::{Role, hash_password, is_valid_email},
    },
    mail::Mailer,
    startup::Application,
    store::{
        CommentFilter, GivenAdministrator, MadeSite, NewPost, NewUser, RootedLinks, Site, Store,
        StoreError,
    },
};

/// `colloquy` with no command: `serve` with its flags taken from the environment alone.
#[derive(Parser)]
struct ServeFromEnvironment {
    #[command(flatten)]
    serve: ServeArgs,
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let command = cli
        .command
        .unwrap_or_else(|| Command::Serve(ServeFromEnvironment::parse_from(["colloquy"]).serve));
    match command {
        Command::Serve(serve) => {
            let application = Application::build(Config {
                database_url: cli.database_url,
                serve,
            })
            .await?;
            println!(
                "colloquy listening on http://127.0.0.1:{}/",
                application.port()
            );
            application.run_until_stopped().await
        }
        Command::Migrate => {
            let store = Store::connect(&cli.database_url).await?;
            let rooted = store.migrate().await?;
            println!("the {} database is up to date", store.backend_name());
            if let Some(rooted) = rooted.filter(|rooted| *rooted != RootedLinks::default()) {
                println!(
                    "{} links in {} posts and {} readings of sites other than the main one now start with their \
                     site's address (each post has a revision to undo it); the citation links of {} more posts \
                     and {} comments too",
                    rooted.links,
                    rooted.posts,
                    rooted.readings,
                    rooted.citing_posts,
                    rooted.comments
                );
            }
            Ok(())
        }
        Command::User(command) => {
            let (store, site) = open(&cli.database_url, &cli.site).await?;
            writable(&site)?;
            user_command(&store, &site, command).await
        }
        Command::Post(command) => {
            let (store, site) = open(&cli.database_url, &cli.site).await?;
            writable(&site)?;
            post_command(&store, &site, command).await
        }
        Command::Comment(command) => {
            let (store, site) = open(&cli.database_url, &cli.site).await?;
            comment_command(&store, &site, command).await
        }
        Command::Export(ExportCommand::Wxr { output, base_url }) => {
            let (store, site) = open(&cli.database_url, &cli.site).await?;
            let base = base_url.trim_end_matches('/');
            match output {
                Some(path) => {
                    let partial = partial_of(&path);
                    let mut file = std::io::BufWriter::new(
                        std::fs::File::create(&partial)
                            .with_context(|| format!("creating {}", partial.display()))?,
                    );
                    crate::wxr::export::export(&store, &site, base, &mut file).await?;
                    file.into_inner()
                        .map_err(|error| error.into_error())?
                        .sync_all()?;
                    std::fs::rename(&partial, &path)
                        .with_context(|| format!("writing {}", path.display()))?;
                    eprintln!("wrote {}", path.display());
                }
                None => {
                    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
                    crate::wxr::export::export(&store, &site, base, &mut stdout).await?;
                    stdout.flush()?;
                }
            }
            Ok(())
        }
        Command::Import(ImportCommand::Wxr { file }) => {
            let (store, site) = open(&cli.database_url, &cli.site).await?;
            writable(&site)?;
            let progress = crate::wxr::import::Progress::detect();
            let summary = crate::wxr::import::import(&store, &site, &file, progress).await?;
            print!("{summary}");
            Ok(())
        }
        Command::Backup { output, force } => backup(&cli.database_url, &output, force).await,
        Command::Restore { file, force } => restore(&cli.database_url, &file, force).await,
        Command::Site(command) => {
            let (store, site) = open(&cli.database_url, &cli.site).await?;
            site_command(&store, &site, command).await
        }
        Command::Reading(command) => {
            let (store, site) = open(&cli.database_url, &cli.site).await?;
            if matches!(command, ReadingCommand::Add { .. }) {
                writable(&site)?;
            }
            reading_command(&store, &site, command).await
        }
    }
}

async fn reading_command(
    store: &Store,
    site: &Site,
    command: ReadingCommand,
) -> anyhow::Result<()> {
    match command {
        ReadingCommand::Add {
            title,
            label,
            author,
            year,
            members_only,
        } => {
            let mut source = String::new();
            std::io::stdin()
                .take(crate::domain::reading::LONGEST_TEXT as u64 + 1)
                .read_to_string(&mut source)
                .context("reading the text from standard input (it must be UTF-8)")?;
            let details = crate::domain::reading::ReadingDetails {
                title,
                author,
                year,
                label,
                source: source.replace("\r\n", "\n"),
                members_only,
            };
            let problems = crate::domain::reading::check(&details);
            if !problems.is_empty() {
                let lines: Vec<String> = problems
                    .iter()
                    .map(|problem| format!("  {}: {}", problem.field, problem.message))
                    .collect();
                bail!("the reading was not added:\n{}", lines.join("\n"));
            }
            let reading = match store
                .create_reading(site.id, &details, calendar::now())
                .await
            {
                Err(StoreError::Conflict(_)) => bail!(
                    "the reading was not added: another reading of this site has the label “{}”",
                    details.label.trim()
                ),
                other => other?,
            };
            println!("{}/readings/{}/", site.root(), reading.slug);
        }
        ReadingCommand::List => {
            for reading in store.readings(site.id).await? {
                println!(
                    "{}\t{}/readings/{}/\t{}",
                    reading.label,
                    site.root(),
                    reading.slug,
                    reading.title
                );
            }
        }
    }
    Ok(())
}

/// Where a file is written before it is renamed into place: `NAME.partial` beside it.
fn partial_of(path: &std::path::Path) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".partial");
    name.into()
}

async fn backup(database_url: &str, output: &std::path::Path, force: bool) -> anyhow::Result<()> {
    let partial = partial_of(output);
    if database_url.starts_with("sqlite:") {
        let Some(live) = crate::store::sqlite_file(database_url) else {
            bail!(
                "cannot tell which file {database_url} is, so cannot tell a backup from it; nothing was written"
            );
        };
        for written in [output, partial.as_path()] {
            if is_part_of_database(&live, written) {
                bail!(
                    "{} is the live database (or its journal): a backup goes to another file; nothing was written",
                    written.display()
                );
            }
        }
    }
    if output.exists() && !force {
        bail!(
            "{} exists already: add --force to replace it, or choose another file; nothing was written",
            output.display()
        );
    }
    let store = Store::connect(database_url).await?;
    match std::fs::remove_file(&partial) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
            return Err(error).with_context(|| format!("removing {}", partial.display()));
        }
        _ => {}
    }
    store.backup_to(&partial).await?;
    std::fs::File::open(&partial)
        .and_then(|file| file.sync_all())
        .with_context(|| format!("writing {}", partial.display()))?;
    std::fs::rename(&partial, output).with_context(|| format!("writing {}", output.display()))?;
    let contents = Store::check_backup(output).await?;
    println!(
        "backed up {} accounts, {} posts and {} comments to {}",
        contents.accounts,
        contents.posts,
        contents.comments,
        output.display()
    );
    Ok(())
}

/// Whether writing `path` would write the SQLite database at `live` or its `-wal`/`-shm` files, however either
/// is written (`./`, `..`, symbolic links).
fn is_part_of_database(live: &std::path::Path, path: &std::path::Path) -> bool {
    let resolved = |path: &std::path::Path| {
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        match (absolute.parent(), absolute.file_name()) {
            _ if absolute.exists() => absolute.canonicalize().unwrap_or(absolute),
            (Some(folder), Some(name)) => folder
                .canonicalize()
                .map_or_else(|_| absolute.clone(), |folder| folder.join(name)),
            _ => absolute,
        }
    };
    let target = resolved(path);
    let live = resolved(live);
    ["", "-wal", "-shm", "-journal"].iter().any(|suffix| {
        let mut name = live.clone().into_os_string();
        name.push(suffix);
        std::path::Path::new(&name) == target
    })
}

async fn restore(database_url: &str, file: &std::path::Path, force: bool) -> anyhow::Result<()> {
    let Some(target) = crate::store::sqlite_file(database_url) else {
        bail!("{}", crate::store::POSTGRES_BACKUPS);
    };
    if !file.is_file() {
        bail!("there is no backup at {}", file.display());
    }
    let contents = Store::check_backup(file).await?;
    if target.exists() {
        let store = Store::connect(database_url).await?;
        let existing = store.contents().await;
        store.close().await;
        let existing = existing?;
        if !existing.is_empty() && !force {
            bail!(
                "{} holds {} accounts, {} posts and {} comments, which a restore replaces: stop the server and add --force to do so",
                target.display(),
                existing.accounts,
                existing.posts,
                existing.comments
            );
        }
    }
    let incoming = target.with_extension("restoring");
    std::fs::copy(file, &incoming).with_context(|| format!("copying to {}", incoming.display()))?;
    std::fs::File::open(&incoming)
        .and_then(|copy| copy.sync_all())
        .with_context(|| format!("writing {}", incoming.display()))?;
    for suffix in ["-wal", "-shm"] {
        let mut side = target.clone().into_os_string();
        side.push(suffix);
        match std::fs::remove_file(&side) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                return Err(error).with_context(|| format!("removing {}", side.to_string_lossy()));
            }
            _ => {}
        }
    }
    std::fs::rename(&incoming, &target)
        .with_context(|| format!("replacing {}", target.display()))?;
    let store = Store::connect(database_url).await?;
    store.migrate().await?;
    store.close().await;
    println!(
        "restored {} accounts, {} posts and {} comments into {}",
        contents.accounts,
        contents.posts,
        contents.comments,
        target.display()
    );
    Ok(())
}

async fn open(database_url: &str, site_slug: &str) -> anyhow::Result<(Store, Site)> {
    let store = Store::connect(database_url).await?;
    store.migrate().await?;
    let site = if site_slug == MAIN_SITE {
        demo::ensure_main_site(&store).await?
    } else {
        match store.site_by_slug(site_slug).await {
            Err(StoreError::NotFound) => bail!("there is no site '{site_slug}'"),
            other => other?,
        }
    };
    Ok((store, site))
}

async fn user_command(store: &Store, site: &Site, command: UserCommand) -> anyhow::Result<()> {
    let UserCommand::Add {
        email,
        name,
        role,
        password_stdin,
    } = command;
    let role: Role = role.parse()?;
    let (email, name) = (email.trim(), name.trim());
    if !is_valid_email(email) {
        bail!("'{email}' is not a valid email address");
    }
    if name.is_empty() {
        bail!("the name is empty");
    }
    let password_hash = if password_stdin {
        let mut password = String::new();
        std::io::stdin()
            .read_line(&mut password)
            .context("reading the password from standard input")?;
        Some(hash_password(password.trim_end_matches(['\r', '\n']))?)
    } else {
        None
    };
    let now = calendar::now();
    let user = match store
        .create_user(
            &NewUser {
                email,
                name,
                password_hash: password_hash.as_deref(),
                email_confirmed: true,
            },
            now,
        )
        .await
    {
        Err(StoreError::Conflict(_)) => {
            return add_existing(store, site, email, role, password_stdin).await;
        }
        other => other?,
    };
    store.set_role(site.id, user.id, role, now).await?;
    println!(
        "created user {} <{}> as {role} of {}",
        user.id, user.email, site.slug
    );
    Ok(())
}

/// `user add` for an email that has an account: it joins this site (its password stays its own).
async fn add_existing(
    store: &Store,
    site: &Site,
    email: &str,
    role: Role,
    password_given: bool,
) -> anyhow::Result<()> {
    let Some(user) = store.user_by_email(email).await? else {
        bail!("the account for {email} vanished meanwhile")
    };
    if let Some(current) = store.role_on(site.id, user.id).await? {
        bail!(
            "an account with the email {email} exists and is already {current} of {}",
            site.slug
        );
    }
    if password_given {
        bail!(
            "an account with the email {email} exists; its owner sets its password (drop --password-stdin)"
        );
    }
    store
        .set_role(site.id, user.id, role, calendar::now())
        .await?;
    println!(
        "added user {} <{}> as {role} of {}",
        user.id, user.email, site.slug
    );
    Ok(())
}

async fn post_command(store: &Store, site: &Site, command: PostCommand) -> anyhow::Result<()> {
    match command {
        PostCommand::Add {
            author,
            title,
            categories,
            tags,
            status,
            slug: given_slug,
            date,
            kind,
            parent,
            excerpt,
            comments,
        } => {
            let kind: PostKind = kind.parse().map_err(anyhow::Error::msg)?;
            let requested: PostStatus = status.parse().map_err(anyhow::Error::msg)?;
            if requested == PostStatus::Trash {
                bail!("a new post cannot start in the trash");
            }
            let Some(writer) = store.user_by_email(&author).await? else {
                bail!("no account has the email {author}")
            };
            let role = store.role_on(site.id, writer.id).await?;
            let Some(role) = role.filter(|role| *role != Role::Subscriber) else {
                bail!(
                    "{author} is not a writer on the site {} (needs contributor, author, editor or administrator)",
                    site.slug
                )
            };
            let title = title.trim();
            if title.is_empty() {
                bail!("the title is empty");
            }
            if let Some(given) = &given_slug
                && !slug::is_valid_given(given)
            {
                bail!(
                    "'{given}' is not a usable slug: lower-case letters, digits and dashes, not a reserved word or a number"
                );
            }
            let parent_id = match (kind, parent) {
                (_, None) => None,
                (PostKind::Post, Some(_)) => bail!("only pages have a parent"),
                (PostKind::Page, Some(id)) => match store.post_by_id(site.id, id).await? {
                    Some(parent) if parent.kind == PostKind::Page => Some(parent.id),
                    _ => bail!("there is no page with the id {id}"),
                },
            };
            let mut body = String::new();
            std::io::stdin()
                .read_to_string(&mut body)
                .context("reading the body from standard input")?;
            if body.trim().is_empty() {
                bail!("the body is empty: give the post's Markdown on standard input");
            }
            let now = calendar::now();
            let published_at = match &date {
                Some(text) => calendar::parse_rfc3339(text).with_context(|| {
                    format!("'{text}' is not an RFC 3339 date such as 2026-09-01T09:00:00Z")
                })?,
                None => now,
            };
            let mut status = effective_status(requested, published_at, now);
            if !role.can_publish()
                && matches!(
                    status,
                    PostStatus::Publish | PostStatus::Future | PostStatus::Private
                )
            {
                eprintln!("{author} is a contributor: the post goes to review (pending)");
                status = PostStatus::Pending;
            }
            let comments_open = comments.map_or(kind == PostKind::Post, |choice| {
                matches!(choice, OnOff::Open)
            });
            let post = store
                .create_post(
                    &NewPost {
                        reading_id: None,
                        site_id: site.id,
                        author_id: writer.id,
                        kind,
                        status,
                        title,
                        source: &body,
                        format: SourceFormat::Markdown,
                        excerpt: excerpt.as_deref().unwrap_or_default(),
                        slug: given_slug.as_deref(),
                        parent_id,
                        comments_open,
                        published_at,
                        categories: &categories,
                        tags: &tags,
                        sticky: false,
                        password: None,
                    },
                    now,
                )
                .await
                .map_err(|error| match error {
                    StoreError::Conflict(_) => {
                        anyhow::anyhow!(
                            "the slug is taken on this site: choose another with --slug"
                        )
                    }
                    other => other.into(),
                })?;
            println!("{}", link_of(store, site, &post).await?);
            Ok(())
        }
        PostCommand::Slug { id, slug: new_slug } => {
            if !slug::is_valid_given(&new_slug) {
                bail!(
                    "'{new_slug}' is not a usable slug: lower-case letters, digits and dashes, not a reserved word or a number"
                );
            }
            let post = match store
                .change_slug(site.id, id, &new_slug, calendar::now())
                .await
            {
                Err(StoreError::NotFound) => bail!("there is no post with the id {id}"),
                Err(StoreError::Conflict(_)) => {
                    bail!("the slug '{new_slug}' is taken on this site")
                }
                other => other?,
            };
            println!("{}", link_of(store, site, &post).await?);
            Ok(())
        }
    }
}

/// Where a post is read: its public address once published, its preview in the editor before.
async fn link_of(store: &Store, site: &Site, post: &Post) -> anyhow::Result<String> {
    Ok(address::of(store, site, address::Target::Preview(post)).await?)
}

async fn comment_command(
    store: &Store,
    site: &Site,
    command: CommentCommand,
) -> anyhow::Result<()> {
    let (id, action, mail) = match command {
        CommentCommand::List {
            status,
            post,
            format,
        } => {
            let status = match status.as_str() {
                "all" => None,
                other => Some(other.parse::<CommentStatus>()?),
            };
            let comments = store
                .list_comments(
                    site.id,
                    CommentFilter {
                        status,
                        post_id: post,
                    },
                )
                .await?;
            match format {
                ListFormat::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&comments_json(&comments, &site.settings.zone()))?
                ),
                ListFormat::Table => print_table(&comments),
            }
            return Ok(());
        }
        CommentCommand::Approve { id, mail } => (id, Moderation::Approve, Some(mail)),
        CommentCommand::Unapprove { id } => (id, Moderation::Unapprove, None),
        CommentCommand::Spam { id } => (id, Moderation::Spam, None),
        CommentCommand::Trash { id } => (id, Moderation::Trash, None),
        CommentCommand::Restore { id, mail } => (id, Moderation::Restore, Some(mail)),
    };
    writable(site)?;
    let (base_url, mail_from, sends) = match &mail {
        Some(mail) => (
            mail.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL),
            mail.mail_from.as_str(),
            !mail.no_mail,
        ),
        None => (DEFAULT_BASE_URL, DEFAULT_MAIL_FROM, false),
    };
    let discussion = Discussion::new(
        store.clone(),
        Mailer::new(store.clone(), None, mail_from)?,
        base_url,
    );
    let moderated = match discussion
        .moderate(
            site,
            id,
            action,
            if sends { Mail::Send } else { Mail::Skip },
        )
        .await
    {
        Err(DiscussionError::NotFound) => bail!("there is no comment with the id {id}"),
        Err(DiscussionError::NotApplicable(_)) => {
            bail!("comment {id} is not in the trash: only a comment in the trash can be restored")
        }
        other => other?,
    };
    println!(
        "comment {} is now {}",
        moderated.comment.id, moderated.comment.status
    );
    if moderated.mails > 0 && mail.as_ref().is_some_and(|mail| mail.base_url.is_none()) {
        eprintln!(
            "warning: the mails link to {DEFAULT_BASE_URL}: give the site's public address with --base-url \
             or COLLOQUY_BASE_URL"
        );
    }
    match moderated.mails {
        0 if mail.as_ref().is_some_and(|mail| mail.no_mail) => println!("no mail sent (--no-mail)"),
        0 => {}
        1 => println!("1 mail put in the outbox (the server delivers it)"),
        many => println!("{many} mails put in the outbox (the server delivers them)"),
    }
    Ok(())
}

fn comments_json(comments: &[Comment], zone: &SiteZone) -> serde_json::Value {
    comments
        .iter()
        .map(|comment| {
            serde_json::json!({
                "id": comment.id,
                "post_id": comment.post_id,
                "parent_id": comment.parent_id,
                "status": comment.status.as_str(),
                "author": comment.author_name,
                "email": comment.author_email,
                "url": comment.author_url,
                "ip": comment.author_ip,
                "content": comment.content,
                "created_at": zone.iso(comment.created_at),
            })
        })
        .collect()
}

fn print_table(comments: &[Comment]) {
    println!(
        "{:>6}  {:>6}  {:>6}  {:<8}  {:<24}  {:<32}  TEXT",
        "ID", "POST", "PARENT", "STATUS", "AUTHOR", "EMAIL"
    );
    for comment in comments {
        let text: String = comment
            .content
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .take(50)
            .collect();
        println!(
            "{:>6}  {:>6}  {:>6}  {:<8}  {:<24}  {:<32}  {text}",
            comment.id,
            comment.post_id,
            comment
                .parent_id
                .map_or_else(|| "-".to_owned(), |id| id.to_string()),
            comment.status.as_str(),
            comment.author_name.chars().take(24).collect::<String>(),
            comment.author_email.chars().take(32).collect::<String>(),
        );
    }
}

/// Refuses to change an archived course (read-only until it is restored).
fn writable(site: &Site) -> anyhow::Result<()> {
    if site.is_archived() {
        bail!(
            "the site {slug} is archived: it is read-only until `colloquy site restore {slug}` opens it again",
            slug = site.slug
        );
    }
    Ok(())
}

/// The site with this slug, or a clear error.
async fn site_named(store: &Store, slug: &str) -> anyhow::Result<Site> {
    match store.site_by_slug(slug).await {
        Err(StoreError::NotFound) => bail!("there is no site '{slug}'"),
        other => Ok(other?),
    }
}

/// Carries out `site add`, `site copy`, `site rename`, `site archive` and `site restore` with `crate::courses`,
/// as `/admin/sites` does.
async fn course_command(store: &Store, command: SiteCommand) -> anyhow::Result<()> {
    let courses = |mail: &CourseMail| -> anyhow::Result<Courses> {
        Ok(Courses::new(
            store.clone(),
            Mailer::new(store.clone(), None, &mail.mail_from)?,
            mail.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL),
        ))
    };
    let plain = || -> anyhow::Result<Courses> {
        Ok(Courses::new(
            store.clone(),
            Mailer::new(store.clone(), None, DEFAULT_MAIL_FROM)?,
            DEFAULT_BASE_URL,
        ))
    };
    let now = calendar::now();
    match command {
        SiteCommand::Add {
            slug,
            title,
            admin,
            mail,
        } => {
            let course = NewCourse {
                slug: &slug,
                title: &title,
                administrator: admin.as_deref(),
            };
            let made = courses(&mail)?
                .create(&course, now)
                .await
                .map_err(|error| course_error("added", error))?;
            println!("{}", made.site.root().join("/"));
            say_administrator(&made, &mail);
        }
        SiteCommand::Copy {
            from,
            slug,
            title,
            admin,
            mail,
        } => {
            let from = site_named(store, &from).await?;
            let course = NewCourse {
                slug: &slug,
                title: &title,
                administrator: admin.as_deref(),
            };
            let made = courses(&mail)?
                .copy(&from, &course, None, now)
                .await
                .map_err(|error| course_error("copied", error))?;
            println!("{}", made.site.root().join("/"));
            println!(
                "a copy of {} with its settings, pages, readings and categories, and a new join code; no members, \
                 posts or comments",
                from.root().join("/")
            );
            say_administrator(&made, &mail);
        }
        SiteCommand::Rename { slug, title } => {
            let site = site_named(store, &slug).await?;
            let renamed = plain()?
                .rename(&site, &title)
                .await
                .map_err(|error| course_error("renamed", error))?;
            println!(
                "{} is the new title of {}",
                renamed.settings.title,
                renamed.root().join("/")
            );
        }
        SiteCommand::Archive { slug } => {
            let site = site_named(store, &slug).await?;
            let archived = plain()?
                .archive(&site, now)
                .await
                .map_err(|error| course_error("archived", error))?;
            println!(
                "{} ({}) is archived: still served to its readers, it takes no new posts, comments, members or \
                 changes",
                archived.settings.title,
                archived.root().join("/")
            );
        }
        SiteCommand::Restore { slug } => {
            let site = site_named(store, &slug).await?;
            let restored = plain()?
                .restore(&site)
                .await
                .map_err(|error| course_error("restored", error))?;
            println!(
                "{} ({}) is restored: it takes posts, comments and members again",
                restored.settings.title,
                restored.root().join("/")
            );
        }
        // The site's own settings, not the sites: `site_command` reads and changes them.
        SiteCommand::Set { .. } | SiteCommand::Get { .. } => {}
    }
    Ok(())
}

/// One line for what stopped a course command.
fn course_error(done: &str, error: CourseError) -> anyhow::Error {
    match error {
        CourseError::Invalid(problems) => anyhow::anyhow!(
            "the site was not {done}: {}",
            problems
                .iter()
                .map(|problem| problem.message.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        ),
        CourseError::MainSite => anyhow::anyhow!("{}", CourseError::MainSite),
        CourseError::Store(error) => error.into(),
    }
}

/// Says who became the new site's administrator and what they were mailed.
fn say_administrator(made: &MadeSite, mail: &CourseMail) {
    let (user, mailed) = match &made.administrator {
        None => return,
        Some(GivenAdministrator::Existing(user)) => (user, "a mail telling them so"),
        Some(GivenAdministrator::Invited(user)) => (
            user,
            "a new account, and a mail inviting them to choose a password",
        ),
    };
    println!(
        "{} is its administrator: {mailed} is in the outbox (the server delivers it)",
        user.email
    );
    if mail.base_url.is_none() {
        eprintln!(
            "warning: the mail links to {DEFAULT_BASE_URL}: give the site's public address with --base-url or \
             COLLOQUY_BASE_URL"
        );
    }
}

async fn site_command(store: &Store, site: &Site, command: SiteCommand) -> anyhow::Result<()> {
    match command {
        command @ (SiteCommand::Add { .. }
        | SiteCommand::Copy { .. }
        | SiteCommand::Rename { .. }
        | SiteCommand::Archive { .. }
        | SiteCommand::Restore { .. }) => course_command(store, command).await?,
        SiteCommand::Set { key, value } => {
            writable(site)?;
            let mut settings = site.settings.clone();
            let stored = settings.set(&key, &value)?;
            store.save_setting(site.id, &key, &stored).await?;
            println!("{key} = {stored}");
        }
        SiteCommand::Get { key: Some(key) } => {
            let Some(value) = site.settings.get(&key) else {
                bail!(crate::domain::settings::SettingError::UnknownKey(key))
            };
            println!("{value}");
        }
        SiteCommand::Get { key: None } => {
            for key in crate::domain::settings::KEYS {
                println!(
                    "{key} = {}",
                    site.settings
                        .get(key)
                        .unwrap_or_default()
                        .replace('\n', "\\n")
                );
            }
        }
    }
    Ok(())
}

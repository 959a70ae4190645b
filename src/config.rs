//! Command line and environment: every setting has a `COLLOQUY_*` variable as well as a flag.

use std::net::SocketAddr;

use clap::{Args, Parser, Subcommand};

/// The public address commands write into links when none is given (a server run with no settings).
pub const DEFAULT_BASE_URL: &str = "http://127.0.0.1:8080";

/// The sender of colloquy's mails when none is given.
pub const DEFAULT_MAIL_FROM: &str = "colloquy <colloquy@localhost>";

/// colloquy: a course blog server.
#[derive(Debug, Parser)]
#[command(name = "colloquy", version, about, long_about = None)]
pub struct Cli {
    /// The database: sqlite://PATH (created when missing) or postgres://USER@HOST/DB.
    #[arg(
        long,
        global = true,
        env = "COLLOQUY_DATABASE_URL",
        default_value = "sqlite://colloquy.db"
    )]
    pub database_url: String,

    /// The course site a command acts on.
    #[arg(long, global = true, default_value = "main")]
    pub site: String,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the course blog over HTTP (the default when no command is given).
    Serve(ServeArgs),
    /// Create or update the database schema, then exit.
    Migrate,
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Write posts and pages.
    #[command(subcommand)]
    Post(PostCommand),
    /// List and moderate comments.
    #[command(subcommand)]
    Comment(CommentCommand),
    /// Read and change the site's settings.
    #[command(subcommand)]
    Site(SiteCommand),
    /// Add and list the readings the class discusses.
    #[command(subcommand)]
    Reading(ReadingCommand),
    /// Write the site out in another format.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Write a consistent copy of the SQLite database while the server keeps serving (PostgreSQL: pg_dump).
    Backup {
        /// The file to write; it is replaced only once the copy is complete. Never the live database itself.
        #[arg(long)]
        output: std::path::PathBuf,
        /// Replace a file that exists already.
        #[arg(long)]
        force: bool,
    },
    /// Put a backup in place of the SQLite database (stop the server first).
    Restore {
        /// A file written by `colloquy backup`.
        file: std::path::PathBuf,
        /// Replace a database that holds accounts, posts or comments.
        #[arg(long)]
        force: bool,
    },
    /// Bring content in from another blog engine.
    #[command(subcommand)]
    Import(ImportCommand),
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// A WordPress export (WXR 1.0-1.2, Tools -> Export in WordPress). Sends no mail; running it again
    /// changes nothing, and an interrupted run goes on where it stopped.
    Wxr {
        /// The exported file.
        file: std::path::PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// WordPress eXtended RSS 1.2, as WordPress's exporter writes it (to standard output unless --output).
    Wxr {
        /// The file to write; it is replaced only once the export is complete.
        #[arg(long)]
        output: Option<std::path::PathBuf>,
        /// The public address of the main site, for the links in the file.
        #[arg(
            long,
            env = "COLLOQUY_BASE_URL",
            default_value = DEFAULT_BASE_URL
        )]
        base_url: String,
    },
}

/// How the server listens and presents itself.
#[derive(Clone, Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "COLLOQUY_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// Public origin used in links that leave the page (feeds, mails, canonical links).
    #[arg(long, env = "COLLOQUY_BASE_URL")]
    pub base_url: Option<String>,

    /// Load balancers (addresses or CIDR ranges, comma-separated) whose X-Forwarded-For names the client.
    #[arg(long, env = "COLLOQUY_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<String>,

    /// Key that signs cookies (at least 32 characters); generated and kept in the database when unset.
    #[arg(long, env = "COLLOQUY_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,

    /// SMTP server for outgoing mail (smtp://host:port, smtp://user:pass@host?tls=required, smtps://…);
    /// without it, mail is kept in the outbox at /admin/outbox.
    #[arg(long, env = "COLLOQUY_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// The sender of colloquy's mails.
    #[arg(
        long,
        env = "COLLOQUY_MAIL_FROM",
        default_value = DEFAULT_MAIL_FROM
    )]
    pub mail_from: String,

    /// Do not create the demo course in an empty database.
    #[arg(long, env = "COLLOQUY_NO_DEMO")]
    pub no_demo: bool,

    /// Memory for pages kept for anonymous readers, in MB; 0 turns the page cache off.
    #[arg(long, env = "COLLOQUY_PAGE_CACHE_MB", default_value_t = 64)]
    pub page_cache_mb: u64,

    /// Seconds a client has to send a request's headers once it starts (or between requests on a kept-alive
    /// connection); slower connections are closed, so that slow clients cannot hold the server's connections.
    #[arg(long, env = "COLLOQUY_HEADER_TIMEOUT", default_value_t = 10)]
    pub header_timeout_seconds: u64,
}

impl Default for ServeArgs {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            base_url: None,
            trusted_proxies: Vec::new(),
            secret_key: None,
            smtp_url: None,
            mail_from: DEFAULT_MAIL_FROM.into(),
            no_demo: false,
            page_cache_mb: 64,
            header_timeout_seconds: 10,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account and make it a member of the site.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// administrator, editor, author, contributor or subscriber.
        #[arg(long)]
        role: String,
        /// Read a password from standard input (otherwise the account has none yet).
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Debug, Subcommand)]
#[expect(clippy::large_enum_variant, reason = "parsed once per run")]
pub enum PostCommand {
    /// Create a post or page; the Markdown body is read from standard input. Prints the new permalink path.
    Add {
        /// Email of the author's account.
        #[arg(long)]
        author: String,
        #[arg(long)]
        title: String,
        /// A category by name (created when new); repeat for several.
        #[arg(long = "category")]
        categories: Vec<String>,
        /// A tag by name (created when new); repeat for several.
        #[arg(long = "tag")]
        tags: Vec<String>,
        /// publish, draft, pending or private; publish with a future --date schedules.
        #[arg(long, default_value = "publish")]
        status: String,
        #[arg(long)]
        slug: Option<String>,
        /// Publication date and time, RFC 3339 (2026-09-01T09:00:00Z); now when omitted.
        #[arg(long)]
        date: Option<String>,
        /// post or page.
        #[arg(long = "type", default_value = "post")]
        kind: String,
        /// The parent page's id (pages only).
        #[arg(long)]
        parent: Option<i64>,
        /// A written excerpt; the first 55 words are used when omitted.
        #[arg(long)]
        excerpt: Option<String>,
        /// Open or close the discussion (posts are open, pages closed, by default).
        #[arg(long)]
        comments: Option<OnOff>,
    },
    /// Change a post's slug; its old URL keeps answering with a redirect. Prints the new permalink path.
    Slug { id: i64, slug: String },
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum OnOff {
    Open,
    Closed,
}

#[derive(Debug, Subcommand)]
pub enum CommentCommand {
    /// List comments, newest first.
    List {
        /// pending, approved, spam, trash or all.
        #[arg(long, default_value = "all")]
        status: String,
        #[arg(long)]
        post: Option<i64>,
        #[arg(long, value_enum, default_value = "table")]
        format: ListFormat,
    },
    /// Approve a comment; the post's author and the discussion's followers are mailed, as from the dashboard.
    Approve {
        id: i64,
        #[command(flatten)]
        mail: ModerationMail,
    },
    /// Send a comment back to the moderation queue.
    Unapprove { id: i64 },
    /// Mark a comment as spam.
    Spam { id: i64 },
    /// Move a comment to the trash.
    Trash { id: i64 },
    /// Take a comment back out of the trash (approved again: mailed as an approval is).
    Restore {
        id: i64,
        #[command(flatten)]
        mail: ModerationMail,
    },
}

/// The mails a moderation sends: put in the outbox, which the server delivers (by SMTP when it has it).
#[derive(Debug, clap::Args)]
pub struct ModerationMail {
    /// Send no mail about this moderation.
    #[arg(long)]
    pub no_mail: bool,
    /// The public address of the main site, for the links in the mails (without it, the address a server
    /// started with no settings has, and a warning).
    #[arg(long, env = "COLLOQUY_BASE_URL")]
    pub base_url: Option<String>,
    /// The sender of the mails.
    #[arg(
        long,
        env = "COLLOQUY_MAIL_FROM",
        default_value = DEFAULT_MAIL_FROM
    )]
    pub mail_from: String,
}

/// The mail a new course's first administrator gets: put in the outbox, which the server delivers.
#[derive(Debug, clap::Args)]
pub struct CourseMail {
    /// The public address of the main site, for the links in the mail (without it, the address a server
    /// started with no settings has, and a warning).
    #[arg(long, env = "COLLOQUY_BASE_URL")]
    pub base_url: Option<String>,
    /// The sender of the mail.
    #[arg(
        long,
        env = "COLLOQUY_MAIL_FROM",
        default_value = DEFAULT_MAIL_FROM
    )]
    pub mail_from: String,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum SiteCommand {
    /// Create another course site, served at /SLUG/.
    Add {
        #[arg(long)]
        slug: String,
        #[arg(long)]
        title: String,
        /// Its first administrator: an account with this address is made administrator and told by mail; a
        /// new address gets an account and a mail inviting it to choose a password.
        #[arg(long, value_name = "EMAIL")]
        admin: Option<String>,
        #[command(flatten)]
        mail: CourseMail,
    },
    /// Copy a course for next term: a new site with its settings, pages, readings and categories (links into
    /// it moved to the new address) and a new join code; not its members, posts, comments or follows.
    Copy {
        /// The slug of the course to copy.
        #[arg(long, value_name = "SLUG")]
        from: String,
        #[arg(long)]
        slug: String,
        #[arg(long)]
        title: String,
        /// The copy's first administrator, as for `site add`.
        #[arg(long, value_name = "EMAIL")]
        admin: Option<String>,
        #[command(flatten)]
        mail: CourseMail,
    },
    /// Give a site a new title.
    Rename {
        /// The site's slug (main for the main site).
        slug: String,
        #[arg(long)]
        title: String,
    },
    /// Archive a course: still served to its readers, it takes no new posts, comments, members or changes.
    Archive {
        /// The site's slug.
        slug: String,
    },
    /// Open an archived course again.
    Restore {
        /// The site's slug.
        slug: String,
    },
    /// Change a setting (title, tagline, timezone, discussion settings).
    Set { key: String, value: String },
    /// Show one setting, or all of them.
    Get { key: Option<String> },
}

#[derive(Debug, Subcommand)]
pub enum ReadingCommand {
    /// Add a reading. Its Markdown text comes on standard input, a line [page N] where each printed page
    /// begins. Prints the reading's address.
    Add {
        #[arg(long)]
        title: String,
        /// How students cite it: (LABEL, 12), for example "Khrushchev 1956".
        #[arg(long)]
        label: String,
        #[arg(long, default_value = "")]
        author: String,
        #[arg(long)]
        year: Option<i32>,
        /// Only the site's members may read it, even on a public site.
        #[arg(long)]
        members_only: bool,
    },
    /// List the site's readings: label, address, title.
    List,
}

/// What the server needs to start.
#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: String,
    pub serve: ServeArgs,
}

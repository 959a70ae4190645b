//! A second course site at `/hist-220/`, seen through every door: its pages, feeds and mails build each
//! address from the site's root and never name another site; what authors wrote is served as written; large
//! pages are served whole; admin routes answer 404 for rows that are not there; one discussion pipeline behind
//! the public form, the dashboard and the command line.

use std::collections::{BTreeSet, VecDeque};

use colloquy::{
    address::{self, CommentReader, Target},
    domain::{
        calendar,
        comment::{Comment, CommentStatus, Moderation},
        markup,
        post::{Post, PostStatus},
        reading::{Reading, ReadingDetails},
        user::Role,
    },
    store::{CommentFilter, NewComment, OutboxMail, Site, Submitted},
};
use reqwest::{Response, StatusCode, header};
use scraper::{ElementRef, Html, Selector};

use crate::helpers::{
    Fields, Member, PostSpec, TestApp, attribute, client, colloquy, comment_id_of, select,
    spawn_app, stdout, texts,
};

const SLUG: &str = "hist-220";
const ROOT: &str = "/hist-220";

/// The links an author wrote in a post's Markdown: to a post of the second site, to a page of the main site,
/// protocol-relative, and absolute.
const AUTHORED_LINKS: [&str; 4] = [
    "/hist-220/2026/01/05/week-1/",
    "/welcome/",
    "//cdn.example/x",
    "https://example.org/y",
];

fn authored_body() -> String {
    format!(
        "Links: [week one]({}), [welcome]({}), [a file]({}) and [elsewhere]({}).",
        AUTHORED_LINKS[0], AUTHORED_LINKS[1], AUTHORED_LINKS[2], AUTHORED_LINKS[3]
    )
}

/// The second course site, HIST 220.
async fn second_site(app: &TestApp) -> Site {
    app.store
        .create_site(SLUG, "HIST 220", calendar::now())
        .await
        .expect("create the second site")
}

/// Changes a setting of `site` as `colloquy --site … site set` would.
async fn set_on(app: &TestApp, site: &Site, key: &str, value: &str) {
    let mut settings = app.store.site_by_id(site.id).await.unwrap().settings;
    let stored = settings.set(key, value).expect("a valid setting");
    app.store.save_setting(site.id, key, &stored).await.unwrap();
}

/// An account with `role` on `site` (and no other), signed in with a cookie jar of its own.
async fn member_of(app: &TestApp, site: &Site, role: Role, name: &str) -> Member {
    let email = format!("{}@example.edu", name.to_lowercase().replace(' ', "."));
    let (user, password) = app.account(&email, name, None).await;
    app.store
        .set_role(site.id, user.id, role, calendar::now())
        .await
        .unwrap();
    let client = client();
    let response = app
        .sign_in_with(&client, &email, &password, "203.0.113.251")
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{name} signs in");
    Member { user, client }
}

/// The address of `target` on `site`, as colloquy builds it.
async fn address_of(app: &TestApp, site: &Site, target: Target<'_>) -> String {
    address::of(&app.store, site, target)
        .await
        .expect("an address")
}

/// A comment's public address, as a reader who sees no held or private comments finds it.
async fn comment_address(app: &TestApp, site: &Site, post: &Post, comment_id: i64) -> String {
    address_of(
        app,
        site,
        Target::Comment {
            post,
            comment_id,
            reader: CommentReader::default(),
        },
    )
    .await
}

/// Sends the "Leave a Reply" form of the second site from `ip`.
async fn reply_on_site(
    app: &TestApp,
    client: &reqwest::Client,
    ip: &str,
    fields: &Fields<'_>,
) -> Response {
    client
        .post(app.url(&format!("{ROOT}/comments")))
        .header("x-forwarded-for", ip)
        .form(fields)
        .send()
        .await
        .expect("POST the comment form")
}

/// A visitor's comment on the second site; `follow` ticks "Notify me of follow-up comments".
async fn visitor_comment(
    app: &TestApp,
    post: &Post,
    name: &str,
    text: &str,
    ip: &str,
    follow: bool,
) -> i64 {
    let mut fields = TestApp::reply_fields(post, name, text);
    if follow {
        fields.push(("follow", "yes".to_owned()));
    }
    comment_id_of(&reply_on_site(app, &client(), ip, &fields).await)
}

/// Approves a comment with the dashboard's button.
async fn approve_on_dashboard(app: &TestApp, staff: &Member, id: i64) {
    let csrf = staff.csrf(app).await;
    let response = staff
        .post_form(
            app,
            &format!("{ROOT}/admin/comments"),
            &[("csrf", csrf), ("one", format!("approve:{id}"))],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "approving {id}");
}

/// The mails of a site's outbox, newest first.
async fn outbox_of(app: &TestApp, site: &Site) -> Vec<OutboxMail> {
    app.store.outbox(site.id, 500).await.expect("the outbox")
}

async fn mails_to(app: &TestApp, site: &Site, recipient: &str) -> Vec<OutboxMail> {
    outbox_of(app, site)
        .await
        .into_iter()
        .filter(|mail| mail.recipient == recipient)
        .collect()
}

/// Every address on this server written in a text (a mail's body, a feed), each from the server's root.
fn server_addresses(app: &TestApp, text: &str) -> Vec<String> {
    text.match_indices(&app.address)
        .map(|(start, _)| {
            text[start + app.address.len()..]
                .split(|character: char| {
                    character.is_whitespace() || matches!(character, '"' | '\'' | '<' | '>' | ')')
                })
                .next()
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

/// The path of the link in the newest mail to `recipient` on `site` whose address contains `marker`.
async fn link_mailed(app: &TestApp, site: &Site, recipient: &str, marker: &str) -> String {
    mails_to(app, site, recipient)
        .await
        .iter()
        .flat_map(|mail| server_addresses(app, &mail.body))
        .find(|path| path.contains(marker))
        .unwrap_or_else(|| panic!("no link with {marker} mailed to {recipient}"))
}

/// `colloquy --site hist-220 comment approve ID`, with the server's public address for the mails' links.
fn approve_from_command_line(app: &TestApp, id: i64, extra: &[&str]) -> String {
    let id = id.to_string();
    let mut args = vec![
        "--site",
        SLUG,
        "comment",
        "approve",
        id.as_str(),
        "--base-url",
        app.address.as_str(),
    ];
    args.extend_from_slice(extra);
    stdout(&colloquy(app, &args, ""))
}

async fn comment_by_id(app: &TestApp, site: &Site, id: i64) -> Comment {
    app.store
        .comment_by_id(site.id, id)
        .await
        .unwrap()
        .expect("the comment")
}

/// The hrefs of the links of a post's text on its page.
fn links_in_entry(page: &str) -> Vec<String> {
    select(page, ".entry-content a")
        .iter()
        .map(|link| attribute(link, "a", "href").unwrap_or_default())
        .collect()
}

/// The hrefs of the links of an HTML fragment (a feed item's content).
fn links_in_fragment(html: &str) -> Vec<String> {
    let fragment = Html::parse_fragment(html);
    let links = Selector::parse("a").unwrap();
    fragment
        .select(&links)
        .filter_map(|link| link.value().attr("href").map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn author_written_links_are_served_unchanged_on_both_sites() {
    let app = spawn_app().await;
    let history = second_site(&app).await;
    let body = authored_body();
    let on_main = app
        .publish(PostSpec {
            body: &body,
            ..PostSpec::post("Links on the main site")
        })
        .await;
    let on_history = app
        .publish_on(
            history.id,
            PostSpec {
                body: &body,
                ..PostSpec::post("Links on the second site")
            },
        )
        .await;

    for (site, post) in [(&app.site, &on_main), (&history, &on_history)] {
        let path = address_of(&app, site, Target::Post(post)).await;
        let (status, page) = app.page(&path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(links_in_entry(&page), AUTHORED_LINKS, "{path}");
        assert!(
            !page.contains("/hist-220/hist-220/"),
            "{path}: a doubled root"
        );
        assert!(
            !page.contains("\"/hist-220/welcome/\""),
            "{path}: a rewritten link"
        );
    }

    // Feeds make root-relative links absolute against the base URL only; the test server's base URL is its own
    // address (no --base-url).
    let in_feed = vec![
        format!("{}/hist-220/2026/01/05/week-1/", app.address),
        format!("{}/welcome/", app.address),
        "//cdn.example/x".to_owned(),
        "https://example.org/y".to_owned(),
    ];
    for (feed, title) in [
        ("/hist-220/feed/", "Links on the second site"),
        ("/feed/", "Links on the main site"),
    ] {
        let response = app.get(feed).await;
        assert_eq!(response.status(), StatusCode::OK, "{feed}");
        let channel = rss::Channel::read_from(&response.bytes().await.unwrap()[..])
            .unwrap_or_else(|error| panic!("{feed} does not parse: {error}"));
        let item = channel
            .items()
            .iter()
            .find(|item| item.title() == Some(title))
            .unwrap_or_else(|| panic!("{feed} has no item {title}"));
        assert_eq!(
            links_in_fragment(item.content().expect("the full text")),
            in_feed,
            "{feed}"
        );
    }
    let response = app.get("/hist-220/feed/atom/").await;
    assert_eq!(response.status(), StatusCode::OK);
    let atom = atom_syndication::Feed::read_from(&response.bytes().await.unwrap()[..])
        .expect("the Atom feed parses");
    let entry = atom
        .entries()
        .iter()
        .find(|entry| entry.title().as_str() == "Links on the second site")
        .expect("the post's entry");
    let content = entry
        .content()
        .and_then(|content| content.value())
        .expect("the full text");
    assert_eq!(links_in_fragment(content), in_feed, "the Atom feed");
}

/// The attributes whose values are addresses.
fn is_address_attribute(name: &str) -> bool {
    matches!(name, "href" | "src" | "action" | "formaction" | "poster") || name.starts_with("data-")
}

/// Why an element's addresses may name another site: a site switcher (the dashboard's, the account page's)
/// lists the person's other sites, and what an author wrote in a post or comment is served as written.
fn exempt(element: &ElementRef<'_>) -> Option<&'static str> {
    let mut in_actions = false;
    let mut node = Some(**element);
    while let Some(current) = node {
        if let Some(element) = current.value().as_element() {
            let classes: Vec<&str> = element.classes().collect();
            if classes.contains(&"site-switcher") {
                return Some("site switcher");
            }
            if classes
                .iter()
                .any(|class| matches!(*class, "entry-content" | "comment-content"))
            {
                return Some("written by an author");
            }
            if classes
                .iter()
                .any(|class| matches!(*class, "row-actions" | "meta"))
            {
                in_actions = true;
            }
            // The moderation queue shows a comment's text in its cell, beside the queue's own buttons.
            if element.name() == "td" && classes.contains(&"text") && !in_actions {
                return Some("written by a commenter");
            }
        }
        node = current.parent();
    }
    None
}

/// What a crawl of the second site found.
#[derive(Default)]
struct Crawl {
    visited: BTreeSet<String>,
    /// Addresses that name another site, with the page and element they were found on.
    foreign: Vec<String>,
    /// Links of the site that do not answer.
    broken: Vec<String>,
    /// Feeds and other XML found on the way.
    feeds: BTreeSet<String>,
}

impl Crawl {
    fn check(&mut self, page: &str, what: &str, value: &str) {
        if misplaced(value) {
            self.foreign.push(format!("{page}: {what} = {value}"));
        }
    }
}

/// Whether a root-relative address lies outside the second site, or repeats its root.
fn misplaced(address: &str) -> bool {
    address.starts_with('/')
        && !address.starts_with("//")
        && (!address.starts_with("/hist-220/") || address.starts_with("/hist-220/hist-220/"))
}

/// Follows the second site's links from `starts` with `client`, up to `limit` pages, checking every address
/// on every page.
async fn crawl(app: &TestApp, client: &reqwest::Client, starts: &[&str], limit: usize) -> Crawl {
    let mut crawl = Crawl::default();
    let mut queue: VecDeque<(String, String)> = starts
        .iter()
        .map(|start| ((*start).to_owned(), "the start".to_owned()))
        .collect();
    while let Some((path, from)) = queue.pop_front() {
        if crawl.visited.len() >= limit {
            break;
        }
        if !crawl.visited.insert(path.clone()) {
            continue;
        }
        let response = client.get(app.url(&path)).send().await.expect("GET");
        let status = response.status();
        if status.is_redirection() {
            let location = response.headers()[header::LOCATION]
                .to_str()
                .unwrap()
                .to_owned();
            crawl.check(&path, "the redirect's Location", &location);
            if location.starts_with("/hist-220/") {
                queue.push_back((location, path.clone()));
            }
            continue;
        }
        if status != StatusCode::OK {
            crawl
                .broken
                .push(format!("{path} answers {status} (linked from {from})"));
            continue;
        }
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = response.text().await.unwrap();
        if content_type.contains("xml") {
            crawl.feeds.insert(path.clone());
            continue;
        }
        if !content_type.starts_with("text/html") {
            continue;
        }
        let document = Html::parse_document(&body);
        let everything = Selector::parse("*").unwrap();
        for element in document.select(&everything) {
            for (name, value) in element.value().attrs() {
                if !is_address_attribute(name) || exempt(&element).is_some() {
                    continue;
                }
                let what = format!("<{} {name}>", element.value().name());
                crawl.check(&path, &what, value);
                let followed = match element.value().name() {
                    "a" => name == "href",
                    "link" => name == "href" && element.value().attr("rel") == Some("alternate"),
                    _ => false,
                };
                if followed
                    && value.starts_with("/hist-220/")
                    && !value.starts_with("/hist-220/static/")
                    && !value.starts_with("/hist-220/avatar/")
                {
                    let target = value.split('#').next().unwrap_or_default().to_owned();
                    if !crawl.visited.contains(&target) {
                        queue.push_back((target, path.clone()));
                    }
                }
            }
        }
    }
    crawl
}

/// The addresses in an HTML fragment: every href and src.
fn addresses_in_html(html: &str) -> Vec<String> {
    let fragment = Html::parse_fragment(html);
    let everything = Selector::parse("*").unwrap();
    fragment
        .select(&everything)
        .flat_map(|element| {
            ["href", "src"]
                .into_iter()
                .filter_map(move |name| element.value().attr(name).map(str::to_owned))
        })
        .collect()
}

/// Every address a feed gives (its links, ids and the links of its items' HTML), or every address on this
/// server that other XML (the sitemap) names.
fn feed_addresses(app: &TestApp, path: &str, content_type: &str, xml: &str) -> Vec<String> {
    let mut addresses = Vec::new();
    if content_type.starts_with("application/rss+xml") {
        let channel = rss::Channel::read_from(xml.as_bytes())
            .unwrap_or_else(|error| panic!("{path} does not parse: {error}"));
        addresses.push(channel.link().to_owned());
        if let Some(atom) = channel.atom_ext() {
            addresses.extend(atom.links().iter().map(|link| link.href().to_owned()));
        }
        for item in channel.items() {
            addresses.extend(item.link().map(str::to_owned));
            addresses.extend(item.guid().map(|guid| guid.value().to_owned()));
            addresses.extend(item.comments().map(str::to_owned));
            // Readers show the description and the content as HTML.
            for html in [item.description(), item.content()].into_iter().flatten() {
                addresses.extend(addresses_in_html(html));
            }
        }
    } else if content_type.starts_with("application/atom+xml") {
        let feed = atom_syndication::Feed::read_from(xml.as_bytes())
            .unwrap_or_else(|error| panic!("{path} does not parse: {error}"));
        addresses.push(feed.id().to_owned());
        addresses.extend(feed.links().iter().map(|link| link.href().to_owned()));
        for entry in feed.entries() {
            addresses.push(entry.id().to_owned());
            addresses.extend(entry.links().iter().map(|link| link.href().to_owned()));
            let html_content = entry
                .content()
                .filter(|content| content.content_type() != Some("text"))
                .and_then(|content| content.value());
            addresses.extend(html_content.map(addresses_in_html).unwrap_or_default());
        }
    } else {
        addresses.extend(
            server_addresses(app, xml)
                .into_iter()
                .map(|address| format!("{}{address}", app.address)),
        );
    }
    addresses
}

/// The addresses of a feed (or the sitemap) that name another site: an address on this server outside the
/// site, or a root-relative link left unresolved. `authored` are the links authors wrote to other sites.
async fn foreign_in_feed(app: &TestApp, path: &str, authored: &[String]) -> Vec<String> {
    let response = app.get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let content_type = response.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .to_owned();
    let xml = response.text().await.unwrap();
    let addresses = feed_addresses(app, path, &content_type, &xml);
    let site = format!("{}/hist-220/", app.address);
    assert!(
        addresses.iter().any(|address| address.starts_with(&site)),
        "{path} links to the site: {xml}"
    );
    let mut foreign = Vec::new();
    for address in addresses {
        if address.starts_with('/') && !address.starts_with("//") {
            foreign.push(format!(
                "{path}: a root-relative link left in the feed: {address}"
            ));
        } else if let Some(rest) = address.strip_prefix(&app.address)
            && misplaced(rest)
            && !authored.iter().any(|written| written == rest)
        {
            foreign.push(format!("{path}: {address}"));
        }
    }
    foreign
}

#[tokio::test]
async fn no_address_in_any_page_feed_or_mail_of_a_sub_site_names_another_site() {
    let app = spawn_app().await;
    let history = second_site(&app).await;
    for (key, value) in [
        ("comment_flood_interval", "0"),
        ("posts_per_page", "2"),
        ("comments_per_page", "5"),
        ("tagline", "Cold War history"),
    ] {
        set_on(&app, &history, key, value).await;
    }
    // The instructor teaches on both sites, so that the dashboard's switcher lists the main site.
    let instructor = member_of(&app, &history, Role::Administrator, "Ines Instructor").await;
    app.store
        .set_role(
            app.site.id,
            instructor.user.id,
            Role::Administrator,
            calendar::now(),
        )
        .await
        .unwrap();
    let student = member_of(&app, &history, Role::Author, "Sam Student").await;
    app.publish_post("Main site news").await;

    let reading = app
        .store
        .create_reading(
            history.id,
            &ReadingDetails {
                title: "The Long Telegram".into(),
                author: "George Kennan".into(),
                year: Some(1946),
                label: "Kennan 1946".into(),
                source: "[page 1]\nAt bottom of Kremlin's neurotic view of world affairs is traditional \
                         and instinctive Russian sense of insecurity.\n\n[page 2]\nSoviet power is \
                         impervious to logic of reason but highly sensitive to logic of force.\n"
                    .into(),
                members_only: false,
            },
            calendar::now(),
        )
        .await
        .unwrap();
    let now = calendar::now();
    let mut posts = Vec::new();
    for (index, (title, categories, tags)) in [
        ("Week 1: Containment", vec!["Week one"], vec!["kennan"]),
        ("Week 1: The Truman Doctrine", vec!["Week one"], vec![]),
        ("Week 2: The Marshall Plan", vec!["Week two"], vec!["aid"]),
        ("Week 2: Berlin", vec!["Week two"], vec!["kennan", "aid"]),
    ]
    .into_iter()
    .enumerate()
    {
        let body = if index == 0 {
            format!(
                "Kennan sees \"traditional and instinctive Russian sense of insecurity\" (1). {}",
                authored_body()
            )
        } else {
            "A paragraph of **Markdown** about the week.".to_owned()
        };
        let post = app
            .publish_on(
                history.id,
                PostSpec {
                    body: &body,
                    categories: categories.into_iter().map(str::to_owned).collect(),
                    tags: tags.into_iter().map(str::to_owned).collect(),
                    published_at: now - 86_400 * (10 - i64::try_from(index).unwrap()),
                    reading_id: Some(reading.id),
                    ..PostSpec::post(title)
                },
            )
            .await;
        posts.push(post);
    }
    let syllabus = app.publish_on(history.id, PostSpec::page("Syllabus")).await;
    app.publish_on(
        history.id,
        PostSpec {
            parent_id: Some(syllabus.id),
            ..PostSpec::page("Grading")
        },
    )
    .await;
    app.publish_on(
        history.id,
        PostSpec {
            status: PostStatus::Draft,
            ..PostSpec::post("A draft of week 3")
        },
    )
    .await;

    // A discussion with a follower, comments over several pages, a reply, an author's link in a comment, a
    // held comment for the queue, and the reading's own discussion.
    let discussed = &posts[3];
    let ada = visitor_comment(
        &app,
        discussed,
        "Ada",
        "Following Berlin.",
        "198.51.100.1",
        true,
    )
    .await;
    let confirm = link_mailed(&app, &history, "ada@example.org", "/follow/confirm/").await;
    assert!(
        confirm.starts_with("/hist-220/follow/confirm/"),
        "{confirm}"
    );
    assert_eq!(app.press_button_of(&confirm).await.0, StatusCode::OK);
    approve_on_dashboard(&app, &instructor, ada).await;
    for (name, text, ip) in [
        (
            "Bo",
            "The airlift was logistics as diplomacy.",
            "198.51.100.2",
        ),
        (
            "Cy",
            "See <a href=\"/welcome/\">the welcome page</a> too.",
            "198.51.100.3",
        ),
        ("Dee", "Tempelhof, every ninety seconds.", "198.51.100.4"),
        (
            "Gil",
            "The Soviets lifted the blockade in May 1949.",
            "198.51.100.10",
        ),
        ("Hal", "And the Federal Republic followed.", "198.51.100.11"),
    ] {
        let id = visitor_comment(&app, discussed, name, text, ip, false).await;
        approve_on_dashboard(&app, &instructor, id).await;
    }
    let mut reply = TestApp::reply_fields(discussed, "Bo", "And a reply to Ada.");
    reply.retain(|(field, _)| *field != "parent");
    reply.push(("parent", ada.to_string()));
    let bo_reply = comment_id_of(&reply_on_site(&app, &client(), "198.51.100.2", &reply).await);
    assert_eq!(
        comment_by_id(&app, &history, bo_reply).await.status,
        CommentStatus::Approved,
        "Bo was approved before"
    );
    let csrf = student.csrf(&app).await;
    let sent = reply_on_site(
        &app,
        &student.client,
        "198.51.100.5",
        &vec![
            ("comment", "A member's view of Berlin.".to_owned()),
            ("post_id", discussed.id.to_string()),
            ("parent", "0".to_owned()),
            ("csrf", csrf),
        ],
    )
    .await;
    comment_id_of(&sent);
    visitor_comment(
        &app,
        &posts[0],
        "Eve",
        "Held for the queue.",
        "198.51.100.6",
        false,
    )
    .await;

    let reading_page = format!("/hist-220/readings/{}/", reading.slug);
    let (status, page) = app.page(&reading_page).await;
    assert_eq!(status, StatusCode::OK);
    let discussion_id: i64 = attribute(&page, "#comment_post_ID", "value")
        .and_then(|id| id.parse().ok())
        .expect("the reading's discussion form");
    let on_reading = comment_id_of(
        &reply_on_site(
            &app,
            &client(),
            "198.51.100.7",
            &vec![
                (
                    "comment",
                    "\"highly sensitive to logic of force\" (2), indeed.".to_owned(),
                ),
                ("author", "Fay".to_owned()),
                ("email", "fay@example.org".to_owned()),
                ("post_id", discussion_id.to_string()),
                ("parent", "0".to_owned()),
                ("follow", "yes".to_owned()),
            ],
        )
        .await,
    );
    approve_on_dashboard(&app, &instructor, on_reading).await;

    // Mails of the accounts, from the second site's sign-in page.
    for form in ["/hist-220/login/forgot", "/hist-220/login/link"] {
        let response = client()
            .post(app.url(form))
            .header("x-forwarded-for", "198.51.100.9")
            .form(&[("email", student.user.email.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{form}");
    }

    let mut foreign = Vec::new();
    let mut broken = Vec::new();
    let mut feeds = BTreeSet::from([
        "/hist-220/feed/".to_owned(),
        "/hist-220/feed/atom/".to_owned(),
        "/hist-220/comments/feed/".to_owned(),
        format!(
            "{}feed/",
            address_of(&app, &history, Target::Post(discussed)).await
        ),
        "/hist-220/category/week-one/feed/".to_owned(),
        "/hist-220/sitemap.xml".to_owned(),
    ]);
    let code = app
        .store
        .join_code(history.id, || "hist220code26".into())
        .await
        .unwrap();
    let join = format!("/hist-220/join/{code}");
    let reader = crawl(
        &app,
        &client(),
        &["/hist-220/", "/hist-220/search/?q=Berlin", &join],
        200,
    )
    .await;
    let staff = crawl(
        &app,
        &instructor.client,
        &["/hist-220/", "/hist-220/admin/"],
        200,
    )
    .await;
    for found in [&reader, &staff] {
        foreign.extend(found.foreign.iter().cloned());
        broken.extend(found.broken.iter().cloned());
        feeds.extend(found.feeds.iter().cloned());
    }
    // The exceptions are there to be excepted: the switcher names the main site, an author's link too.
    let dashboard = instructor
        .get(&app, "/hist-220/admin/")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        select(&dashboard, ".site-switcher a[href='/admin/']").len(),
        1,
        "the switcher lists the main site"
    );
    let (_, written) = app
        .page(&address_of(&app, &history, Target::Post(&posts[0])).await)
        .await;
    assert!(links_in_entry(&written).contains(&"/welcome/".to_owned()));
    let visited: BTreeSet<&String> = reader.visited.iter().chain(&staff.visited).collect();
    for expected in [
        "/hist-220/admin/comments?status=pending",
        "/hist-220/admin/categories",
        "/hist-220/admin/readings",
        "/hist-220/admin/members",
        "/hist-220/admin/outbox",
        "/hist-220/readings/",
        "/hist-220/syllabus/grading/",
        "/hist-220/category/week-one/",
        "/hist-220/tag/kennan/",
        "/hist-220/page/2/",
        "/hist-220/search/?q=Berlin",
        "/hist-220/readings/the-long-telegram/page/2/",
    ] {
        assert!(
            visited.contains(&expected.to_owned()),
            "the crawl did not reach {expected}: {visited:?}"
        );
    }
    // The one link an author wrote to another site of this server, made absolute in the feeds.
    let authored_absolute = vec![AUTHORED_LINKS[1].to_owned()];
    for feed in &feeds {
        foreign.extend(foreign_in_feed(&app, feed, &authored_absolute).await);
    }

    let mails = outbox_of(&app, &history).await;
    for recipient in [
        "ada@example.org",
        "fay@example.org",
        instructor.user.email.as_str(),
        student.user.email.as_str(),
        "writer@example.edu",
    ] {
        assert!(
            mails.iter().any(|mail| mail.recipient == recipient),
            "no mail to {recipient}"
        );
    }
    let mut mailed = BTreeSet::new();
    for mail in &mails {
        let addresses = server_addresses(&app, &mail.body);
        assert!(
            !addresses.is_empty(),
            "a mail without a link: {}",
            mail.body
        );
        for address in addresses {
            if misplaced(&address) {
                foreign.push(format!(
                    "the mail “{}” to {}: {}{address}",
                    mail.subject, mail.recipient, app.address
                ));
            }
            mailed.insert(address.split('#').next().unwrap_or_default().to_owned());
        }
        for other_origin in ["http://127.0.0.1:8080", "localhost"] {
            if mail.body.contains(other_origin) {
                foreign.push(format!("the mail “{}” names {other_origin}", mail.subject));
            }
        }
    }

    assert!(
        foreign.is_empty(),
        "{} addresses name another site:\n{}",
        foreign.len(),
        foreign.join("\n")
    );
    // Every mailed link answers (to the staff, for the moderation queue's; unsubscribing last).
    let (stops, others): (Vec<&String>, Vec<&String>) = mailed
        .iter()
        .partition(|path| path.contains("/follow/stop/"));
    for path in others.into_iter().chain(stops) {
        let status = instructor.get(&app, path).await.status();
        if status != StatusCode::OK {
            broken.push(format!("{path} answers {status} (mailed)"));
        }
    }
    assert!(
        broken.is_empty(),
        "links of the site that do not answer:\n{}",
        broken.join("\n")
    );
}

#[tokio::test]
async fn a_sub_site_page_of_twenty_mebibytes_answers_to_a_signed_in_reader_and_to_the_signed_out() {
    let app = spawn_app().await;
    let history = second_site(&app).await;
    let paragraph = format!(
        "{} A long reading response goes on about containment and its critics.\n\n",
        "Words. ".repeat(130)
    );
    let body = paragraph.repeat(20 * 1024 * 1024 / paragraph.len() + 1);
    assert!(body.len() >= 20 * 1024 * 1024);
    let post = app
        .publish_on(
            history.id,
            PostSpec {
                body: &body,
                ..PostSpec::post("A very long response")
            },
        )
        .await;
    let reader = member_of(&app, &history, Role::Subscriber, "Rea Reader").await;
    let path = address_of(&app, &history, Target::Post(&post)).await;
    assert!(path.starts_with("/hist-220/"), "{path}");

    let response = reader.get(&app, &path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let page = response.text().await.unwrap();
    assert!(
        page.len() >= 20 * 1024 * 1024,
        "the page is whole: {} bytes",
        page.len()
    );
    assert!(page.contains("Signed in as"));
    assert!(page.trim_end().ends_with("</html>"));

    // Signed out, the page is too large for the page cache: it is served, whole, each time, and not kept.
    for _ in 0..2 {
        let response = client().get(app.url(&path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "signed out: {path}");
        assert_ne!(
            response
                .headers()
                .get(colloquy::web::cache::CACHE_HEADER)
                .and_then(|value| value.to_str().ok()),
            Some("hit"),
            "not kept"
        );
        let page = response.text().await.unwrap();
        assert!(
            page.len() >= 20 * 1024 * 1024,
            "whole: {} bytes",
            page.len()
        );
        assert!(page.trim_end().ends_with("</html>"));
    }
}

/// Removes a row as another moderator's action (or a purge) would, behind the server's back.
async fn delete_row(app: &TestApp, table: &str, id: i64) {
    let deleted = execute_sql(app, &format!("DELETE FROM {table} WHERE id = {id}")).await;
    assert_eq!(deleted, 1, "{table} {id} deleted");
}

/// A post, a reading and an approved comment of `site`.
async fn rows_of(app: &TestApp, site: &Site, name: &str) -> (Post, Reading, i64) {
    let post = app
        .publish_on(site.id, PostSpec::post(&format!("{name} post")))
        .await;
    let reading = app
        .store
        .create_reading(
            site.id,
            &ReadingDetails {
                title: format!("{name} reading"),
                label: format!("{name} 1956"),
                source: "[page 1]\nWords.".into(),
                ..ReadingDetails::default()
            },
            calendar::now(),
        )
        .await
        .unwrap();
    let comment = match app
        .store
        .submit_comment(
            &NewComment {
                site_id: site.id,
                post_id: post.id,
                parent_id: None,
                user_id: None,
                author_name: "Ada",
                author_email: "ada@example.org",
                author_url: None,
                author_ip: "192.0.2.1",
                user_agent: "test",
                content: "A comment.",
                content_html: "<p>A comment.</p>",
                status: CommentStatus::Approved,
                created_at: calendar::now(),
                cited: &[],
                is_private: false,
                grade: None,
                passage: None,
            },
            0,
        )
        .await
        .unwrap()
    {
        Submitted::Stored { comment, .. } => comment.id,
        other => panic!("not stored: {other:?}"),
    };
    (post, reading, comment)
}

#[tokio::test]
async fn every_admin_route_that_takes_an_id_answers_404_for_a_missing_or_just_deleted_row() {
    let app = spawn_app().await;
    let history = second_site(&app).await;
    let staff = app.sign_in_as(Role::Administrator).await;
    app.store
        .set_role(
            history.id,
            staff.user.id,
            Role::Administrator,
            calendar::now(),
        )
        .await
        .unwrap();
    let csrf = staff.csrf(&app).await;
    let mut wrong = Vec::new();

    let main_rows = rows_of(&app, &app.site, "Main").await;
    let history_rows = rows_of(&app, &history, "History").await;
    // Rows removed a moment ago, once every row is made (SQLite gives a deleted last id to the next row): a
    // comment trashed then purged, a post and a reading deleted.
    let main_gone = rows_of(&app, &app.site, "Gone main").await;
    let history_gone = rows_of(&app, &history, "Gone history").await;
    for (site, (_, _, comment)) in [(&app.site, &main_gone), (&history, &history_gone)] {
        app.store
            .moderate_comment(site.id, *comment, Moderation::Trash, calendar::now())
            .await
            .unwrap();
    }
    assert_eq!(
        app.store
            .purge_trashed_comments(calendar::now() + 60)
            .await
            .unwrap(),
        2,
        "the trashed comments are purged"
    );
    for (post, reading, _) in [&main_gone, &history_gone] {
        delete_row(&app, "posts", post.id).await;
        delete_row(&app, "readings", reading.id).await;
    }
    for (site, (post, reading, comment), gone, others) in [
        (&app.site, &main_rows, &main_gone, &history_rows),
        (&history, &history_rows, &history_gone, &main_rows),
    ] {
        let root = site.root();
        let root = root.as_str();

        // The live rows answer, so a 404 below is about the id.
        for path in [
            format!("{root}/admin/posts/{}", post.id),
            format!("{root}/admin/posts/{}/revisions", post.id),
            format!("{root}/admin/readings/{}", reading.id),
            format!("{root}/admin/comments/{comment}"),
        ] {
            let status = staff.get(&app, &path).await.status();
            if status != StatusCode::OK {
                wrong.push(format!(
                    "GET {path}: expected 200 for a live row, got {status}"
                ));
            }
        }

        let never = 987_654_321;
        let post_ids = [never, gone.0.id, others.0.id];
        let reading_ids = [never, gone.1.id, others.1.id];
        let comment_ids = [never, gone.2, others.2];
        let mut requests: Vec<(&str, String, Fields<'_>)> = Vec::new();
        for id in post_ids {
            let base = format!("{root}/admin/posts/{id}");
            requests.push(("GET", base.clone(), vec![]));
            requests.push(("GET", format!("{base}/revisions"), vec![]));
            requests.push((
                "POST",
                base.clone(),
                vec![
                    ("csrf", csrf.clone()),
                    ("title", "Edited".into()),
                    ("body", "Text".into()),
                    ("status", "publish".into()),
                    ("version", "1".into()),
                    ("action", "save".into()),
                ],
            ));
            requests.push((
                "POST",
                format!("{base}/autosave"),
                vec![
                    ("csrf", csrf.clone()),
                    ("title", "Typed".into()),
                    ("body", "Typed text".into()),
                ],
            ));
            requests.push((
                "POST",
                format!("{base}/revisions/1"),
                vec![("csrf", csrf.clone()), ("version", "1".into())],
            ));
        }
        for id in reading_ids {
            let base = format!("{root}/admin/readings/{id}");
            requests.push(("GET", base.clone(), vec![]));
            requests.push((
                "POST",
                base,
                vec![
                    ("csrf", csrf.clone()),
                    ("title", "Edited".into()),
                    ("label", "Edited 2001".into()),
                    ("text", "Words.".into()),
                ],
            ));
        }
        for id in comment_ids {
            let base = format!("{root}/admin/comments/{id}");
            requests.push(("GET", base.clone(), vec![]));
            requests.push((
                "POST",
                base.clone(),
                vec![
                    ("csrf", csrf.clone()),
                    ("action", "reply".into()),
                    ("reply", "A reply from the dashboard.".into()),
                ],
            ));
            requests.push((
                "POST",
                base,
                vec![
                    ("csrf", csrf.clone()),
                    ("author", "Ada".into()),
                    ("email", "ada@example.org".into()),
                    ("text", "Corrected.".into()),
                ],
            ));
        }
        for (method, path, form) in &requests {
            let response = if *method == "GET" {
                staff.get(&app, path).await
            } else {
                staff.post_form(&app, path, form).await
            };
            let status = response.status();
            if status != StatusCode::NOT_FOUND {
                wrong.push(format!("{method} {path}: expected 404, got {status}"));
            }
        }

        // Moderating a comment that is not there (one button, or ticked) is no error.
        for id in [never, gone.2] {
            for form in [
                vec![("csrf", csrf.clone()), ("one", format!("approve:{id}"))],
                vec![
                    ("csrf", csrf.clone()),
                    ("action", "trash".into()),
                    ("ids", id.to_string()),
                ],
            ] {
                let path = format!("{root}/admin/comments");
                let status = staff.post_form(&app, &path, &form).await.status();
                if status.is_server_error() || !matches!(status.as_u16(), 303 | 404) {
                    wrong.push(format!(
                        "POST {path} {form:?}: expected 303 (or 404), got {status}"
                    ));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[tokio::test]
async fn the_queues_link_and_the_mails_read_and_reply_link_to_a_reading_comment_answer() {
    let app = spawn_app().await;
    let history = second_site(&app).await;
    set_on(&app, &history, "comment_flood_interval", "0").await;
    let instructor = member_of(&app, &history, Role::Administrator, "Ines Instructor").await;
    let reading = app
        .store
        .create_reading(
            history.id,
            &ReadingDetails {
                title: "The Long Telegram".into(),
                author: "George Kennan".into(),
                year: Some(1946),
                label: "Kennan 1946".into(),
                source: "[page 1]\nSoviet power is impervious to logic of reason.".into(),
                members_only: false,
            },
            calendar::now(),
        )
        .await
        .unwrap();
    let reading_address = format!("/hist-220/readings/{}/", reading.slug);
    let (status, page) = app.page(&reading_address).await;
    assert_eq!(status, StatusCode::OK);
    let discussion_id: i64 = attribute(&page, "#comment_post_ID", "value")
        .and_then(|id| id.parse().ok())
        .expect("the reading's discussion form");
    let discussion = app
        .store
        .post_by_id(history.id, discussion_id)
        .await
        .unwrap()
        .expect("the discussion's post");
    assert_eq!(
        discussion.author_id, instructor.user.id,
        "the instructor's discussion"
    );

    // Bo follows the discussion (and confirms); Ada's comment waits in the queue.
    let bo = visitor_comment(
        &app,
        &discussion,
        "Bo",
        "Following the telegram.",
        "198.51.100.1",
        true,
    )
    .await;
    let confirm = link_mailed(&app, &history, "bo@example.org", "/follow/confirm/").await;
    assert_eq!(
        app.press_button_of(&confirm).await.0,
        StatusCode::OK,
        "{confirm}"
    );
    let ada = visitor_comment(
        &app,
        &discussion,
        "Ada",
        "Reason has no grip here.",
        "198.51.100.2",
        false,
    )
    .await;

    let queue = instructor
        .get(&app, "/hist-220/admin/comments?status=pending")
        .await
        .text()
        .await
        .unwrap();
    for id in [bo, ada] {
        let in_response_to = attribute(&queue, &format!("#queued-{id} td:last-child a"), "href")
            .expect("the queue's “In response to” link");
        assert_eq!(in_response_to, reading_address, "comment {id}");
        let (status, _) = instructor_page(&app, &instructor, &in_response_to).await;
        assert_eq!(status, StatusCode::OK, "{in_response_to}");
    }

    approve_on_dashboard(&app, &instructor, ada).await;
    let expected = comment_address(&app, &history, &discussion, ada).await;
    assert_eq!(expected, format!("{reading_address}#comment-{ada}"));
    for recipient in [instructor.user.email.as_str(), "bo@example.org"] {
        let mail = mails_to(&app, &history, recipient)
            .await
            .into_iter()
            .find(|mail| mail.body.contains("Reason has no grip here."))
            .unwrap_or_else(|| panic!("no mail of Ada's comment to {recipient}"));
        let link = mail
            .body
            .lines()
            .find_map(|line| line.strip_prefix("Read and reply: "))
            .unwrap_or_else(|| panic!("no “Read and reply” link: {}", mail.body));
        assert_eq!(link, format!("{}{expected}", app.address), "to {recipient}");
        let path = link.trim_start_matches(app.address.as_str());
        let (status, page) = app.page(path).await;
        assert_eq!(status, StatusCode::OK, "{link}");
        assert!(
            page.contains(&format!("id=\"comment-{ada}\"")),
            "{link} shows the comment"
        );
    }
}

async fn instructor_page(app: &TestApp, member: &Member, path: &str) -> (StatusCode, String) {
    let response = member.get(app, path).await;
    (response.status(), response.text().await.unwrap())
}

#[tokio::test]
async fn approving_from_the_command_line_mails_the_author_and_the_followers_of_the_sub_site() {
    let app = spawn_app().await;
    let history = second_site(&app).await;
    set_on(&app, &history, "comment_flood_interval", "0").await;
    let post = app
        .publish_on(history.id, PostSpec::post("The Berlin Airlift"))
        .await;
    let writer = app.author().await.email;

    // Ada follows and confirms; Bo asks to follow but never confirms.
    visitor_comment(
        &app,
        &post,
        "Ada",
        "Following the airlift.",
        "198.51.100.1",
        true,
    )
    .await;
    let confirm = link_mailed(&app, &history, "ada@example.org", "/follow/confirm/").await;
    assert_eq!(app.press_button_of(&confirm).await.0, StatusCode::OK);
    visitor_comment(&app, &post, "Bo", "Me too, perhaps.", "198.51.100.2", true).await;
    let cy = visitor_comment(
        &app,
        &post,
        "Cy",
        "Candy bombers over Tempelhof.",
        "198.51.100.3",
        false,
    )
    .await;
    let before = outbox_of(&app, &history).await.len();

    let said = approve_from_command_line(&app, cy, &[]);
    assert_eq!(
        said,
        format!(
            "comment {cy} is now approved\n2 mails put in the outbox (the server delivers them)"
        )
    );
    assert_eq!(
        comment_by_id(&app, &history, cy).await.status,
        CommentStatus::Approved
    );
    let mails = outbox_of(&app, &history).await;
    let new: Vec<&OutboxMail> = mails.iter().take(mails.len() - before).collect();
    let recipients: BTreeSet<&str> = new.iter().map(|mail| mail.recipient.as_str()).collect();
    assert_eq!(
        recipients,
        BTreeSet::from([writer.as_str(), "ada@example.org"]),
        "the post's author and the confirmed follower"
    );
    let address = comment_address(&app, &history, &post, cy).await;
    assert!(address.starts_with("/hist-220/"), "{address}");
    assert!(address.ends_with(&format!("#comment-{cy}")), "{address}");
    for mail in &new {
        assert!(mail.body.contains("Candy bombers over Tempelhof."));
        assert!(
            mail.body
                .contains(&format!("Read and reply: {}{address}\n", app.address)),
            "to {}: {}",
            mail.recipient,
            mail.body
        );
        for link in server_addresses(&app, &mail.body) {
            assert!(link.starts_with("/hist-220/"), "{link} in {}", mail.body);
        }
    }
    assert!(
        new.iter()
            .find(|mail| mail.recipient == "ada@example.org")
            .is_some_and(|mail| mail.body.contains("/hist-220/follow/stop/")),
        "the follower can stop the mails"
    );

    // --no-mail approves and mails no one.
    let dee = visitor_comment(
        &app,
        &post,
        "Dee",
        "Quietly approved.",
        "198.51.100.4",
        false,
    )
    .await;
    let before = outbox_of(&app, &history).await.len();
    let said = approve_from_command_line(&app, dee, &["--no-mail"]);
    assert_eq!(
        said,
        format!("comment {dee} is now approved\nno mail sent (--no-mail)")
    );
    assert_eq!(
        comment_by_id(&app, &history, dee).await.status,
        CommentStatus::Approved
    );
    assert_eq!(outbox_of(&app, &history).await.len(), before, "no mail");
    assert_eq!(
        app.store.outbox(app.site.id, 500).await.unwrap().len(),
        0,
        "nor on the main site"
    );
}

/// A member's row of the participation table, inside a table of its own (a row alone does not parse as HTML).
fn participation_totals(page: &str, name: &str) -> Vec<String> {
    let row = select(page, "table.participation tbody tr")
        .into_iter()
        .map(|row| format!("<table>{row}</table>"))
        .find(|row| {
            texts(row, "th")
                .first()
                .is_some_and(|th| th.starts_with(name))
        })
        .unwrap_or_else(|| panic!("no row for {name}"));
    [".total-posts", ".total-comments", ".total-replies"]
        .iter()
        .map(|selector| texts(&row, selector).concat())
        .collect()
}

/// The posts, comments and replies received of a member's line of the gradebook CSV.
fn csv_totals(csv: &str, email: &str) -> Vec<String> {
    let line = csv
        .lines()
        .find(|line| line.contains(email))
        .unwrap_or_else(|| panic!("no line for {email}: {csv}"));
    let cells: Vec<&str> = line.split(',').collect();
    cells[cells.len() - 5..cells.len() - 2]
        .iter()
        .map(|cell| (*cell).to_owned())
        .collect()
}

#[tokio::test]
async fn one_discussion_through_three_doors_stores_mails_and_counts_alike() {
    let app = spawn_app().await;
    let history = second_site(&app).await;
    set_on(&app, &history, "comment_flood_interval", "0").await;
    set_on(&app, &history, "moderation_keys", "sesquipedalian").await;
    let post = app
        .publish_on(history.id, PostSpec::post("The Cuban Missile Crisis"))
        .await;
    let writer = app.author().await;
    let ana = member_of(&app, &history, Role::Author, "Ana Alves").await;
    let cy = member_of(&app, &history, Role::Author, "Cy Costa").await;
    let instructor = member_of(&app, &history, Role::Administrator, "Ines Instructor").await;
    let to_writer = || async { mails_to(&app, &history, &writer.email).await };
    let text = |words: &str| format!("{words}\n\nWith <em>emphasis</em> on the second paragraph.");

    // Door 1: the public form, as a signed-in student: approved at once.
    let ana_text = text("Thirteen days of brinkmanship.");
    let csrf = ana.csrf(&app).await;
    let sent = reply_on_site(
        &app,
        &ana.client,
        "198.51.100.11",
        &vec![
            ("comment", ana_text.clone()),
            ("post_id", post.id.to_string()),
            ("parent", "0".to_owned()),
            ("csrf", csrf),
        ],
    )
    .await;
    let ana_id = comment_id_of(&sent);
    assert_eq!(
        to_writer().await.len(),
        1,
        "the form's comment is mailed to the post's author"
    );

    // Door 2: the dashboard's reply box, as the instructor.
    let reply_text = text("Kennedy's quarantine was a blockade by another name.");
    let csrf = instructor.csrf(&app).await;
    let replied = instructor
        .client
        .post(app.url(&format!("/hist-220/admin/comments/{ana_id}")))
        .header("x-forwarded-for", "198.51.100.12")
        .form(&[
            ("csrf", csrf.as_str()),
            ("action", "reply"),
            ("reply", reply_text.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(replied.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        replied.headers()["location"],
        "/hist-220/admin/comments?done=reply&n=1"
    );
    let reply_id = app
        .store
        .list_comments(
            history.id,
            CommentFilter {
                status: None,
                post_id: Some(post.id),
            },
        )
        .await
        .unwrap()
        .into_iter()
        .find(|comment| comment.parent_id == Some(ana_id))
        .expect("the dashboard's reply")
        .id;
    assert_eq!(
        to_writer().await.len(),
        2,
        "the dashboard's reply is mailed to the post's author"
    );

    // Door 3: a student's comment held for a moderation word, approved from the command line.
    let cy_text = text("A sesquipedalian analysis of Khrushchev's letters.");
    let csrf = cy.csrf(&app).await;
    let sent = reply_on_site(
        &app,
        &cy.client,
        "198.51.100.13",
        &vec![
            ("comment", cy_text.clone()),
            ("post_id", post.id.to_string()),
            ("parent", "0".to_owned()),
            ("csrf", csrf),
        ],
    )
    .await;
    let cy_id = comment_id_of(&sent);
    assert_eq!(
        comment_by_id(&app, &history, cy_id).await.status,
        CommentStatus::Pending
    );
    assert_eq!(
        to_writer().await.len(),
        2,
        "nothing to the author while held"
    );
    assert_eq!(
        approve_from_command_line(&app, cy_id, &[]),
        format!(
            "comment {cy_id} is now approved\n1 mail put in the outbox (the server delivers it)"
        )
    );
    let mails = to_writer().await;
    assert_eq!(
        mails.len(),
        3,
        "the command line's approval is mailed to the post's author"
    );

    // The same stored shape through each door.
    for (id, member, ip, written) in [
        (ana_id, &ana, "198.51.100.11", &ana_text),
        (reply_id, &instructor, "198.51.100.12", &reply_text),
        (cy_id, &cy, "198.51.100.13", &cy_text),
    ] {
        let stored = comment_by_id(&app, &history, id).await;
        let door = format!("comment {id} by {}", member.user.name);
        assert_eq!(stored.user_id, Some(member.user.id), "{door}");
        assert_eq!(stored.author_name, member.user.name, "{door}");
        assert_eq!(stored.author_email, member.user.email, "{door}");
        assert_eq!(stored.author_ip, ip, "{door}");
        assert_eq!(stored.status, CommentStatus::Approved, "{door}");
        assert_eq!(&stored.content, written, "{door}");
        assert_eq!(
            stored.content_html.as_str(),
            markup::comment_to_html(written).as_str(),
            "{door}"
        );
        assert!(!stored.is_private, "{door}");
    }

    // The same kind of mail through each door: to the post's author, about the comment, with its address on
    // the second site.
    for (id, member, written) in [
        (ana_id, &ana, &ana_text),
        (reply_id, &instructor, &reply_text),
        (cy_id, &cy, &cy_text),
    ] {
        let address = comment_address(&app, &history, &post, id).await;
        assert!(address.starts_with("/hist-220/"), "{address}");
        let mail = mails
            .iter()
            .find(|mail| mail.body.contains(&format!("#comment-{id}")))
            .unwrap_or_else(|| panic!("no mail of comment {id}"));
        assert_eq!(
            mail.subject,
            "[HIST 220] New comment on “The Cuban Missile Crisis”"
        );
        assert_eq!(
            mail.body,
            format!(
                "{} commented on your post “The Cuban Missile Crisis”:\n\n{written}\n\nRead and reply: {}{address}\n",
                member.user.name, app.address
            )
        );
    }

    // The same counts: each door's comment is one comment, each answer one reply received.
    let report = instructor
        .get(&app, "/hist-220/admin/participation")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(participation_totals(&report, "Ana Alves"), ["0", "1", "1"]);
    assert_eq!(participation_totals(&report, "Cy Costa"), ["0", "1", "0"]);
    assert_eq!(
        participation_totals(&report, "Ines Instructor"),
        ["0", "1", "0"]
    );
    assert_eq!(
        participation_totals(&report, "Wren Writer"),
        ["1", "0", "2"]
    );
    let csv = instructor
        .get(&app, "/hist-220/admin/participation.csv")
        .await;
    assert_eq!(csv.status(), StatusCode::OK);
    let csv = csv.text().await.unwrap();
    assert_eq!(csv_totals(&csv, &ana.user.email), ["0", "1", "1"]);
    assert_eq!(csv_totals(&csv, &cy.user.email), ["0", "1", "0"]);
    assert_eq!(csv_totals(&csv, &writer.email), ["1", "0", "2"]);
    assert!(
        !csv.contains(&instructor.user.email),
        "staff are not in the gradebook"
    );
}

/// Runs one statement on the test database behind the server's back; how many rows it touched.
pub(crate) async fn execute_sql(app: &TestApp, sql: &str) -> u64 {
    if app.database_url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(&app.database_url).await.unwrap();
        let done = sqlx::query(sql).execute(&pool).await.unwrap();
        pool.close().await;
        done.rows_affected()
    } else {
        let pool = sqlx::SqlitePool::connect(&app.database_url).await.unwrap();
        let done = sqlx::query(sql).execute(&pool).await.unwrap();
        pool.close().await;
        done.rows_affected()
    }
}

#[tokio::test]
async fn links_that_worked_only_through_the_old_rewriter_are_put_under_the_sites_root_once_as_a_revision()
 {
    let app = spawn_app().await;
    let site = second_site(&app).await;
    let post = app
        .publish_on(
            site.id,
            PostSpec {
                body: "See [week one](/2026/01/05/week-1/), [our page](/hist-220/syllabus/) and \
                       [the CDN](//cdn.example/x).",
                ..PostSpec::post("Old links")
            },
        )
        .await;
    let main_post = app
        .publish(PostSpec {
            body: "The [welcome page](/welcome/) of the main site.",
            ..PostSpec::post("Main links")
        })
        .await;
    let revisions_before = app.store.revisions(site.id, post.id).await.unwrap().len();
    // The database as it was before this version: the upgrade not yet done.
    assert_eq!(
        execute_sql(
            &app,
            "DELETE FROM data_upgrades WHERE name = 'root-relative-links'"
        )
        .await,
        1,
        "every database built by this version has the upgrade done"
    );

    let said = stdout(&colloquy(&app, &["migrate"], ""));
    assert!(
        said.contains("1 links in 1 posts and 0 readings of sites other than the main one"),
        "{said}"
    );
    let upgraded = app
        .store
        .post_by_id(site.id, post.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        upgraded.source,
        "See [week one](/hist-220/2026/01/05/week-1/), [our page](/hist-220/syllabus/) and \
         [the CDN](//cdn.example/x)."
    );
    let page = app
        .get(&address_of(&app, &site, Target::Post(&upgraded)).await)
        .await;
    let page = page.text().await.unwrap();
    assert!(
        page.contains("href=\"/hist-220/2026/01/05/week-1/\""),
        "{page}"
    );
    assert!(page.contains("href=\"//cdn.example/x\""));
    let revisions = app.store.revisions(site.id, post.id).await.unwrap();
    assert_eq!(
        revisions.len(),
        revisions_before + 1,
        "a revision to undo it"
    );
    assert_eq!(revisions[0].source, upgraded.source);
    assert_eq!(revisions[1].source, post.source, "the earlier text is kept");
    let untouched = app
        .store
        .post_by_id(app.site.id, main_post.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        untouched.source, main_post.source,
        "the main site's links stay"
    );

    let again = stdout(&colloquy(&app, &["migrate"], ""));
    assert!(!again.contains("links in"), "done once: {again}");
    assert_eq!(
        app.store.revisions(site.id, post.id).await.unwrap().len(),
        revisions_before + 1
    );
}

#[tokio::test]
async fn a_follow_link_works_on_its_own_site_only() {
    let app = spawn_app().await;
    let site = second_site(&app).await;
    let main_post = app.publish(PostSpec::post("Main discussion")).await;
    let hist_post = app
        .publish_on(site.id, PostSpec::post("History discussion"))
        .await;
    for (site_id, post_id, token) in [
        (app.site.id, main_post.id, "main-follow-token"),
        (site.id, hist_post.id, "hist-follow-token"),
    ] {
        app.store
            .follow(
                site_id,
                post_id,
                "reader@example.org",
                token,
                false,
                calendar::now(),
            )
            .await
            .unwrap();
    }

    let crossed = app.get("/hist-220/follow/confirm/main-follow-token").await;
    assert_eq!(crossed.status(), StatusCode::NOT_FOUND);
    let crossed = app
        .press_button_of("/hist-220/follow/confirm/main-follow-token")
        .await;
    assert_eq!(crossed.0, StatusCode::NOT_FOUND);
    let crossed = app.get("/follow/stop/hist-follow-token").await;
    let said = crossed.text().await.unwrap();
    assert!(
        !said.contains("reader@example.org"),
        "another site's link ends nothing here: {said}"
    );
    let audience = app
        .store
        .audience(hist_post.id, None, "someone@example.org")
        .await
        .unwrap();
    assert!(
        audience.followers.is_empty(),
        "not confirmed from the other site"
    );

    let (status, page) = app
        .press_button_of("/hist-220/follow/confirm/hist-follow-token")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("History discussion"), "its own title");
    let stopped = app.get("/hist-220/follow/stop/hist-follow-token").await;
    assert_eq!(stopped.status(), StatusCode::OK);
    assert!(stopped.text().await.unwrap().contains("History discussion"));
    let main_confirmed = app
        .press_button_of("/follow/confirm/main-follow-token")
        .await;
    assert_eq!(main_confirmed.0, StatusCode::OK);
}

#[tokio::test]
async fn the_servers_robots_txt_speaks_for_every_site() {
    let app = spawn_app().await;
    let history = second_site(&app).await;
    let seminar = app
        .store
        .create_site("seminar", "Seminar", calendar::now())
        .await
        .unwrap();
    set_on(&app, &seminar, "visibility", "members").await;
    let robots = app.page("/robots.txt").await.1;
    assert!(robots.contains("Disallow: /seminar/\n"), "{robots}");
    assert!(
        robots.contains(&format!("Sitemap: {}/hist-220/sitemap.xml\n", app.address)),
        "{robots}"
    );
    assert!(robots.contains(&format!("Sitemap: {}/sitemap.xml\n", app.address)));
    assert!(
        !robots.contains("Disallow: /\n"),
        "the main site is public: {robots}"
    );

    app.set("visibility", "hidden").await;
    let robots = app.page("/robots.txt").await.1;
    assert!(robots.contains("Disallow: /\n"), "{robots}");
    assert!(robots.contains("Allow: /hist-220/\n"), "{robots}");
    assert!(!robots.contains("Allow: /seminar/"), "{robots}");
    let _ = history;
}

#[tokio::test]
async fn a_short_link_without_its_slash_keeps_its_question() {
    let app = spawn_app().await;
    second_site(&app).await;
    let response = app.get("/hist-220?p=9").await;
    assert_eq!(response.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(response.headers()[header::LOCATION], "/hist-220/?p=9");
}

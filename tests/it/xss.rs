//! Known XSS payloads (`tests/data/xss-payloads.txt`, 250 of them) through every field a visitor or student
//! controls — comment, name, website, post title, body, excerpt, category and tag names, search terms, the join
//! form, the live preview, a WordPress import — and then every page, feed and JSON answer that shows them is read
//! as a browser would parse it: no script but ours, no event handler, no `javascript:` (or `vbscript:`,
//! `data:text/html`) address, no frame, object, embed, base, meta refresh or style element survives.

use std::process::Command;

use colloquy::{domain::user::Role, web::static_files};
use reqwest::StatusCode;
use scraper::Html;

use crate::properties::executable_markup;

use crate::helpers::{Member, TestApp, client, spawn_app};

fn payloads() -> Vec<String> {
    let text = include_str!("../data/xss-payloads.txt");
    let mut records: Vec<String> = text.split("\n----\n").map(str::to_owned).collect();
    if let Some(first) = records.first_mut() {
        *first = first
            .lines()
            .skip_while(|line| line.starts_with("# "))
            .collect::<Vec<_>>()
            .join("\n");
    }
    records
        .into_iter()
        .map(|record| record.trim_end_matches('\n').to_owned())
        .filter(|record| !record.is_empty())
        .collect()
}

/// The HTML inside a feed's items: RSS description and content:encoded; Atom content and summary unless they
/// say they are plain text.
fn feed_html(xml: &str) -> Vec<String> {
    let mut html = Vec::new();
    if let Ok(feed) = xml.parse::<atom_syndication::Feed>() {
        for entry in feed.entries() {
            html.extend(
                entry
                    .content()
                    .filter(|content| content.content_type() != Some("text"))
                    .and_then(|content| content.value().map(str::to_owned)),
            );
            html.extend(
                entry
                    .summary()
                    .filter(|summary| summary.r#type != atom_syndication::TextType::Text)
                    .map(|summary| summary.value.clone()),
            );
        }
    } else if let Ok(channel) = rss::Channel::read_from(xml.as_bytes()) {
        for item in channel.items() {
            html.extend(item.description().map(str::to_owned));
            html.extend(item.content().map(str::to_owned));
        }
    } else {
        panic!("neither Atom nor RSS: {xml:.300}");
    }
    html
}

/// Every finding on one answer, labelled with where it came from.
struct Findings(Vec<String>);

impl Findings {
    fn check_html(&mut self, what: &str, html: &str) {
        for finding in executable_markup(html) {
            self.0.push(format!("{what}: {finding}"));
        }
    }

    async fn check_page(&mut self, client: &reqwest::Client, app: &TestApp, path: &str) -> String {
        let response = client.get(app.url(path)).send().await.unwrap();
        assert!(
            response.status().is_success() || response.status().is_redirection(),
            "{path}: {}",
            response.status()
        );
        let body = response.text().await.unwrap();
        self.check_html(path, &body);
        body
    }

    async fn check_feed(&mut self, app: &TestApp, path: &str) {
        let response = client().get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let xml = response.text().await.unwrap();
        for (index, html) in feed_html(&xml).iter().enumerate() {
            self.check_html(&format!("{path} item {index}"), html);
        }
    }

    async fn check_answer(&mut self, what: &str, response: reqwest::Response) {
        assert!(
            !response.status().is_server_error(),
            "{what}: {}",
            response.status()
        );
        let json = response
            .headers()
            .get("content-type")
            .is_some_and(|value| value.to_str().unwrap_or("").starts_with("application/json"));
        assert_eq!(
            response.headers()["x-content-type-options"],
            "nosniff",
            "{what}"
        );
        let body = response.text().await.unwrap();
        if !json {
            self.check_html(what, &body);
        }
    }
}

fn links(html: &str, selector: &str) -> Vec<String> {
    let document = Html::parse_document(html);
    let selector = scraper::Selector::parse(selector).unwrap();
    document
        .select(&selector)
        .filter_map(|element| element.value().attr("href").map(str::to_owned))
        .collect()
}

fn cdata(text: &str) -> String {
    format!("<![CDATA[{}]]>", text.replace("]]>", "]]]]><![CDATA[>"))
}

fn xml_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .chars()
        .filter(|ch| !ch.is_control() || matches!(ch, '\n' | '\t'))
        .collect()
}

/// A WordPress export whose every text field is a payload.
fn hostile_export(payloads: &[String]) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<rss version=\"2.0\" \
         xmlns:excerpt=\"http://wordpress.org/export/1.2/excerpt/\" \
         xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:wp=\"http://wordpress.org/export/1.2/\">\n<channel>\n\
         <title>Hostile</title><link>https://old.example.edu</link><wp:wxr_version>1.2</wp:wxr_version>\n\
         <wp:base_site_url>https://old.example.edu</wp:base_site_url><wp:base_blog_url>https://old.example.edu</wp:base_blog_url>\n",
    );
    xml.push_str(&format!(
        "<wp:author><wp:author_id>1</wp:author_id><wp:author_login>{}</wp:author_login><wp:author_email>hostile@old.example.edu</wp:author_email><wp:author_display_name>{}</wp:author_display_name></wp:author>\n",
        cdata("hostile"),
        cdata(&payloads[0])
    ));
    for (index, chunk) in payloads.chunks(8).enumerate() {
        let id = 1000 + index;
        let at = |n: usize| chunk[n % chunk.len()].as_str();
        let mut comments = String::new();
        for (n, payload) in chunk.iter().enumerate() {
            comments.push_str(&format!(
                "<wp:comment><wp:comment_id>{cid}</wp:comment_id><wp:comment_author>{author}</wp:comment_author>\
                 <wp:comment_author_email>c{cid}@old.example.edu</wp:comment_author_email>\
                 <wp:comment_author_url>{url}</wp:comment_author_url><wp:comment_author_IP>203.0.113.9</wp:comment_author_IP>\
                 <wp:comment_date>2019-09-05 09:00:00</wp:comment_date><wp:comment_date_gmt>2019-09-05 13:00:00</wp:comment_date_gmt>\
                 <wp:comment_content>{content}</wp:comment_content><wp:comment_approved>1</wp:comment_approved>\
                 <wp:comment_type>comment</wp:comment_type><wp:comment_parent>0</wp:comment_parent></wp:comment>\n",
                cid = id * 100 + n,
                author = cdata(payload),
                url = cdata(payload),
                content = cdata(payload),
            ));
        }
        xml.push_str(&format!(
            "<item><title>{title}</title><link>https://old.example.edu/?p={id}</link>\
             <pubDate>Tue, 03 Sep 2019 14:05:00 +0000</pubDate><dc:creator>{creator}</dc:creator>\
             <guid isPermaLink=\"false\">https://old.example.edu/?p={id}</guid><description></description>\
             <content:encoded>{content}</content:encoded><excerpt:encoded>{excerpt}</excerpt:encoded>\
             <wp:post_id>{id}</wp:post_id><wp:post_date>2019-09-03 10:05:00</wp:post_date>\
             <wp:post_date_gmt>2019-09-03 14:05:00</wp:post_date_gmt><wp:comment_status>open</wp:comment_status>\
             <wp:post_name>hostile-{id}</wp:post_name><wp:status>publish</wp:status><wp:post_parent>0</wp:post_parent>\
             <wp:post_type>post</wp:post_type>\
             <category domain=\"category\" nicename=\"hostile-{id}\">{category}</category>\
             <category domain=\"post_tag\" nicename=\"hostile-tag-{id}\">{tag}</category>\n{comments}</item>\n",
            title = xml_text(at(0)),
            creator = cdata("hostile"),
            content = cdata(&chunk.join("\n\n")),
            excerpt = cdata(at(1)),
            category = cdata(at(2)),
            tag = cdata(at(3)),
        ));
    }
    xml.push_str("</channel>\n</rss>\n");
    xml
}

fn field(form: &mut [(&'static str, String)], name: &str, value: &str) {
    for (key, current) in form.iter_mut() {
        if *key == name {
            *current = value.to_owned();
        }
    }
}

#[tokio::test]
async fn no_known_xss_payload_survives_as_executable_markup_anywhere() {
    let payloads = payloads();
    assert!(payloads.len() >= 200, "{} payloads", payloads.len());
    assert!(
        executable_markup(&format!(
            "<script src=\"{}\"></script><p>text</p>",
            static_files::href("colloquy.js")
        ))
        .is_empty()
    );
    assert_eq!(
        executable_markup("<img src=x onerror=alert(1)><a href=' jav&#x09;ascript:alert(1)'>x</a>")
            .len(),
        2,
        "the checker sees what a browser would run"
    );

    let app = spawn_app().await;
    app.set("comment_previously_approved", "off").await;
    app.set("comment_flood_interval", "0").await;
    app.set("comment_max_links", "100").await;
    let student = app.sign_in_as(Role::Author).await;
    let staff = app.sign_in_as(Role::Administrator).await;
    let mut findings = Findings(Vec::new());

    // A student's posts: title, body, excerpt, categories and tags, through the editor's form.
    let csrf = student.csrf(&app).await;
    let mut post_ids = Vec::new();
    for chunk in payloads.chunks(10) {
        let at = |n: usize| chunk[n % chunk.len()].clone();
        let form = vec![
            ("csrf", csrf.clone()),
            ("title", at(0)),
            ("body", chunk.join("\n\n")),
            ("excerpt", at(1)),
            ("new_categories", format!("{}, {}", at(2), at(3))),
            ("tags", format!("{}, {}", at(4), at(5))),
            ("status", "publish".into()),
            ("date", String::new()),
            ("comments_open", "on".into()),
            ("action", "save".into()),
        ];
        let saved = student.post_form(&app, "/admin/posts/new", &form).await;
        match saved.status() {
            StatusCode::SEE_OTHER => {
                let location = saved.headers()["location"].to_str().unwrap().to_owned();
                let id: i64 = location
                    .trim_start_matches("/admin/posts/")
                    .split('?')
                    .next()
                    .unwrap()
                    .parse()
                    .unwrap();
                post_ids.push(id);
            }
            _ => {
                findings
                    .check_answer(&format!("saving {}", at(0)), saved)
                    .await
            }
        }
        let preview = student
            .post_form(
                &app,
                "/admin/preview",
                &[
                    ("csrf", csrf.as_str()),
                    ("body", chunk.join("\n\n").as_str()),
                ],
            )
            .await;
        findings.check_answer("the live preview", preview).await;
        let autosave = student
            .post_form(
                &app,
                "/admin/posts/new/autosave",
                &[
                    ("csrf", csrf.as_str()),
                    ("title", at(6).as_str()),
                    ("body", at(7).as_str()),
                ],
            )
            .await;
        findings.check_answer("an autosave", autosave).await;
    }
    assert!(post_ids.len() > payloads.len() / 20, "most posts saved");

    // Visitors' comments: text, name and website, each payload once; a refused website shows the form again.
    let posts: Vec<_> = {
        let mut posts = Vec::new();
        for id in &post_ids {
            posts.push(
                app.store
                    .post_by_id(app.site.id, *id)
                    .await
                    .unwrap()
                    .unwrap(),
            );
        }
        posts
    };
    for (n, payload) in payloads.iter().enumerate() {
        let post = &posts[n % posts.len()];
        let address = format!("198.51.{}.{}", 100 + n / 250, n % 250 + 1);
        let mut fields = TestApp::reply_fields(post, "Visitor", payload);
        field(&mut fields, "author", payload);
        field(&mut fields, "email", &format!("visitor{n}@example.org"));
        field(&mut fields, "url", payload);
        let answer = app.leave_reply(&address, &fields).await;
        if answer.status() != StatusCode::SEE_OTHER {
            findings
                .check_answer(
                    &format!("the comment form sent back for {payload:?}"),
                    answer,
                )
                .await;
            field(&mut fields, "url", "");
            let again = app.leave_reply(&address, &fields).await;
            if again.status() != StatusCode::SEE_OTHER {
                findings
                    .check_answer(
                        &format!("the comment form sent back for {payload:?}"),
                        again,
                    )
                    .await;
            }
        }
    }

    // Search terms and the join form.
    let code = app
        .store
        .join_code(app.site.id, || "xss-join".into())
        .await
        .unwrap();
    for payload in &payloads {
        let search = client()
            .get(app.url(&format!(
                "/search/?{}",
                serde_urlencoded::to_string([("q", payload)]).unwrap()
            )))
            .send()
            .await
            .unwrap();
        findings.check_answer("search results", search).await;
        let join = client()
            .post(app.url(&format!("/join/{code}")))
            .form(&[("name", payload.as_str()), ("email", "not an email")])
            .send()
            .await
            .unwrap();
        findings.check_answer("the join form sent back", join).await;
    }
    for (n, payload) in payloads.iter().take(3).enumerate() {
        let joined = app
            .join_with(
                &client(),
                app.site.id,
                &format!("/join/{code}"),
                [
                    payload,
                    &format!("joiner{n}@example.edu"),
                    "a long enough password",
                ],
            )
            .await;
        assert_eq!(joined.status(), StatusCode::SEE_OTHER, "{payload}");
    }

    // A WordPress export whose every field is hostile.
    let folder = tempfile::tempdir().unwrap();
    let export = folder.path().join("hostile.xml");
    std::fs::write(&export, hostile_export(&payloads)).unwrap();
    let imported = Command::new(env!("CARGO_BIN_EXE_colloquy"))
        .args(["--database-url", &app.database_url, "import", "wxr"])
        .arg(&export)
        .output()
        .unwrap();
    assert!(
        imported.status.success(),
        "{}{}",
        String::from_utf8_lossy(&imported.stdout),
        String::from_utf8_lossy(&imported.stderr)
    );

    // Every page that shows them, to strangers and to staff, and every feed.
    let stranger = client();
    let mut pages = vec!["/".to_owned()];
    let mut seen = std::collections::HashSet::new();
    let mut archives = Vec::new();
    while let Some(path) = pages.pop() {
        if !seen.insert(path.clone()) {
            continue;
        }
        let body = findings.check_page(&stranger, &app, &path).await;
        for link in links(
            &body,
            "h2.entry-title a, .pagination a, .comment-navigation a",
        ) {
            pages.push(link);
        }
        archives.extend(links(
            &body,
            "a[rel~=category], a[rel~=tag], .entry-meta a.author, .entry-meta a[href^='/author/']",
        ));
    }
    let post_pages = seen.len();
    assert!(post_pages > posts.len(), "{post_pages} pages read");
    for archive in archives.iter().collect::<std::collections::BTreeSet<_>>() {
        findings.check_page(&stranger, &app, archive).await;
        if archive.starts_with("/category/") || archive.starts_with("/tag/") {
            findings.check_feed(&app, &format!("{archive}feed/")).await;
        }
    }
    for feed in [
        "/feed/",
        "/feed/atom/",
        "/comments/feed/",
        "/comments/feed/atom/",
    ] {
        findings.check_feed(&app, feed).await;
    }
    for post in &posts {
        let permalink = app.permalink(post);
        findings
            .check_feed(&app, &format!("{permalink}feed/"))
            .await;
        findings
            .check_page(&student.client, &app, &format!("/admin/posts/{}", post.id))
            .await;
    }
    check_staff_pages(&mut findings, &app, &staff).await;

    assert!(
        findings.0.is_empty(),
        "{} findings:\n{}",
        findings.0.len(),
        findings.0.join("\n")
    );
}

async fn check_staff_pages(findings: &mut Findings, app: &TestApp, staff: &Member) {
    let mut queue = vec!["/admin/comments?status=all".to_owned()];
    let mut seen = std::collections::HashSet::new();
    while let Some(path) = queue.pop() {
        if !seen.insert(path.clone()) {
            continue;
        }
        let body = findings.check_page(&staff.client, app, &path).await;
        queue.extend(links(&body, ".pagination a"));
    }
    for path in [
        "/admin/",
        "/admin/posts",
        "/admin/members",
        "/admin/categories",
        "/admin/comments",
    ] {
        findings.check_page(&staff.client, app, path).await;
    }
}

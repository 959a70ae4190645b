//! Reading the blog: home, posts, pages, archives, WordPress short links and redirects (PRODUCT.md §3, §4).

use colloquy::domain::post::{PostKind, PostStatus};
use reqwest::StatusCode;

use crate::helpers::{PostSpec, attribute, select, spawn_app, spawn_app_with, texts};

fn location(response: &reqwest::Response) -> String {
    response.headers()["location"]
        .to_str()
        .expect("a location")
        .to_owned()
}

#[tokio::test]
async fn the_home_page_lists_published_posts_newest_first_ten_a_page() {
    let app = spawn_app().await;
    let now = colloquy::domain::calendar::now();
    for day in 0..12 {
        let title = format!("Week {day} notes");
        app.publish(PostSpec {
            published_at: now - 86_400 * (12 - day),
            ..PostSpec::post(&title)
        })
        .await;
    }
    app.publish(PostSpec {
        status: PostStatus::Draft,
        ..PostSpec::post("A draft nobody sees")
    })
    .await;

    let (status, home) = app.page("/").await;
    assert_eq!(status, StatusCode::OK);
    let titles = texts(&home, "article h2.entry-title");
    assert_eq!(titles.len(), 10);
    assert_eq!(titles[0], "Week 11 notes");
    assert!(!home.contains("A draft nobody sees"));
    assert_eq!(
        attribute(&home, ".pagination a.older", "href").as_deref(),
        Some("/page/2/")
    );

    let (status, second) = app.page("/page/2/").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        texts(&second, "article h2.entry-title"),
        ["Week 1 notes", "Week 0 notes"]
    );
    assert_eq!(
        attribute(&second, ".pagination a.newer", "href").as_deref(),
        Some("/")
    );

    assert_eq!(app.page("/page/3/").await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.page("/page/0/").await.0, StatusCode::NOT_FOUND);
    let first = app.get("/page/1/").await;
    assert_eq!(first.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(location(&first), "/");
}

#[tokio::test]
async fn a_post_page_has_one_h1_the_rendered_body_and_the_footer_line() {
    let app = spawn_app().await;
    let post = app
        .publish(PostSpec {
            body: "Intro with a table:\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n~~gone~~ and a note[^1].\n\n[^1]: The note.\n\n<script>alert('x')</script>",
            categories: vec!["Reading responses".into(), "Week 1".into()],
            tags: vec!["Kennan".into()],
            ..PostSpec::post("Containment as genre")
        })
        .await;
    let (status, page) = app.page(&app.permalink(&post)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(texts(&page, "h1"), ["Containment as genre"]);
    assert_eq!(select(&page, ".entry-content table").len(), 1);
    assert_eq!(texts(&page, ".entry-content del"), ["gone"]);
    assert_eq!(select(&page, ".entry-content .footnote").len(), 1);
    assert!(!page.contains("<script>alert"), "scripts never survive");
    let footer = texts(&page, ".entry-footer p").join("");
    assert_eq!(
        footer,
        "This entry was posted in Reading responses, Week 1 and tagged Kennan. Bookmark the permalink."
    );
    assert_eq!(
        attribute(&page, ".entry-footer a[rel=bookmark]", "href"),
        Some(app.permalink(&post))
    );
    assert_eq!(
        attribute(&page, ".entry-footer a[rel='category tag']", "href").as_deref(),
        Some("/category/reading-responses/")
    );
    assert!(page.contains("Leave a Reply"));
    assert!(page.contains("Your email address will not be published."));
    assert!(page.contains("Required fields are marked"));
    for label in ["comment", "author", "email"] {
        let text = texts(&page, &format!("label[for={label}]")).join("");
        assert!(text.ends_with('*'), "{label} is marked required: {text}");
    }
    assert!(texts(&page, "label[for=url]").join("").ends_with("Website"));
    let remember = texts(&page, "label[for=wp-comment-cookies-consent]").join("");
    assert_eq!(
        remember,
        "Save my name, email, and website in this browser for the next time I comment."
    );
    assert_eq!(
        attribute(&page, "#wp-comment-cookies-consent", "checked"),
        None,
        "off by default"
    );
    assert_eq!(
        select(&page, "h2.comments-title").len(),
        0,
        "no heading without comments"
    );
}

#[tokio::test]
async fn a_post_without_tags_says_only_its_categories() {
    let app = spawn_app().await;
    let post = app.publish_post("Plain post").await;
    let (_, page) = app.page(&app.permalink(&post)).await;
    assert_eq!(
        texts(&page, ".entry-footer p").join(""),
        "This entry was posted in Uncategorized. Bookmark the permalink."
    );
}

#[tokio::test]
async fn previous_and_next_link_neighbouring_posts() {
    let app = spawn_app().await;
    let now = colloquy::domain::calendar::now();
    let first = app
        .publish(PostSpec {
            published_at: now - 300,
            ..PostSpec::post("First")
        })
        .await;
    let middle = app
        .publish(PostSpec {
            published_at: now - 200,
            ..PostSpec::post("Middle")
        })
        .await;
    let last = app
        .publish(PostSpec {
            published_at: now - 100,
            ..PostSpec::post("Last")
        })
        .await;
    let (_, page) = app.page(&app.permalink(&middle)).await;
    assert_eq!(
        attribute(&page, "a[rel=prev]", "href"),
        Some(app.permalink(&first))
    );
    assert_eq!(
        attribute(&page, "a[rel=next]", "href"),
        Some(app.permalink(&last))
    );
    let (_, page) = app.page(&app.permalink(&last)).await;
    assert_eq!(select(&page, "a[rel=next]").len(), 0);
}

#[tokio::test]
async fn wordpress_short_links_and_wrong_dates_redirect_to_the_permalink() {
    let app = spawn_app().await;
    let post = app
        .publish(PostSpec {
            categories: vec!["News".into()],
            ..PostSpec::post("Short links")
        })
        .await;
    let page = app.publish(PostSpec::page("Syllabus")).await;
    let draft = app
        .publish(PostSpec {
            status: PostStatus::Draft,
            ..PostSpec::post("Unfinished")
        })
        .await;

    let response = app.get(&format!("/?p={}", post.id)).await;
    assert_eq!(response.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(location(&response), app.permalink(&post));
    let response = app.get(&format!("/?page_id={}", page.id)).await;
    assert_eq!(location(&response), "/syllabus/");
    let categories = app.store.categories(app.site.id).await.expect("categories");
    let news = categories
        .iter()
        .find(|term| term.name == "News")
        .expect("News");
    assert_eq!(
        location(&app.get(&format!("/?cat={}", news.id)).await),
        "/category/news/"
    );

    assert_eq!(
        app.get(&format!("/?p={}", draft.id)).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.get("/?p=999999").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get("/?p=abc").await.status(), StatusCode::NOT_FOUND);

    let wrong_date = app.get(&format!("/2001/01/01/{}/", post.slug)).await;
    assert_eq!(wrong_date.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(location(&wrong_date), app.permalink(&post));
    let no_slash = app.get(app.permalink(&post).trim_end_matches('/')).await;
    assert_eq!(location(&no_slash), app.permalink(&post));
}

#[tokio::test]
async fn a_changed_slug_keeps_its_old_address_as_a_redirect() {
    let app = spawn_app().await;
    let post = app.publish_post("Old title").await;
    let old = app.permalink(&post);
    let moved = app
        .store
        .change_slug(
            app.site.id,
            post.id,
            "new-title",
            colloquy::domain::calendar::now(),
        )
        .await
        .expect("rename");
    let response = app.get(&old).await;
    assert_eq!(response.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(location(&response), app.permalink(&moved));
    assert_eq!(app.page(&app.permalink(&moved)).await.0, StatusCode::OK);
}

#[tokio::test]
async fn static_pages_nest_under_their_parents() {
    let app = spawn_app().await;
    let syllabus = app.publish(PostSpec::page("Syllabus")).await;
    let grading = app
        .publish(PostSpec {
            parent_id: Some(syllabus.id),
            ..PostSpec::page("Grading")
        })
        .await;
    let (status, page) = app.page("/syllabus/grading/").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(texts(&page, "h1"), ["Grading"]);
    assert_eq!(
        select(&page, "#commentform").len(),
        0,
        "pages are closed to comments by default"
    );
    assert_eq!(select(&page, ".entry-footer").len(), 0);
    let (_, home) = app.page("/").await;
    assert_eq!(
        attribute(&home, ".site-nav a[href='/syllabus/']", "href").as_deref(),
        Some("/syllabus/")
    );
    let misplaced = app.get("/grading/").await;
    assert_eq!(misplaced.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(location(&misplaced), "/syllabus/grading/");
    assert_eq!(grading.kind, PostKind::Page);
    assert_eq!(
        app.page("/syllabus/nothing-here/").await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn category_tag_author_and_date_archives_list_their_posts() {
    let app = spawn_app().await;
    let in_2025 =
        colloquy::domain::calendar::parse_rfc3339("2025-03-14T12:00:00Z").expect("a date");
    let tagged = app
        .publish(PostSpec {
            categories: vec!["Responses".into()],
            tags: vec!["Week 3".into()],
            published_at: in_2025,
            ..PostSpec::post("Pi day response")
        })
        .await;
    app.publish(PostSpec {
        categories: vec!["Announcements".into()],
        ..PostSpec::post("Office hours")
    })
    .await;

    let (status, category) = app.page("/category/responses/").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(texts(&category, "h1"), ["Category: Responses"]);
    assert_eq!(texts(&category, "h2.entry-title"), ["Pi day response"]);
    assert_eq!(
        texts(&app.page("/tag/week-3/").await.1, "h2.entry-title"),
        ["Pi day response"]
    );
    assert_eq!(
        texts(&app.page("/author/wren-writer/").await.1, "h2.entry-title").len(),
        2
    );
    assert_eq!(
        texts(&app.page("/2025/").await.1, "h2.entry-title"),
        ["Pi day response"]
    );
    assert_eq!(
        texts(&app.page("/2025/03/").await.1, "h1"),
        ["Month: March 2025"]
    );
    assert_eq!(
        texts(&app.page("/2025/03/14/").await.1, "h2.entry-title"),
        ["Pi day response"]
    );
    assert!(texts(&app.page("/2025/03/15/").await.1, "h2.entry-title").is_empty());
    assert_eq!(app.permalink(&tagged), "/2025/03/14/pi-day-response/");

    for missing in [
        "/category/nope/",
        "/tag/nope/",
        "/author/nobody/",
        "/2025/13/",
        "/2025/02/30/",
        "/category/responses/page/2/",
    ] {
        assert_eq!(
            app.page(missing).await.0,
            StatusCode::NOT_FOUND,
            "{missing}"
        );
    }
}

#[tokio::test]
async fn unknown_addresses_get_a_themed_404() {
    let app = spawn_app().await;
    app.set("title", "History 101").await;
    let (status, page) = app.page("/no/such/thing/").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        page.contains("History 101"),
        "the 404 is in the site's theme"
    );
    assert_eq!(texts(&page, "h1"), ["Page not found"]);
    assert_eq!(app.page("/favicon.ico").await.0, StatusCode::NOT_FOUND);
    let delete = app
        .client
        .delete(app.url("/"))
        .send()
        .await
        .expect("DELETE");
    assert_eq!(delete.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn non_latin_slugs_are_percent_encoded_and_served() {
    let app = spawn_app().await;
    let post = app.publish_post("Привет мир").await;
    assert_eq!(post.slug, "привет-мир");
    let permalink = app.permalink(&post);
    assert!(permalink.contains("%d0%bf"), "{permalink}");
    assert_eq!(app.page(&permalink).await.0, StatusCode::OK);
    assert_eq!(
        app.page(&permalink.replace("%d0", "%D0")).await.0,
        StatusCode::OK,
        "hex case does not matter"
    );
}

#[tokio::test]
async fn health_stylesheet_and_avatars_answer() {
    let app = spawn_app().await;
    assert_eq!(
        app.page("/healthz").await,
        (StatusCode::OK, "ok\n".to_owned())
    );
    let stylesheet = app
        .get(&colloquy::web::static_files::href("style.css"))
        .await;
    assert_eq!(stylesheet.status(), StatusCode::OK);
    assert_eq!(
        stylesheet.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let avatar = app.get(&format!("/avatar/{}.svg", "a".repeat(32))).await;
    assert_eq!(avatar.headers()["content-type"], "image/svg+xml");
    assert_eq!(
        app.get("/avatar/not-a-key.svg").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn scheduled_posts_appear_at_their_time_without_a_restart() {
    let app = spawn_app().await;
    let soon = colloquy::domain::calendar::now() + 2;
    let post = app
        .publish(PostSpec {
            status: PostStatus::Future,
            published_at: soon,
            ..PostSpec::post("Scheduled")
        })
        .await;
    assert_eq!(
        app.page(&app.permalink(&post)).await.0,
        StatusCode::NOT_FOUND
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        if app.page(&app.permalink(&post)).await.0 == StatusCode::OK {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the scheduled post was not published in time"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    for path in ["/", "/no-such-page/", "/feed/", "/login"] {
        let response = app.get(path).await;
        let headers = response.headers();
        let policy = headers["content-security-policy"].to_str().unwrap();
        assert!(policy.contains("script-src 'self'"), "{path}: {policy}");
        assert!(
            !policy.contains("script-src 'self' 'unsafe-inline'"),
            "{path}"
        );
        assert!(policy.contains("frame-ancestors 'none'"), "{path}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(
            headers["referrer-policy"],
            "strict-origin-when-cross-origin"
        );
        assert!(
            headers.get("strict-transport-security").is_none(),
            "no HSTS over http"
        );
    }
    let secure =
        spawn_app_with(|serve| serve.base_url = Some("https://course.example".into())).await;
    let response = secure.get("/").await;
    assert_eq!(
        response.headers()["strict-transport-security"],
        "max-age=31536000"
    );
}

#[tokio::test]
async fn the_server_raises_its_open_file_limit() {
    let _app = spawn_app().await;
    let (soft, hard) = rlimit::getrlimit(rlimit::Resource::NOFILE).unwrap();
    assert!(
        soft >= hard.min(colloquy::startup::OPEN_FILES_WANTED),
        "soft limit {soft}, hard limit {hard}"
    );
}

#[tokio::test]
async fn five_hundred_half_open_connections_do_not_starve_the_site() {
    use tokio::io::AsyncWriteExt;
    let app = spawn_app().await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut held = Vec::with_capacity(500);
    for _ in 0..500 {
        let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
        stream
            .write_all(b"GET / HTTP/1.1\r\nHost: slow.example\r\nX-Slow: ")
            .await
            .unwrap();
        held.push(stream);
    }
    let started = std::time::Instant::now();
    let response = app.get("/").await;
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "answered in {:?} beside 500 slow clients",
        started.elapsed()
    );
    drop(held);
}

#[tokio::test]
async fn a_client_too_slow_to_send_its_headers_loses_the_connection() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app_with(|serve| serve.header_timeout_seconds = 1).await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut slow = tokio::net::TcpStream::connect(&address).await.unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\nHost: slow.example\r\nX-Slow: ")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        slow.read_to_end(&mut answer),
    )
    .await;
    assert!(read.is_ok(), "the server still holds the slow connection");
    let waited = started.elapsed();
    assert!(
        waited >= std::time::Duration::from_millis(900)
            && waited < std::time::Duration::from_secs(5),
        "closed after {waited:?}"
    );
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );

    let mut prompt = tokio::net::TcpStream::connect(&address).await.unwrap();
    prompt
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    prompt.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn oversized_headers_are_refused_and_the_next_request_is_answered() {
    let app = spawn_app().await;
    let refused = app
        .client
        .get(app.url("/"))
        .header("x-padding", "a".repeat(100 * 1024))
        .send()
        .await;
    match refused {
        Ok(response) => assert_eq!(
            response.status(),
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE
        ),
        Err(error) => assert!(error.is_request() || error.is_connect(), "{error}"),
    }
    let fine = app
        .client
        .get(app.url("/"))
        .header("x-padding", "a".repeat(8 * 1024))
        .send()
        .await
        .unwrap();
    assert_eq!(fine.status(), StatusCode::OK);
}

#[tokio::test]
async fn static_files_are_fingerprinted_compressed_and_kept_for_a_year() {
    use std::io::Read;
    let app = spawn_app().await;
    let script = colloquy::web::static_files::href("vendor/easymde.min.js");
    assert!(script.starts_with("/static/vendor/easymde.min.") && script.ends_with(".js"));

    let plain = app.get(&script).await;
    assert_eq!(plain.status(), StatusCode::OK);
    assert_eq!(
        plain.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    assert_eq!(
        plain.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let etag = plain.headers()["etag"].clone();
    let original = plain.bytes().await.unwrap();

    for coding in ["br", "gzip"] {
        let response = app
            .client
            .get(app.url(&script))
            .header("accept-encoding", coding)
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["content-encoding"], coding);
        let compressed = response.bytes().await.unwrap();
        assert!(compressed.len() * 2 < original.len(), "{coding} shrinks it");
        let mut restored = Vec::new();
        if coding == "br" {
            brotli::Decompressor::new(&compressed[..], 4096)
                .read_to_end(&mut restored)
                .unwrap();
        } else {
            flate2::read::GzDecoder::new(&compressed[..])
                .read_to_end(&mut restored)
                .unwrap();
        }
        assert_eq!(restored, original, "{coding} gives back the same file");
    }

    let again = app
        .client
        .get(app.url(&script))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    assert_eq!(
        app.get("/static/vendor/easymde.min.js").await.status(),
        StatusCode::NOT_FOUND,
        "only fingerprinted addresses answer"
    );
    assert_eq!(
        app.get("/static/style.0000000000.css").await.status(),
        StatusCode::NOT_FOUND
    );
    let licences = app
        .get(&colloquy::web::static_files::href("vendor/LICENSES.txt"))
        .await
        .text()
        .await
        .unwrap();
    assert!(licences.contains("EasyMDE") && licences.contains("SIL OFL 1.1"));

    let (_, home) = app.page("/").await;
    for script in select(&home, "script[src]") {
        assert!(
            !script.contains("http"),
            "no script from another host: {script}"
        );
    }
    for _ in 0..2 {
        let feed = app.get("/feed/").await;
        assert_eq!(
            feed.headers()["cache-control"],
            "public, max-age=60",
            "a feed keeps its caching header also when it comes from the page cache"
        );
    }
}

//! Search: ranking, highlighted snippets, phrases and prefixes, pages, visibility, and an index that follows
//! every edit — on SQLite FTS5 and PostgreSQL text search alike.

use colloquy::domain::{calendar, post::PostStatus};
use reqwest::StatusCode;

use crate::helpers::{PostSpec, select, spawn_app, texts};

#[tokio::test]
async fn results_are_ranked_and_highlighted() {
    let app = spawn_app().await;
    app.publish(PostSpec {
        body: "A long essay that mentions containment once, at the end: 5 < 6.",
        ..PostSpec::post("Notes on posters")
    })
    .await;
    app.publish(PostSpec {
        body: "Kennan and the policy.",
        ..PostSpec::post("Containment as a strategy")
    })
    .await;
    app.publish(PostSpec {
        body: "Nothing relevant here.",
        ..PostSpec::post("Unrelated")
    })
    .await;
    let (status, page) = app.page("/search/?q=containment").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        texts(&page, ".search-result h2"),
        ["Containment as a strategy", "Notes on posters"],
        "title matches rank first"
    );
    let snippets = select(&page, ".search-result .snippet");
    assert!(
        snippets[1].contains("<mark>containment</mark>"),
        "{snippets:?}"
    );
    assert!(
        snippets[1].contains("5 &lt; 6"),
        "text is escaped: {snippets:?}"
    );
    assert_eq!(texts(&page, ".count"), ["2 results"]);
}

#[tokio::test]
async fn phrases_and_prefixes_work() {
    let app = spawn_app().await;
    app.publish(PostSpec {
        body: "The iron curtain descended.",
        ..PostSpec::post("Speech")
    })
    .await;
    app.publish(PostSpec {
        body: "A curtain made of iron ore.",
        ..PostSpec::post("Mining")
    })
    .await;
    app.publish(PostSpec {
        body: "Cartography of the bloc.",
        ..PostSpec::post("Maps")
    })
    .await;
    assert_eq!(
        texts(
            &app.page("/search/?q=%22iron+curtain%22").await.1,
            ".search-result h2"
        ),
        ["Speech"]
    );
    assert_eq!(
        texts(
            &app.page("/search/?q=iron+curtain").await.1,
            ".search-result h2"
        )
        .len(),
        2
    );
    assert_eq!(
        texts(&app.page("/search/?q=carto*").await.1, ".search-result h2"),
        ["Maps"]
    );
}

#[tokio::test]
async fn only_what_a_reader_may_see_is_found() {
    let app = spawn_app().await;
    app.publish(PostSpec {
        body: "zebra in public",
        ..PostSpec::post("Public zebra")
    })
    .await;
    app.publish(PostSpec {
        status: PostStatus::Draft,
        body: "zebra draft",
        ..PostSpec::post("Draft zebra")
    })
    .await;
    app.publish(PostSpec {
        status: PostStatus::Private,
        body: "zebra private",
        ..PostSpec::post("Private zebra")
    })
    .await;
    app.publish(PostSpec {
        status: PostStatus::Future,
        published_at: calendar::now() + 86_400,
        body: "zebra soon",
        ..PostSpec::post("Future zebra")
    })
    .await;
    let other = app
        .store
        .create_site("other", "Other course", calendar::now())
        .await
        .unwrap();
    app.publish_on(
        other.id,
        PostSpec {
            body: "zebra elsewhere",
            ..PostSpec::post("Other zebra")
        },
    )
    .await;
    assert_eq!(
        texts(&app.page("/search/?q=zebra").await.1, ".search-result h2"),
        ["Public zebra"]
    );
    assert_eq!(
        texts(
            &app.page("/other/search/?q=zebra").await.1,
            ".search-result h2"
        ),
        ["Other zebra"]
    );
}

#[tokio::test]
async fn the_index_follows_every_edit() {
    let app = spawn_app().await;
    let post = app
        .publish(PostSpec {
            body: "Original wording about walruses.",
            ..PostSpec::post("First title")
        })
        .await;
    app.edit_post(&post, "Renamed title", "New wording about narwhals.")
        .await;
    assert!(
        texts(
            &app.page("/search/?q=walruses").await.1,
            ".search-result h2"
        )
        .is_empty()
    );
    assert_eq!(
        texts(
            &app.page("/search/?q=narwhals").await.1,
            ".search-result h2"
        ),
        ["Renamed title"]
    );
    app.store
        .set_trashed(app.site.id, post.id, true, calendar::now())
        .await
        .unwrap();
    assert!(
        texts(
            &app.page("/search/?q=narwhals").await.1,
            ".search-result h2"
        )
        .is_empty(),
        "trashed posts leave the results"
    );
}

#[tokio::test]
async fn many_results_page_ten_at_a_time() {
    let app = spawn_app().await;
    for n in 0..12 {
        let title = format!("Lecture {n} on glaciers");
        app.publish(PostSpec {
            body: "Ice.",
            ..PostSpec::post(&title)
        })
        .await;
    }
    let (_, first) = app.page("/search/?q=glaciers").await;
    assert_eq!(select(&first, ".search-result").len(), 10);
    assert_eq!(texts(&first, ".count"), ["12 results"]);
    let (_, second) = app.page("/search/?q=glaciers&page=2").await;
    assert_eq!(select(&second, ".search-result").len(), 2);
    assert_eq!(
        app.page("/search/?q=glaciers&page=3").await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_wordpress_search_link_and_odd_queries_are_handled() {
    let app = spawn_app().await;
    app.publish(PostSpec {
        body: "Détente was brief.",
        ..PostSpec::post("Détente")
    })
    .await;
    let redirect = app.get("/?s=d%C3%A9tente").await;
    assert_eq!(redirect.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(redirect.headers()["location"], "/search/?q=d%C3%A9tente");
    assert_eq!(
        texts(
            &app.page("/search/?q=d%C3%A9tente").await.1,
            ".search-result h2"
        ),
        ["Détente"]
    );
    assert_eq!(
        app.get("/search?q=x").await.status(),
        StatusCode::MOVED_PERMANENTLY
    );
    for odd in [
        "",
        "%22",
        "*",
        "--+OR+1%3D1",
        "NEAR(a+b)",
        "a%27b",
        "%E2%80%9C",
        &"x".repeat(500),
        &"x".repeat(1000),
        &"word+".repeat(200),
        &"%22a%22+".repeat(200),
        "%27%3B+DROP+TABLE+posts%3B+--",
        "title%3Afoo",
        "AND+OR+NOT",
        "%5Ex+%7Ba+b%7D+-c+%2Bd",
        "%22unclosed+phrase",
        "pre*+*fix",
    ] {
        let (status, _) = app.page(&format!("/search/?q={odd}")).await;
        assert_eq!(status, StatusCode::OK, "query {odd:?}");
    }
}

#[tokio::test]
async fn a_word_in_every_post_is_searched_among_the_newest_with_titles_first() {
    let app = spawn_app().await;
    let author = app.author().await;
    let category = app
        .store
        .create_category(app.site.id, "Bulk", None)
        .await
        .unwrap();
    app.store
        .seed_bulk(
            app.site.id,
            author.id,
            &[category.id],
            1_100,
            0,
            colloquy::domain::calendar::now(),
        )
        .await
        .unwrap();
    app.publish(PostSpec::post("The telegram arrives")).await;
    let (status, page) = app
        .page(&format!("/search/?q={}", colloquy::store::COMMON_WORD))
        .await;
    assert_eq!(status, reqwest::StatusCode::OK);
    let titles = texts(&page, ".search-result h2");
    assert_eq!(titles.len(), 10);
    assert_eq!(titles[0], "The telegram arrives", "a title match leads");
    assert!(
        select(&page, ".search-result mark").len() >= 9,
        "every snippet marks the word (the first post has it in its title only)"
    );
    let (status, _) = app
        .page(&format!(
            "/search/?q={}&page=2",
            colloquy::store::COMMON_WORD
        ))
        .await;
    assert_eq!(status, reqwest::StatusCode::OK);
    let (_, rare) = app
        .page(&format!("/search/?q={}", colloquy::store::RARE_WORD))
        .await;
    assert_eq!(
        texts(&rare, ".search-result h2").len(),
        1,
        "the rare word is in one post"
    );
}

//! The store's conformance suite: every store method through the facade, on whichever backend the suite runs.

use colloquy::{
    domain::{
        calendar,
        client::ClientGroup,
        comment::{CommentStatus, Moderation},
        post::{PostKind, PostStatus},
        settings::LeaversWriting,
        user::Role,
    },
    store::{Conflict, ListFilter, NewUser, StoreError},
};

use crate::helpers::{PostSpec, TestApp, comment_id_of, spawn_app};

#[tokio::test]
async fn secrets_are_made_once_and_shared() {
    let app = spawn_app().await;
    let first = app.store.secret("test", || "one".into()).await.unwrap();
    let second = app.store.secret("test", || "two".into()).await.unwrap();
    assert_eq!((first.as_str(), second.as_str()), ("one", "one"));
}

#[tokio::test]
async fn sites_are_unique_by_slug_and_keep_their_settings() {
    let app = spawn_app().await;
    assert!(matches!(
        app.store.create_site("main", "Again", 0).await,
        Err(StoreError::Conflict(_))
    ));
    let other = app
        .store
        .create_site("hist-220", "HIST 220", 0)
        .await
        .unwrap();
    assert_eq!(other.settings.title, "HIST 220");
    app.store
        .save_setting(other.id, "comment_max_links", "7")
        .await
        .unwrap();
    app.store
        .save_setting(other.id, "comment_max_links", "8")
        .await
        .unwrap();
    assert_eq!(
        app.store
            .site_by_slug("hist-220")
            .await
            .unwrap()
            .settings
            .comment_max_links,
        8
    );
    assert!(matches!(
        app.store.site_by_slug("nope").await,
        Err(StoreError::NotFound)
    ));
    assert!(
        app.store.is_unused().await.unwrap(),
        "no account, no post yet"
    );
    app.author().await;
    assert!(!app.store.is_unused().await.unwrap(), "an account");
}

#[tokio::test]
async fn accounts_are_unique_by_email_whatever_its_case() {
    let app = spawn_app().await;
    let now = calendar::now();
    let ada = app
        .store
        .create_user(
            &NewUser {
                email: "Ada@Example.edu",
                name: "Ada Lovelace",
                password_hash: None,
                email_confirmed: true,
            },
            now,
        )
        .await
        .unwrap();
    let again = app
        .store
        .create_user(
            &NewUser {
                email: "ada@example.EDU",
                name: "Ada",
                password_hash: None,
                email_confirmed: true,
            },
            now,
        )
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))));
    let namesake = app
        .store
        .create_user(
            &NewUser {
                email: "other@example.edu",
                name: "Ada Lovelace",
                password_hash: Some("hash"),
                email_confirmed: true,
            },
            now,
        )
        .await
        .unwrap();
    assert_eq!(ada.nicename, "ada-lovelace");
    assert_eq!(namesake.nicename, "ada-lovelace-2");
    assert_eq!(
        app.store
            .user_by_email("ADA@example.edu")
            .await
            .unwrap()
            .map(|user| user.id),
        Some(ada.id)
    );
    assert_eq!(
        app.store
            .password_hash(namesake.id)
            .await
            .unwrap()
            .as_deref(),
        Some("hash")
    );
    assert_eq!(app.store.password_hash(ada.id).await.unwrap(), None);
    app.store
        .set_role(app.site.id, ada.id, Role::Author, now)
        .await
        .unwrap();
    app.store
        .set_role(app.site.id, ada.id, Role::Editor, now)
        .await
        .unwrap();
    assert_eq!(
        app.store.role_on(app.site.id, ada.id).await.unwrap(),
        Some(Role::Editor)
    );
    assert_eq!(
        app.store.role_on(app.site.id, namesake.id).await.unwrap(),
        None
    );
    assert_eq!(
        app.store
            .member_by_nicename(app.site.id, "ada-lovelace")
            .await
            .unwrap()
            .map(|user| user.id),
        Some(ada.id)
    );
    assert!(
        app.store
            .member_by_nicename(app.site.id, "ada-lovelace-2")
            .await
            .unwrap()
            .is_none(),
        "not a member"
    );
    assert_eq!(
        app.store.user_by_id(ada.id).await.unwrap().email,
        "Ada@Example.edu"
    );
}

#[tokio::test]
async fn slugs_stay_unique_and_terms_are_reused_by_name() {
    let app = spawn_app().await;
    let first = app
        .publish(PostSpec {
            categories: vec!["Week One".into()],
            tags: vec!["Maps".into()],
            ..PostSpec::post("Same title")
        })
        .await;
    let second = app
        .publish(PostSpec {
            categories: vec!["week one".into()],
            tags: vec!["maps".into()],
            ..PostSpec::post("Same title")
        })
        .await;
    let reserved = app.publish(PostSpec::post("Admin")).await;
    assert_eq!(
        (
            first.slug.as_str(),
            second.slug.as_str(),
            reserved.slug.as_str()
        ),
        ("same-title", "same-title-2", "admin-2")
    );
    let categories = app.store.categories(app.site.id).await.unwrap();
    assert_eq!(
        categories
            .iter()
            .map(|term| term.name.as_str())
            .collect::<Vec<_>>(),
        ["Uncategorized", "Week One"]
    );
    let terms = app
        .store
        .terms_of_posts(&[first.id, second.id])
        .await
        .unwrap();
    assert_eq!(terms.len(), 4);
    assert!(matches!(
        app.store
            .change_slug(app.site.id, second.id, "same-title", calendar::now())
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        app.store
            .change_slug(app.site.id, 999_999, "free", calendar::now())
            .await,
        Err(StoreError::NotFound)
    ));
}

#[tokio::test]
async fn a_slug_can_move_back_and_forth() {
    let app = spawn_app().await;
    let post = app.publish_post("Alpha").await;
    let now = calendar::now();
    app.store
        .change_slug(app.site.id, post.id, "beta", now)
        .await
        .unwrap();
    app.store
        .change_slug(app.site.id, post.id, "alpha", now)
        .await
        .unwrap();
    assert!(
        app.store
            .post_by_old_slug(app.site.id, "alpha")
            .await
            .unwrap()
            .is_none(),
        "the live slug is not a redirect"
    );
    assert_eq!(
        app.store
            .post_by_old_slug(app.site.id, "beta")
            .await
            .unwrap()
            .map(|post| post.id),
        Some(post.id)
    );
}

#[tokio::test]
async fn listings_filter_count_and_page() {
    let app = spawn_app().await;
    let now = calendar::now();
    for n in 0..5 {
        let title = format!("Post {n}");
        app.publish(PostSpec {
            published_at: now - 1_000 + n,
            categories: vec!["A".into()],
            ..PostSpec::post(&title)
        })
        .await;
    }
    app.publish(PostSpec {
        status: PostStatus::Private,
        ..PostSpec::post("Private")
    })
    .await;
    app.publish(PostSpec::page("A page")).await;
    assert_eq!(
        app.store
            .count_published(app.site.id, &ListFilter::All)
            .await
            .unwrap(),
        5
    );
    let titles = |cards: Vec<colloquy::store::PostCard>| {
        cards
            .into_iter()
            .map(|card| card.post.title)
            .collect::<Vec<_>>()
    };
    for total in [None, Some(5)] {
        let page = |number| {
            app.store
                .list_published(app.site.id, &ListFilter::All, number, 2, total)
        };
        assert_eq!(titles(page(1).await.unwrap()), ["Post 4", "Post 3"]);
        assert_eq!(
            titles(page(2).await.unwrap()),
            ["Post 2", "Post 1"],
            "the same page whether read from the newest end or the oldest ({total:?})"
        );
        assert_eq!(titles(page(3).await.unwrap()), ["Post 0"]);
        assert!(page(4).await.unwrap().is_empty());
    }
    assert_eq!(
        app.store
            .count_published(app.site.id, &ListFilter::Range(now - 998, now - 996))
            .await
            .unwrap(),
        2
    );
    let author = app.author().await;
    assert_eq!(
        app.store
            .count_published(app.site.id, &ListFilter::Author(author.id))
            .await
            .unwrap(),
        5
    );
    assert_eq!(
        app.store
            .count_published(app.site.id, &ListFilter::Terms(vec![]))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        app.store.top_level_pages(app.site.id).await.unwrap().len(),
        1
    );
}

#[tokio::test]
async fn due_scheduled_posts_are_published_once() {
    let app = spawn_app().await;
    let now = calendar::now();
    let due = app
        .publish(PostSpec {
            status: PostStatus::Future,
            published_at: now - 1,
            ..PostSpec::post("Due")
        })
        .await;
    app.publish(PostSpec {
        status: PostStatus::Future,
        published_at: now + 3_600,
        ..PostSpec::post("Later")
    })
    .await;
    let published = app.store.publish_due_posts(now).await.unwrap();
    assert!(
        published <= 1,
        "the server's own scheduler may have been first"
    );
    assert_eq!(app.store.publish_due_posts(now).await.unwrap(), 0);
    assert_eq!(
        app.store
            .post_by_id(app.site.id, due.id)
            .await
            .unwrap()
            .unwrap()
            .status,
        PostStatus::Publish
    );
    assert_eq!(
        app.store
            .card_by_slug(app.site.id, PostKind::Post, "later")
            .await
            .unwrap()
            .unwrap()
            .post
            .status,
        PostStatus::Future
    );
}

#[tokio::test]
async fn moderation_moves_comments_between_statuses_and_back_from_the_trash() {
    let app = spawn_app().await;
    let post = app.publish_post("Moderated").await;
    let id = comment_id_of(
        &app.leave_reply(
            "203.0.113.99",
            &TestApp::reply_fields(&post, "Newcomer", "Hello"),
        )
        .await,
    );
    let now = calendar::now();
    let step = |action| app.store.moderate_comment(app.site.id, id, action, now);
    assert_eq!(
        step(Moderation::Spam).await.unwrap().status,
        CommentStatus::Spam
    );
    assert_eq!(
        step(Moderation::Trash).await.unwrap().status,
        CommentStatus::Trash
    );
    assert_eq!(
        step(Moderation::Trash).await.unwrap().status,
        CommentStatus::Trash
    );
    assert_eq!(
        step(Moderation::Restore).await.unwrap().status,
        CommentStatus::Spam,
        "back to what it was"
    );
    assert!(matches!(
        step(Moderation::Restore).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        step(Moderation::Approve).await.unwrap().status,
        CommentStatus::Approved
    );
    assert!(
        app.store
            .has_approved_comment_from(app.site.id, "NEWCOMER@example.org")
            .await
            .unwrap()
    );
    assert_eq!(
        step(Moderation::Unapprove).await.unwrap().status,
        CommentStatus::Pending
    );
    assert!(matches!(
        app.store
            .moderate_comment(app.site.id, 999_999, Moderation::Approve, now)
            .await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        app.store
            .visible_comments(post.id, &[], false)
            .await
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        app.store
            .visible_comments(post.id, &[id], false)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn the_database_answers_health_checks() {
    let app = spawn_app().await;
    app.store.ping().await.unwrap();
    assert!(["sqlite", "postgres"].contains(&app.store.backend_name()));
}

#[tokio::test]
async fn the_comment_trash_empties_after_its_time() {
    let app = spawn_app().await;
    let post = app.publish_post("Trash day").await;
    let id = comment_id_of(
        &app.leave_reply("203.0.113.98", &TestApp::reply_fields(&post, "Gone", "Bye"))
            .await,
    );
    let now = calendar::now();
    app.store
        .moderate_comment(app.site.id, id, Moderation::Trash, now - 31 * 86_400)
        .await
        .unwrap();
    assert_eq!(
        app.store
            .purge_trashed_comments(now - 40 * 86_400)
            .await
            .unwrap(),
        0,
        "not yet"
    );
    assert_eq!(
        app.store
            .purge_trashed_comments(now - 30 * 86_400)
            .await
            .unwrap(),
        1
    );
    assert!(
        app.store
            .comment_by_id(app.site.id, id)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn the_integrity_check_finds_a_post_without_its_first_revision() {
    let app = spawn_app().await;
    let post = app.publish_post("Indexed").await;
    app.leave_reply(
        "203.0.113.5",
        &TestApp::reply_fields(&post, "Ada", "A comment."),
    )
    .await;
    assert_eq!(
        app.store.integrity_problems().await.unwrap(),
        Vec::<String>::new()
    );

    if app.database_url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(&app.database_url).await.unwrap();
        sqlx::query("DELETE FROM revisions WHERE post_id = $1")
            .bind(post.id)
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    } else {
        let pool = sqlx::SqlitePool::connect(&app.database_url).await.unwrap();
        sqlx::query("DELETE FROM revisions WHERE post_id = $1")
            .bind(post.id)
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    }
    assert_eq!(
        app.store.integrity_problems().await.unwrap(),
        ["1 posts without their first revision"]
    );
}

#[tokio::test]
async fn what_no_one_will_use_again_is_cleaned_out_and_nothing_else() {
    use colloquy::store::{MailLimits, MailRequestKind, NewMail, SignInLimits, TokenPurpose};
    let app = spawn_app().await;
    let store = &app.store;
    let user = app.author().await;
    let now = calendar::now();
    let day = 86_400;
    store
        .create_session("expired", user.id, "c", now - 30 * day, now - day)
        .await
        .unwrap();
    store
        .create_session("live", user.id, "c", now, now + day)
        .await
        .unwrap();
    store
        .create_token(
            TokenPurpose::ResetPassword,
            "old-link",
            user.id,
            now - 2 * day,
            now - day,
        )
        .await
        .unwrap();
    store
        .create_token(TokenPurpose::SignIn, "used-link", user.id, now, now + day)
        .await
        .unwrap();
    assert!(
        store
            .consume_token(TokenPurpose::SignIn, "used-link", now)
            .await
            .unwrap()
            .is_some()
    );
    store
        .create_token(TokenPurpose::SignIn, "fresh-link", user.id, now, now + day)
        .await
        .unwrap();
    let limits = SignInLimits {
        per_account_and_address: 5,
        per_address: 50,
        per_account: 20,
    };
    store
        .take_sign_in_turn(
            ClientGroup::of([192, 0, 2, 1].into()),
            "a@example.edu",
            now - 3 * day,
            now - 4 * day,
            limits,
        )
        .await
        .unwrap();
    store
        .take_sign_in_turn(
            ClientGroup::of([192, 0, 2, 1].into()),
            "a@example.edu",
            now,
            now - day,
            limits,
        )
        .await
        .unwrap();
    let one_mail_an_hour = MailLimits {
        per_recipient: 1,
        per_client: 1,
    };
    for (email, at) in [("old@example.edu", now - 3 * day), ("new@example.edu", now)] {
        assert!(
            store
                .take_mail_turn(
                    MailRequestKind::Link,
                    email,
                    ClientGroup::of([192, 0, 2, 8].into()),
                    at,
                    at - 3_600,
                    one_mail_an_hour
                )
                .await
                .unwrap()
        );
    }
    for (subject, sent) in [
        ("old", Some(now - 40 * day)),
        ("recent", Some(now - day)),
        ("unsent", None),
    ] {
        let id = store
            .enqueue_mail(
                &NewMail {
                    site_id: Some(app.site.id),
                    recipient: "a@example.edu",
                    subject,
                    body: "body",
                    carries_secret: false,
                    message_id: "<m@example.edu>",
                    unsubscribe_url: None,
                },
                now - 41 * day,
            )
            .await
            .unwrap();
        if let Some(sent) = sent {
            store.record_delivery(id, None, sent, None).await.unwrap();
        }
    }

    // The server's own background task may have cleaned some of them out already: what counts is what is left.
    store
        .clean_out(now, now - day, now - 30 * day)
        .await
        .unwrap();
    assert!(store.session("live", now).await.unwrap().is_some());
    assert!(store.session("expired", now).await.unwrap().is_none());
    assert!(
        store
            .token_is_live(TokenPurpose::SignIn, "fresh-link", now)
            .await
            .unwrap()
    );
    let subjects: Vec<String> = store
        .outbox(app.site.id, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|mail| mail.subject)
        .collect();
    assert_eq!(subjects, ["unsent", "recent"]);
    assert_eq!(
        store
            .clean_out(now, now - day, now - 30 * day)
            .await
            .unwrap(),
        0
    );
    for (email, turn) in [("old@example.edu", true), ("new@example.edu", false)] {
        assert_eq!(
            store
                .take_mail_turn(
                    MailRequestKind::Link,
                    email,
                    ClientGroup::of([192, 0, 2, 7].into()),
                    now,
                    now - 10 * day,
                    one_mail_an_hour
                )
                .await
                .unwrap(),
            turn,
            "the mail requested three days ago is forgotten, today's kept"
        );
    }
    let one_failure_left = SignInLimits {
        per_account_and_address: 2,
        ..limits
    };
    assert!(
        matches!(
            store
                .take_sign_in_turn(
                    ClientGroup::of([192, 0, 2, 1].into()),
                    "a@example.edu",
                    now,
                    now - 10 * day,
                    one_failure_left
                )
                .await
                .unwrap(),
            colloquy::store::SignInTurn::Go { .. }
        ),
        "the failure of three days ago is gone, today's kept"
    );
}

#[tokio::test]
async fn a_due_mail_is_claimed_by_one_caller_until_its_lease_runs_out() {
    use colloquy::store::NewMail;
    let app = spawn_app().await;
    let store = &app.store;
    let now = calendar::now();
    let mail = |subject| NewMail {
        site_id: Some(app.site.id),
        recipient: "a@example.edu",
        subject,
        body: "body",
        carries_secret: false,
        message_id: "<m@example.edu>",
        unsubscribe_url: Some("https://blog.example.edu/follow/stop/t"),
    };
    let id = store.enqueue_mail(&mail("first"), now).await.unwrap();
    assert_eq!(store.due_mail(now, 10).await.unwrap(), [id]);
    let claimed = store.claim_mail(id, now, now + 300).await.unwrap().unwrap();
    assert_eq!(claimed.message_id.as_deref(), Some("<m@example.edu>"));
    assert_eq!(
        claimed.unsubscribe_url.as_deref(),
        Some("https://blog.example.edu/follow/stop/t")
    );
    assert!(
        store
            .claim_mail(id, now, now + 300)
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.due_mail(now, 10).await.unwrap().is_empty(), "held");
    assert!(
        store
            .claim_mail(id, now + 301, now + 601)
            .await
            .unwrap()
            .is_some(),
        "a lease that ran out is taken over"
    );
    store
        .record_delivery(id, Some("refused"), now + 302, Some(now + 362))
        .await
        .unwrap();
    assert!(
        store
            .claim_mail(id, now + 303, now + 603)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(store.due_mail(now + 362, 10).await.unwrap(), [id]);
    store
        .record_delivery(id, None, now + 363, None)
        .await
        .unwrap();
    assert!(
        store
            .claim_mail(id, now + 400, now + 700)
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.due_mail(now + 9_999, 10).await.unwrap().is_empty());
    let sent = &store.outbox(app.site.id, 1).await.unwrap()[0];
    assert_eq!((sent.attempts, sent.next_attempt_at), (2, None));
    assert!(sent.sent_at.is_some());
}

#[tokio::test]
async fn a_request_to_join_is_taken_once_on_its_own_site_before_it_expires() {
    use colloquy::store::NewJoinRequest;
    let app = spawn_app().await;
    let store = &app.store;
    let now = calendar::now();
    let other = store.create_site("hist", "History", now).await.unwrap();
    for (token_hash, expires_at) in [("live", now + 60), ("stale", now - 1)] {
        store
            .create_join_request(
                &NewJoinRequest {
                    token_hash,
                    site_id: app.site.id,
                    email: "new@example.edu",
                    name: "New Comer",
                },
                now - 120,
                expires_at,
            )
            .await
            .unwrap();
    }
    assert!(
        store
            .live_join_request(other.id, "live", now)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .take_join_request(other.id, "live", now)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .live_join_request(app.site.id, "stale", now)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .live_join_request(app.site.id, "live", now)
            .await
            .unwrap()
            .is_some()
    );
    let taken = store
        .take_join_request(app.site.id, "live", now)
        .await
        .unwrap()
        .expect("taken once");
    assert_eq!(
        (taken.site_id, taken.email.as_str(), taken.name.as_str()),
        (app.site.id, "new@example.edu", "New Comer")
    );
    assert!(
        store
            .take_join_request(app.site.id, "live", now)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .live_join_request(app.site.id, "live", now)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_password_change_ends_the_accounts_links_and_sessions_but_the_one_kept() {
    use colloquy::store::TokenPurpose;
    let app = spawn_app().await;
    let store = &app.store;
    let now = calendar::now();
    let (ada, _) = app.account("ada@example.edu", "Ada", None).await;
    let (bo, _) = app.account("bo@example.edu", "Bo", None).await;
    for (user, session, link) in [(&ada, "ada-here", "ada-link"), (&bo, "bo-here", "bo-link")] {
        store
            .create_session(session, user.id, "csrf", now, now + 3_600)
            .await
            .unwrap();
        store
            .create_token(TokenPurpose::SignIn, link, user.id, now, now + 3_600)
            .await
            .unwrap();
    }
    store
        .create_session("ada-there", ada.id, "csrf", now, now + 3_600)
        .await
        .unwrap();
    store
        .create_email_confirmation("ada-moves", ada.id, "thief@example.org", now, now + 3_600)
        .await
        .unwrap();
    store
        .create_email_confirmation("ada-stays", ada.id, "ADA@example.edu", now, now + 3_600)
        .await
        .unwrap();

    store
        .change_password(ada.id, "new-hash", Some("ada-here"), now)
        .await
        .unwrap();
    assert_eq!(
        store.password_hash(ada.id).await.unwrap().as_deref(),
        Some("new-hash")
    );
    assert!(store.session("ada-here", now).await.unwrap().is_some());
    assert!(store.session("ada-there", now).await.unwrap().is_none());
    assert!(
        !store
            .token_is_live(TokenPurpose::SignIn, "ada-link", now)
            .await
            .unwrap()
    );
    assert!(
        store
            .confirm_email("ada-moves", now)
            .await
            .unwrap()
            .is_none(),
        "a move to another address asked for before the change"
    );
    assert!(
        store
            .confirm_email("ada-stays", now)
            .await
            .unwrap()
            .is_some(),
        "confirming the address the account has"
    );
    assert!(
        store.session("bo-here", now).await.unwrap().is_some(),
        "another account's"
    );
    assert!(
        store
            .token_is_live(TokenPurpose::SignIn, "bo-link", now)
            .await
            .unwrap()
    );

    store
        .change_password(ada.id, "newer-hash", None, now)
        .await
        .unwrap();
    assert!(
        store.session("ada-here", now).await.unwrap().is_none(),
        "none kept"
    );
}

#[tokio::test]
async fn a_site_is_made_with_its_administrator_whole_or_not_at_all_and_archived_and_restored() {
    use colloquy::store::{FirstAdministrator, GivenAdministrator, NewSite, TokenPurpose};
    let app = spawn_app().await;
    let store = &app.store;
    let now = calendar::now();
    let invited = |slug| NewSite {
        slug,
        title: "History",
        join_code: None,
        administrator: Some(FirstAdministrator::Email {
            email: "Dana@Example.edu",
            name: "Dana",
            token_hash: "invitation-hash",
            expires_at: now + 60,
        }),
    };
    let made = store.make_site(&invited("hist"), now).await.unwrap();
    let Some(GivenAdministrator::Invited(dana)) = made.administrator else {
        panic!("a new account: {:?}", made.administrator);
    };
    assert!(
        dana.email_confirmed,
        "the main site's administrator gave it"
    );
    assert_eq!(store.password_hash(dana.id).await.unwrap(), None);
    assert!(
        store
            .token_is_live(TokenPurpose::ResetPassword, "invitation-hash", now)
            .await
            .unwrap()
    );
    assert_eq!(
        store.role_on(made.site.id, dana.id).await.unwrap(),
        Some(Role::Administrator)
    );
    let again = store.make_site(&invited("bio"), now).await.unwrap();
    assert!(
        matches!(&again.administrator, Some(GivenAdministrator::Existing(user)) if user.id == dana.id),
        "the same address, whatever its case, is the same account"
    );
    assert!(matches!(
        store.make_site(&invited("hist"), now).await,
        Err(StoreError::Conflict(_))
    ));

    let nobody = NewSite {
        slug: "orphan",
        title: "Orphan",
        join_code: Some("orphan-code"),
        administrator: Some(FirstAdministrator::Account(i64::MAX)),
    };
    assert!(store.make_site(&nobody, now).await.is_err());
    assert!(
        matches!(
            store.site_by_slug("orphan").await,
            Err(StoreError::NotFound)
        ),
        "a site whose administrator could not be made is not made either"
    );
    assert_eq!(
        store.site_id_by_join_code("orphan-code").await.unwrap(),
        None
    );

    assert!(made.site.archived_at.is_none());
    let before = store.site_by_id(made.site.id).await.unwrap();
    let archived = store.set_archived(made.site.id, Some(now)).await.unwrap();
    assert_eq!(archived.archived_at, Some(now));
    assert!(archived.settings_version > before.settings_version);
    assert!(archived.content_version > before.content_version);
    assert_eq!(
        store.site_by_slug("hist").await.unwrap().archived_at,
        Some(now)
    );
    assert!(
        store
            .set_archived(made.site.id, None)
            .await
            .unwrap()
            .archived_at
            .is_none()
    );
    assert!(matches!(
        store.set_archived(i64::MAX, Some(now)).await,
        Err(StoreError::NotFound)
    ));
}

#[tokio::test]
async fn student_ids_assignments_and_grades_read_back() {
    let app = spawn_app().await;
    let now = calendar::now();
    let author = app.author().await;
    app.store
        .set_role(app.site.id, author.id, Role::Author, now)
        .await
        .unwrap();
    app.store
        .set_student_id(app.site.id, author.id, Some("S-1"))
        .await
        .unwrap();
    let members = app.store.members(app.site.id).await.unwrap();
    let member = members.iter().find(|m| m.user.id == author.id).unwrap();
    assert_eq!(member.student_id.as_deref(), Some("S-1"));
    assert!(matches!(
        app.store.set_student_id(app.site.id, 999_999, None).await,
        Err(StoreError::NotFound)
    ));

    let post = app
        .publish(PostSpec {
            categories: vec!["Essay".into()],
            ..PostSpec::post("Graded")
        })
        .await;
    let essay = app
        .store
        .categories(app.site.id)
        .await
        .unwrap()
        .into_iter()
        .find(|term| term.name == "Essay")
        .unwrap();
    assert!(
        app.store
            .assignment_categories(app.site.id)
            .await
            .unwrap()
            .is_empty()
    );
    app.store
        .set_assignment(app.site.id, essay.id, true)
        .await
        .unwrap();
    assert_eq!(
        app.store.assignment_categories(app.site.id).await.unwrap(),
        [essay.id]
    );
    for (text, grade, status) in [
        ("First", Some("7"), CommentStatus::Approved),
        ("Ungraded", None, CommentStatus::Approved),
        ("Trashed", Some("1"), CommentStatus::Trash),
    ] {
        app.store
            .submit_comment(
                &colloquy::store::NewComment {
                    site_id: app.site.id,
                    post_id: post.id,
                    parent_id: None,
                    user_id: None,
                    author_name: "Staff",
                    author_email: "staff@example.edu",
                    author_url: None,
                    author_ip: "192.0.2.9",
                    user_agent: "test",
                    content: text,
                    content_html: text,
                    status,
                    created_at: now,
                    cited: &[],
                    is_private: true,
                    grade,
                    passage: None,
                },
                0,
            )
            .await
            .unwrap();
    }
    let grades = app
        .store
        .participation_grades(app.site.id, post.published_at, post.published_at + 1, None)
        .await
        .unwrap();
    assert_eq!(grades.len(), 1, "{grades:?}");
    assert_eq!(
        (
            grades[0].member_id,
            grades[0].grade.as_str(),
            grades[0].assignment
        ),
        (post.author_id, "7", Some(essay.id))
    );
    app.store
        .set_assignment(app.site.id, essay.id, false)
        .await
        .unwrap();
    let grades = app
        .store
        .participation_grades(app.site.id, post.published_at, post.published_at + 1, None)
        .await
        .unwrap();
    assert_eq!(grades[0].assignment, None);
}

#[tokio::test]
async fn a_members_writing_reads_back_and_leaving_keeps_or_trashes_it_but_never_the_last_administrator()
 {
    let app = spawn_app().await;
    let now = calendar::now();
    let author = app.author().await;
    let post = app.publish_post("Theirs").await;
    let draft = app
        .publish(PostSpec {
            status: PostStatus::Draft,
            tags: vec!["draft-tag".into()],
            ..PostSpec::post("Their draft")
        })
        .await;
    let (admin, _) = app
        .account("admin@example.edu", "Ada Admin", Some(Role::Administrator))
        .await;
    let comment = |user_id: Option<i64>, name: &'static str, text: &'static str, private: bool| {
        let store = app.store.clone();
        let (site_id, post_id) = (app.site.id, post.id);
        async move {
            match store
                .submit_comment(
                    &colloquy::store::NewComment {
                        site_id,
                        post_id,
                        parent_id: None,
                        user_id,
                        author_name: name,
                        author_email: "someone@example.edu",
                        author_url: Some("https://example.org/me"),
                        author_ip: "192.0.2.9",
                        user_agent: "test",
                        content: text,
                        content_html: text,
                        status: CommentStatus::Approved,
                        created_at: now,
                        cited: &[],
                        is_private: private,
                        grade: private.then_some("A"),
                        passage: None,
                    },
                    0,
                )
                .await
                .unwrap()
            {
                colloquy::store::Submitted::Stored { comment, .. } => comment.id,
                other => panic!("not stored: {other:?}"),
            }
        }
    };
    let own = comment(Some(author.id), "Wren Writer", "Mine", false).await;
    comment(Some(admin.id), "Ada Admin", "Feedback", true).await;
    comment(None, "A visitor", "Not theirs", false).await;

    let writing = app.store.writing_of(app.site.id, author.id).await.unwrap();
    let titles: Vec<&str> = writing.posts.iter().map(|p| p.title.as_str()).collect();
    assert_eq!(titles.len(), 2);
    assert!(titles.contains(&"Theirs") && titles.contains(&"Their draft"));
    assert!(
        writing
            .terms
            .iter()
            .any(|(id, term)| *id == draft.id && term.name == "draft-tag")
    );
    assert_eq!(
        writing.comments.iter().map(|c| c.id).collect::<Vec<_>>(),
        [own]
    );
    assert_eq!(
        writing.commented.iter().map(|p| p.id).collect::<Vec<_>>(),
        [post.id]
    );
    assert_eq!(writing.feedback.len(), 1);
    assert_eq!(writing.feedback[0].grade.as_deref(), Some("A"));

    assert!(matches!(
        app.store
            .leave_site(app.site.id, admin.id, LeaversWriting::Keep, now)
            .await,
        Err(StoreError::Conflict(Conflict::LastAdministrator))
    ));
    assert_eq!(
        app.store.role_on(app.site.id, admin.id).await.unwrap(),
        Some(Role::Administrator)
    );
    app.store
        .follow(app.site.id, post.id, &author.email, "token-1", true, now)
        .await
        .unwrap();
    let left = app
        .store
        .leave_site(app.site.id, author.id, LeaversWriting::Keep, now)
        .await
        .unwrap();
    assert_eq!((left.posts, left.comments), (2, 1));
    assert_eq!(
        app.store.role_on(app.site.id, author.id).await.unwrap(),
        None
    );
    assert!(
        app.store
            .follow_by_token(app.site.id, "token-1")
            .await
            .unwrap()
            .is_none(),
        "their follows end"
    );
    let card = app
        .store
        .card_by_id(app.site.id, post.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(card.author_name, "former student");
    assert_eq!(card.author_archive(&app.site.root()), None);
    let kept = app
        .store
        .comment_by_id(app.site.id, own)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            kept.author_name.as_str(),
            kept.author_email.as_str(),
            kept.author_url,
            kept.user_id
        ),
        ("former student", "", None, None)
    );
    assert!(matches!(
        app.store
            .leave_site(app.site.id, author.id, LeaversWriting::Keep, now)
            .await,
        Err(StoreError::NotFound)
    ));

    let (student, _) = app
        .account("sam@example.edu", "Sam", Some(Role::Contributor))
        .await;
    let mut spec = PostSpec::post("Sam's");
    spec.status = PostStatus::Pending;
    let sams = app
        .store
        .create_post(
            &colloquy::store::NewPost {
                site_id: app.site.id,
                author_id: student.id,
                kind: PostKind::Post,
                status: spec.status,
                title: spec.title,
                source: spec.body,
                format: colloquy::domain::post::SourceFormat::Markdown,
                excerpt: "",
                slug: None,
                parent_id: None,
                comments_open: true,
                published_at: spec.published_at,
                categories: &[],
                tags: &[],
                sticky: false,
                password: None,
                reading_id: None,
            },
            now,
        )
        .await
        .unwrap();
    let left = app
        .store
        .leave_site(app.site.id, student.id, LeaversWriting::Trash, now)
        .await
        .unwrap();
    assert_eq!((left.posts, left.comments), (1, 0));
    let trashed = app
        .store
        .post_by_id(app.site.id, sams.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(trashed.status, PostStatus::Trash);
    let restored = app
        .store
        .set_trashed(app.site.id, sams.id, false, now)
        .await
        .unwrap();
    assert_eq!(restored.status, PostStatus::Pending);
}

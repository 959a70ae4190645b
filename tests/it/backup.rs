//! `colloquy backup` while comments keep arriving, and `colloquy restore` into a fresh database: the copy is
//! one consistent moment that holds everything acknowledged before it began. PostgreSQL points to pg_dump.

use std::{
    process::{Command, Output},
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
};

use colloquy::store::{CommentFilter, Store};

use crate::helpers::{PostSpec, TestApp, spawn_app};

fn colloquy(database_url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_colloquy"))
        .args(["--database-url", database_url])
        .args(args)
        .output()
        .expect("run colloquy")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test]
async fn a_backup_taken_under_write_load_restores_whole() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("course.backup");
    let backup_arg = backup.to_str().unwrap().to_owned();
    if !app.database_url.starts_with("sqlite:") {
        let output = colloquy(&app.database_url, &["backup", "--output", &backup_arg]);
        assert!(!output.status.success());
        assert!(stderr(&output).contains("pg_dump"), "{}", stderr(&output));
        return;
    }
    app.set("comment_flood_interval", "0").await;
    let post = app.publish(PostSpec::post("Under load")).await;
    let app = Arc::new(app);
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..4)
        .map(|writer| {
            let (app, stop, post) = (app.clone(), stop.clone(), post.clone());
            tokio::spawn(async move {
                let client = crate::helpers::client();
                let mut acknowledged = Vec::new();
                for n in 0..2_000 {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let text = format!("Comment {n} from writer {writer}");
                    let fields = TestApp::reply_fields(&post, &format!("Writer {writer}"), &text);
                    let response = app
                        .leave_reply_from(&client, &format!("198.51.100.{}", writer + 1), &fields)
                        .await;
                    if response.status() == reqwest::StatusCode::SEE_OTHER {
                        acknowledged.push(text);
                    }
                }
                acknowledged
            })
        })
        .collect();
    while app.stored_comment_count(&post).await < 40 {
        tokio::task::yield_now().await;
    }
    let before_backup: Vec<String> = app
        .store
        .list_comments(app.site.id, CommentFilter::default())
        .await
        .unwrap()
        .into_iter()
        .map(|comment| comment.content)
        .collect();
    let database_url = app.database_url.clone();
    let arguments = backup_arg.clone();
    let output = tokio::task::spawn_blocking(move || {
        colloquy(&database_url, &["backup", "--output", &arguments])
    })
    .await
    .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    stop.store(true, Ordering::Relaxed);
    let mut acknowledged = 0;
    for writer in writers {
        acknowledged += writer.await.unwrap().len();
    }
    let after_backup = app.stored_comment_count(&post).await;
    assert!(after_backup >= acknowledged);

    let restored_url = format!("sqlite://{}/restored.db", dir.path().display());
    let output = colloquy(&restored_url, &["restore", &backup_arg]);
    assert!(output.status.success(), "{}", stderr(&output));
    let restored = Store::connect(&restored_url).await.unwrap();
    let original_comments = app
        .store
        .list_comments(app.site.id, CommentFilter::default())
        .await
        .unwrap();
    let restored_comments = restored
        .list_comments(app.site.id, CommentFilter::default())
        .await
        .unwrap();
    for content in &before_backup {
        assert!(
            restored_comments
                .iter()
                .any(|comment| &comment.content == content),
            "'{content}' was stored before the backup began"
        );
    }
    for comment in &restored_comments {
        let original = original_comments
            .iter()
            .find(|original| original.id == comment.id)
            .expect("every restored comment is one of the original's");
        assert_eq!(
            (&original.content, original.post_id, original.status),
            (&comment.content, comment.post_id, comment.status)
        );
    }
    assert_eq!(
        restored.all_posts(app.site.id).await.unwrap().len(),
        app.store.all_posts(app.site.id).await.unwrap().len()
    );
    restored.close().await;
    println!(
        "backup under load: {acknowledged} comments acknowledged, {} in the backup, {after_backup} in the end",
        restored_comments.len()
    );

    let again = colloquy(&restored_url, &["restore", &backup_arg]);
    assert!(!again.status.success());
    assert!(stderr(&again).contains("--force"), "{}", stderr(&again));
    let forced = colloquy(&restored_url, &["restore", &backup_arg, "--force"]);
    assert!(forced.status.success(), "{}", stderr(&forced));
}

#[tokio::test]
async fn a_file_that_is_not_a_backup_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    if !app.database_url.starts_with("sqlite:") {
        let output = colloquy(&app.database_url, &["restore", "/nonexistent"]);
        assert!(
            stderr(&output).contains("pg_restore"),
            "{}",
            stderr(&output)
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let not_sqlite = dir.path().join("notes.txt");
    std::fs::write(&not_sqlite, "these are not the droids").unwrap();
    let empty_sqlite = dir.path().join("other.db");
    let other = Store::connect(&format!("sqlite://{}", empty_sqlite.display()))
        .await
        .unwrap();
    other.ping().await.unwrap();
    other.close().await;
    let posts_before = app.store.all_posts(app.site.id).await.unwrap().len();
    for (file, words) in [
        (not_sqlite.to_str().unwrap(), "notes.txt"),
        (empty_sqlite.to_str().unwrap(), "not a colloquy backup"),
        ("/nonexistent/backup", "there is no backup"),
    ] {
        let output = colloquy(&app.database_url, &["restore", file, "--force"]);
        assert!(!output.status.success(), "{file}");
        assert!(
            stderr(&output).contains(words),
            "{file}: {}",
            stderr(&output)
        );
    }
    assert_eq!(
        app.store.all_posts(app.site.id).await.unwrap().len(),
        posts_before
    );
}

#[tokio::test]
async fn a_backup_never_overwrites_the_live_database_or_an_existing_file() {
    let app = spawn_app().await;
    let Some(live) = colloquy::store::sqlite_file(&app.database_url) else {
        return;
    };
    let post = app.publish(PostSpec::post("Kept safe")).await;
    let folder = live.parent().unwrap();
    let links = tempfile::tempdir().unwrap();
    let link = links.path().join("alias.db");
    std::os::unix::fs::symlink(&live, &link).unwrap();
    let dotted = folder.join(".").join(live.file_name().unwrap());
    let wal = std::path::PathBuf::from(format!("{}-wal", live.display()));
    // The README's `?synchronous=full` (or any parameter) names the same file: once it hid it from the check,
    // and `--force` replaced the live database.
    let with_parameters = [
        app.database_url.clone(),
        format!("{}?synchronous=full", app.database_url),
        format!("{}?mode=rwc&synchronous=normal", app.database_url),
    ];
    for database_url in &with_parameters {
        for target in [&live, &dotted, &link, &wal] {
            let output = colloquy(
                database_url,
                &["backup", "--output", target.to_str().unwrap(), "--force"],
            );
            assert!(
                !output.status.success(),
                "{} {}",
                database_url,
                target.display()
            );
            assert!(
                stderr(&output).contains("is the live database"),
                "{database_url}: {}",
                stderr(&output)
            );
        }
    }
    assert!(
        app.store
            .post_by_id(app.site.id, post.id)
            .await
            .unwrap()
            .is_some(),
        "the database is untouched"
    );
    assert_eq!(app.get(&app.permalink(&post)).await.status(), 200);

    let dir = tempfile::tempdir().unwrap();
    let existing = dir.path().join("yesterday.backup");
    std::fs::write(&existing, "yesterday's backup").unwrap();
    let path = existing.to_str().unwrap();
    let refused = colloquy(&app.database_url, &["backup", "--output", path]);
    assert!(!refused.status.success());
    assert!(stderr(&refused).contains("--force"), "{}", stderr(&refused));
    assert_eq!(
        std::fs::read_to_string(&existing).unwrap(),
        "yesterday's backup"
    );
    let replaced = colloquy(&app.database_url, &["backup", "--output", path, "--force"]);
    assert!(replaced.status.success(), "{}", stderr(&replaced));
    assert!(!dir.path().join("yesterday.backup.partial").exists());
    // A file that only shares the name's stem is not the backup's to remove.
    std::fs::write(dir.path().join("yesterday.partial"), "notes").unwrap();
    let again = colloquy(&app.database_url, &["backup", "--output", path, "--force"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("yesterday.partial")).unwrap(),
        "notes"
    );
}

//! Nothing acknowledged is lost: the real binary is killed with SIGKILL while comments pour in, and every
//! comment that was answered 303 is found afterwards.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use reqwest::StatusCode;

use crate::helpers::{TestApp, client, comment_id_of, spawn_app};

struct Server {
    child: Child,
    address: String,
}

fn start_server(database_url: &str) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_colloquy"))
        .args([
            "--database-url",
            database_url,
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--no-demo",
            "--trusted-proxies",
            "127.0.0.1",
        ])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start colloquy");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let address = loop {
        let line = lines
            .next()
            .expect("the server prints its address")
            .expect("a line");
        if let Some(rest) = line.strip_prefix("colloquy listening on ") {
            break rest.trim_end_matches('/').to_owned();
        }
    };
    Server { child, address }
}

#[tokio::test]
async fn comments_answered_303_survive_a_sigkill() {
    let app = spawn_app().await;
    let post = app.publish_post("Under fire").await;
    app.set("comment_flood_interval", "0").await;
    let mut server = start_server(&app.database_url);

    let acknowledged: Arc<Mutex<Vec<i64>>> = Arc::default();
    let stop_at = Instant::now() + Duration::from_secs(20);
    let mut writers = Vec::new();
    for writer in 0..8 {
        let (address, acknowledged, post) =
            (server.address.clone(), acknowledged.clone(), post.clone());
        writers.push(tokio::spawn(async move {
            let client = client();
            for n in 0..10_000 {
                if Instant::now() > stop_at {
                    break;
                }
                let fields = TestApp::reply_fields(
                    &post,
                    &format!("Writer {writer}"),
                    &format!("Comment {n} from writer {writer}"),
                );
                let sent = client
                    .post(format!("{address}/comments"))
                    .header("x-forwarded-for", format!("198.18.{writer}.{}", n % 250))
                    .form(&fields)
                    .send()
                    .await;
                match sent {
                    Ok(response) if response.status() == StatusCode::SEE_OTHER => {
                        acknowledged
                            .lock()
                            .expect("the list")
                            .push(comment_id_of(&response));
                    }
                    Ok(response) => panic!("unexpected answer {}", response.status()),
                    Err(_) => break,
                }
            }
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(15);
    while acknowledged.lock().expect("the list").len() < 200 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.child.kill().expect("SIGKILL the server");
    server.child.wait().expect("the server is gone");
    for writer in writers {
        writer.await.expect("a writer");
    }

    let acknowledged = acknowledged.lock().expect("the list").clone();
    assert!(
        acknowledged.len() >= 50,
        "only {} comments were acknowledged before the kill",
        acknowledged.len()
    );
    let reopened = colloquy::store::Store::connect(&app.database_url)
        .await
        .expect("reopen the database");
    let mut missing = Vec::new();
    for id in &acknowledged {
        if reopened
            .comment_by_id(app.site.id, *id)
            .await
            .expect("look up")
            .is_none()
        {
            missing.push(*id);
        }
    }
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged comments were lost: {missing:?}",
        missing.len(),
        acknowledged.len()
    );
    eprintln!(
        "durability: {} comments acknowledged before SIGKILL, 0 lost",
        acknowledged.len()
    );

    let mut restarted = start_server(&app.database_url);
    let health = client()
        .get(format!("{}/healthz", restarted.address))
        .send()
        .await
        .expect("health");
    assert_eq!(health.status(), StatusCode::OK);
    restarted.child.kill().expect("stop");
    let _ = restarted.child.wait();
}

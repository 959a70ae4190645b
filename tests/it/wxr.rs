//! WXR export, read back by Python's own XML parser: every author, term, post, page and comment is there, with
//! the rendered HTML and the Markdown source.

use std::{
    io::Write,
    process::{Command, Stdio},
};

use colloquy::domain::{calendar, comment::Moderation, post::PostStatus, user::Role};

use crate::helpers::{PostSpec, TestApp, comment_id_of, spawn_app};

const READ_WXR: &str = r#"
import sys, json, xml.etree.ElementTree as ET
ns = {'wp': 'http://wordpress.org/export/1.2/', 'content': 'http://purl.org/rss/1.0/modules/content/'}
channel = ET.parse(sys.stdin).getroot().find('channel')
text = lambda element, path: element.findtext(path, namespaces=ns)
print(json.dumps({
  'version': text(channel, 'wp:wxr_version'),
  'authors': [text(a, 'wp:author_email') for a in channel.findall('wp:author', ns)],
  'categories': [[text(c, 'wp:category_nicename'), text(c, 'wp:category_parent')] for c in channel.findall('wp:category', ns)],
  'tags': [text(t, 'wp:tag_slug') for t in channel.findall('wp:tag', ns)],
  'items': [{
    'title': i.findtext('title'), 'type': text(i, 'wp:post_type'), 'status': text(i, 'wp:status'),
    'name': text(i, 'wp:post_name'), 'parent': text(i, 'wp:post_parent'), 'password': text(i, 'wp:post_password'),
    'content': text(i, 'content:encoded'),
    'markdown': [text(m, 'wp:meta_value') for m in i.findall('wp:postmeta', ns) if text(m, 'wp:meta_key') == '_colloquy_markdown'],
    'terms': [[c.get('domain'), c.get('nicename')] for c in i.findall('category')],
    'comments': [[text(c, 'wp:comment_content'), text(c, 'wp:comment_approved'), text(c, 'wp:comment_parent'), text(c, 'wp:comment_author_email')] for c in i.findall('wp:comment', ns)],
  } for i in channel.findall('item')],
}))
"#;

fn read_wxr(xml: &[u8]) -> serde_json::Value {
    let mut child = Command::new("python3")
        .args(["-c", READ_WXR])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(xml)
        .expect("write");
    let output = child.wait_with_output().expect("python finishes");
    assert!(output.status.success(), "the export is not well-formed XML");
    serde_json::from_slice(&output.stdout).expect("JSON")
}

#[tokio::test]
async fn the_export_holds_the_whole_site_in_wordpress_form() {
    let app = spawn_app().await;
    let readings = app
        .store
        .create_category(app.site.id, "Readings", None)
        .await
        .unwrap();
    app.store
        .create_category(app.site.id, "Primary sources", Some(readings.id))
        .await
        .unwrap();
    let tricky =
        "Markdown with **bold**, an ampersand & a ]]> terminator, and <script>alert(1)</script>.";
    let post = app
        .publish(PostSpec {
            body: tricky,
            categories: vec!["Primary sources".into()],
            tags: vec!["Kennan".into()],
            ..PostSpec::post("Cables & codes")
        })
        .await;
    app.publish(PostSpec {
        status: PostStatus::Draft,
        ..PostSpec::post("Unfinished")
    })
    .await;
    let syllabus = app.publish(PostSpec::page("Syllabus")).await;
    app.publish(PostSpec {
        parent_id: Some(syllabus.id),
        ..PostSpec::page("Grading")
    })
    .await;
    app.set("comment_flood_interval", "0").await;
    let first = comment_id_of(
        &app.leave_reply(
            "198.51.100.1",
            &TestApp::reply_fields(&post, "Ada", "First <b>comment</b>"),
        )
        .await,
    );
    app.store
        .moderate_comment(app.site.id, first, Moderation::Approve, calendar::now())
        .await
        .unwrap();
    let mut reply = TestApp::reply_fields(&post, "Bea", "A reply");
    reply.retain(|(name, _)| *name != "parent");
    reply.push(("parent", first.to_string()));
    comment_id_of(&app.leave_reply("198.51.100.2", &reply).await);
    let (teacher, _) = app
        .account("teacher@example.edu", "Teacher", Some(Role::Administrator))
        .await;

    let output = Command::new(env!("CARGO_BIN_EXE_colloquy"))
        .args([
            "--database-url",
            &app.database_url,
            "export",
            "wxr",
            "--base-url",
            "https://course.example",
        ])
        .output()
        .expect("run the export");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let wxr = read_wxr(&output.stdout);
    assert_eq!(wxr["version"], "1.2");
    let authors: Vec<&str> = wxr["authors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a.as_str())
        .collect();
    assert!(
        authors.contains(&teacher.email.as_str()) && authors.contains(&"writer@example.edu"),
        "{authors:?}"
    );
    assert!(
        wxr["categories"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!(["primary-sources", "readings"]))
    );
    assert_eq!(wxr["tags"], serde_json::json!(["kennan"]));
    let items = wxr["items"].as_array().unwrap();
    assert_eq!(items.len(), 4);
    let cables = items
        .iter()
        .find(|item| item["title"] == "Cables & codes")
        .unwrap();
    assert_eq!(
        cables["markdown"],
        serde_json::json!([tricky]),
        "the Markdown source round-trips exactly"
    );
    assert!(
        cables["content"]
            .as_str()
            .unwrap()
            .contains("<strong>bold</strong>")
    );
    assert!(!cables["content"].as_str().unwrap().contains("<script>"));
    assert!(
        cables["terms"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!(["post_tag", "kennan"]))
    );
    let comments = cables["comments"].as_array().unwrap();
    assert_eq!(comments.len(), 2);
    assert_eq!(
        comments[0],
        serde_json::json!(["First <b>comment</b>", "1", "0", "ada@example.org"])
    );
    assert_eq!(comments[1][1], "0", "the held reply is exported as held");
    assert_eq!(comments[1][2], first.to_string());
    let grading = items
        .iter()
        .find(|item| item["title"] == "Grading")
        .unwrap();
    assert_eq!(
        (grading["type"].as_str(), grading["parent"].as_str()),
        (Some("page"), Some(syllabus.id.to_string().as_str()))
    );
    assert!(items.iter().any(|item| item["status"] == "draft"));

    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("site.xml");
    let written = Command::new(env!("CARGO_BIN_EXE_colloquy"))
        .args([
            "--database-url",
            &app.database_url,
            "export",
            "wxr",
            "--output",
        ])
        .arg(&file)
        .output()
        .unwrap();
    assert!(written.status.success());
    assert_eq!(
        read_wxr(&std::fs::read(&file).unwrap())["items"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    let refused = Command::new(env!("CARGO_BIN_EXE_colloquy"))
        .args([
            "--database-url",
            &app.database_url,
            "export",
            "wxr",
            "--output",
            "/nonexistent-folder/site.xml",
        ])
        .output()
        .unwrap();
    assert!(!refused.status.success());
}

//! A member's own writing on a site as one zip (#18 point 6): each post as a file of its source with a
//! front-matter header, their comments, the private feedback they received, and a README saying what is where.
//! Names inside the zip are plain ASCII, never a path of their own, and unique.

use std::{
    collections::HashSet,
    io::{Cursor, Write},
};

use zip::{CompressionMethod, ZipWriter, write::SimpleFileOptions};

use super::{calendar::SiteZone, post::SourceFormat};

/// A post of theirs, as it is stored.
#[derive(Clone, Debug)]
pub struct OwnPost {
    pub title: String,
    pub slug: String,
    pub published_at: i64,
    pub status: &'static str,
    pub categories: Vec<String>,
    pub tags: Vec<String>,
    /// Its address, absolute.
    pub address: String,
    pub source: String,
    pub format: SourceFormat,
}

/// A comment of theirs.
#[derive(Clone, Debug)]
pub struct OwnComment {
    pub post_title: String,
    /// The comment's address, absolute.
    pub address: String,
    pub created_at: i64,
    pub status: &'static str,
    pub private: bool,
    pub text: String,
}

/// Private feedback they received on a post of theirs.
#[derive(Clone, Debug)]
pub struct Feedback {
    pub post_title: String,
    pub address: String,
    pub created_at: i64,
    pub from: String,
    pub grade: Option<String>,
    pub text: String,
}

/// Everything a member wrote on one site.
#[derive(Clone, Debug)]
pub struct OwnWriting {
    pub course: String,
    pub course_address: String,
    pub person: String,
    pub made_at: i64,
    pub zone: SiteZone,
    pub posts: Vec<OwnPost>,
    pub comments: Vec<OwnComment>,
    pub feedback: Vec<Feedback>,
}

/// The zip's bytes.
pub fn zip(writing: &OwnWriting) -> zip::result::ZipResult<Vec<u8>> {
    let mut archive = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .unix_permissions(0o644);
    let mut add = |name: &str, text: &str| -> zip::result::ZipResult<()> {
        archive.start_file(name, options)?;
        archive.write_all(text.as_bytes())?;
        Ok(())
    };
    let mut taken = HashSet::new();
    let mut post_files = Vec::with_capacity(writing.posts.len());
    for post in &writing.posts {
        let extension = match post.format {
            SourceFormat::Markdown => "md",
            SourceFormat::Html => "html",
        };
        let date = writing.zone.iso(post.published_at);
        let stem = format!("{}-{}", date.get(..10).unwrap_or(""), safe_stem(&post.slug));
        let name = unique(&mut taken, "posts/", &stem, extension);
        add(&name, &post_file(post, &writing.zone))?;
        post_files.push(name);
    }
    add("README.txt", &readme(writing, &post_files))?;
    add("comments.md", &comments_file(writing))?;
    add("feedback.md", &feedback_file(writing))?;
    Ok(archive.finish()?.into_inner())
}

/// The name the download is saved under: `SLUG-NAME-writing.zip`, in ASCII letters, digits and dashes.
pub fn download_name(site_slug: &str, person: &str) -> String {
    format!(
        "{}-{}-writing.zip",
        safe_stem(site_slug),
        safe_stem(&person.to_lowercase())
    )
}

/// A file name's stem from any text: ASCII letters and digits, other runs made one dash, at most 60
/// characters; "untitled" when nothing is left.
fn safe_stem(text: &str) -> String {
    let mut stem = String::new();
    for ch in text.chars() {
        if ch.is_ascii_alphanumeric() {
            stem.push(ch);
        } else if !stem.is_empty() && !stem.ends_with('-') {
            stem.push('-');
        }
        if stem.len() >= 60 {
            break;
        }
    }
    let stem = stem.trim_end_matches('-');
    if stem.is_empty() {
        "untitled".to_owned()
    } else {
        stem.to_owned()
    }
}

/// `folder` + `stem` + `.extension`, with `-2`, `-3`… after the stem when the name is taken.
fn unique(taken: &mut HashSet<String>, folder: &str, stem: &str, extension: &str) -> String {
    let mut name = format!("{folder}{stem}.{extension}");
    let mut number = 1;
    while taken.contains(&name.to_lowercase()) {
        number += 1;
        name = format!("{folder}{stem}-{number}.{extension}");
    }
    taken.insert(name.to_lowercase());
    name
}

/// A value for the front matter: a YAML double-quoted string (a JSON string is one).
fn quoted(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

fn post_file(post: &OwnPost, zone: &SiteZone) -> String {
    let list = |items: &[String]| {
        items
            .iter()
            .map(|item| quoted(item))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "---\ntitle: {}\ndate: {}\nstatus: {}\ncategories: [{}]\ntags: [{}]\naddress: {}\n---\n\n{}\n",
        quoted(&post.title),
        zone.iso(post.published_at),
        post.status,
        list(&post.categories),
        list(&post.tags),
        quoted(&post.address),
        post.source.trim_end()
    )
}

fn comments_file(writing: &OwnWriting) -> String {
    let mut text = format!("# Your comments on {}\n", writing.course);
    if writing.comments.is_empty() {
        text.push_str("\nYou wrote no comments here.\n");
    }
    for comment in &writing.comments {
        let private = if comment.private {
            " (private: for the post's author and the staff)"
        } else {
            ""
        };
        text.push_str(&format!(
            "\n---\n\n## On \u{201c}{}\u{201d}\n\n- Address: {}\n- Date: {}\n- Status: {}{private}\n\n{}\n",
            comment.post_title,
            comment.address,
            writing.zone.iso(comment.created_at),
            comment.status,
            comment.text.trim_end()
        ));
    }
    text
}

fn feedback_file(writing: &OwnWriting) -> String {
    let mut text = format!("# Private feedback you received on {}\n", writing.course);
    if writing.feedback.is_empty() {
        text.push_str("\nYou received no private feedback here.\n");
    }
    for feedback in &writing.feedback {
        let grade = feedback
            .grade
            .as_ref()
            .map(|grade| format!("- Grade: {grade}\n"))
            .unwrap_or_default();
        text.push_str(&format!(
            "\n---\n\n## On \u{201c}{}\u{201d}\n\n- Address: {}\n- Date: {}\n- From: {}\n{grade}\n{}\n",
            feedback.post_title,
            feedback.address,
            writing.zone.iso(feedback.created_at),
            feedback.from,
            feedback.text.trim_end()
        ));
    }
    text
}

fn readme(writing: &OwnWriting, post_files: &[String]) -> String {
    let mut text = format!(
        "What {person} wrote on {course} ({address}), as of {date}.\n\n\
         posts/        each of your posts that is not in the trash (published, scheduled, private, drafts and\n              \
         those waiting for review), one file each: a header between two --- lines (title, date, status,\n              \
         categories, tags, address), then the text as you wrote it. Images keep the addresses written in it.\n\
         comments.md   your comments, each with the post it is on, its address, date and status.\n\
         feedback.md   the private feedback the course's staff gave on your posts, with any grade.\n\n\
         Posts ({count}):\n",
        person = writing.person,
        course = writing.course,
        address = writing.course_address,
        date = writing.zone.iso(writing.made_at),
        count = post_files.len(),
    );
    for (name, post) in post_files.iter().zip(&writing.posts) {
        text.push_str(&format!("  {name}  {}\n", post.title));
    }
    text
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn post(title: &str, slug: &str) -> OwnPost {
        OwnPost {
            title: title.into(),
            slug: slug.into(),
            published_at: 1_764_000_000,
            status: "publish",
            categories: vec!["Week \"1\"".into()],
            tags: Vec::new(),
            address: "https://blog.example.edu/hist/2025/11/24/a/".into(),
            source: "Text ![map](/media/map.png)".into(),
            format: SourceFormat::Markdown,
        }
    }

    fn writing(posts: Vec<OwnPost>) -> OwnWriting {
        OwnWriting {
            course: "History".into(),
            course_address: "https://blog.example.edu/hist/".into(),
            person: "Sam".into(),
            made_at: 1_764_000_000,
            zone: SiteZone::utc(),
            posts,
            comments: vec![OwnComment {
                post_title: "Another".into(),
                address: "https://blog.example.edu/hist/x/#comment-3".into(),
                created_at: 1_764_000_000,
                status: "approved",
                private: false,
                text: "I agree.".into(),
            }],
            feedback: vec![Feedback {
                post_title: "Mine".into(),
                address: "https://blog.example.edu/hist/y/#comment-4".into(),
                created_at: 1_764_000_000,
                from: "Prof".into(),
                grade: Some("A-".into()),
                text: "Well argued.".into(),
            }],
        }
    }

    fn read(bytes: Vec<u8>) -> Vec<(String, String)> {
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        (0..archive.len())
            .map(|index| {
                let mut file = archive.by_index(index).unwrap();
                let mut text = String::new();
                file.read_to_string(&mut text).unwrap();
                (file.name().unwrap().into_owned(), text)
            })
            .collect()
    }

    #[test]
    fn names_are_plain_and_never_a_path() {
        assert_eq!(safe_stem("../../etc/passwd"), "etc-passwd");
        assert_eq!(safe_stem("a/b\\c"), "a-b-c");
        assert_eq!(safe_stem("été à Paris"), "t-Paris");
        assert_eq!(safe_stem("…"), "untitled");
        assert_eq!(safe_stem(&"x".repeat(100)).len(), 60);
        assert_eq!(
            download_name("hist-220", "Zoë O'Brien"),
            "hist-220-zo-o-brien-writing.zip"
        );
    }

    #[test]
    fn every_file_has_a_name_of_its_own() {
        let bytes = zip(&writing(vec![
            post("Same", "same"),
            post("Same", "same"),
            post("Dots", ".."),
        ]))
        .unwrap();
        let names: Vec<String> = read(bytes).into_iter().map(|(name, _)| name).collect();
        assert_eq!(
            names,
            [
                "posts/2025-11-24-same.md",
                "posts/2025-11-24-same-2.md",
                "posts/2025-11-24-untitled.md",
                "README.txt",
                "comments.md",
                "feedback.md"
            ]
        );
    }

    #[test]
    fn a_post_is_its_source_under_a_header() {
        let files = read(zip(&writing(vec![post("A \"quoted\" title", "a")])).unwrap());
        let (_, text) = &files[0];
        assert!(
            text.starts_with("---\ntitle: \"A \\\"quoted\\\" title\"\n"),
            "{text}"
        );
        assert!(text.contains("status: publish\n"));
        assert!(text.contains("categories: [\"Week \\\"1\\\"\"]\n"));
        assert!(text.contains("address: \"https://blog.example.edu/hist/2025/11/24/a/\"\n"));
        assert!(text.ends_with("---\n\nText ![map](/media/map.png)\n"));
        let (_, feedback) = &files[3];
        assert!(feedback.contains("- Grade: A-\n"), "{feedback}");
        assert!(
            files[1]
                .1
                .contains("posts/2025-11-24-a.md  A \"quoted\" title")
        );
    }
}

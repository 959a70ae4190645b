//! The demo course created in an empty database, so that `cargo run --release` shows a living course blog.

use anyhow::Context;
use rand::{Rng, distr::Alphanumeric};

use crate::{
    domain::{
        calendar,
        comment::{CommentStatus, PassageRef},
        markup,
        post::{PostKind, PostStatus, SourceFormat},
        reading::{self, Reading, ReadingDetails},
        site::MAIN_SITE,
        user::{Role, User, hash_password},
    },
    store::{NewComment, NewPost, NewUser, Site, Store, StoreError},
};

/// The main site, created (untitled) when the database has none.
pub async fn ensure_main_site(store: &Store) -> anyhow::Result<Site> {
    match store.site_by_slug(MAIN_SITE).await {
        Ok(site) => Ok(site),
        Err(StoreError::NotFound) => match store
            .create_site(MAIN_SITE, "A course blog", calendar::now())
            .await
        {
            Ok(site) => Ok(site),
            Err(StoreError::Conflict(_)) => Ok(store.site_by_slug(MAIN_SITE).await?),
            Err(error) => Err(error.into()),
        },
        Err(error) => Err(error.into()),
    }
}

/// The instructor account of the demo course, with its password in clear, to be shown once.
pub struct DemoCredentials {
    pub email: String,
    pub password: String,
}

const DAY: i64 = 86_400;

/// Fills the main site with a small course: an instructor, two students, posts in two categories, pages, and a
/// threaded discussion.
pub async fn create_demo_course(store: &Store, site: &Site) -> anyhow::Result<DemoCredentials> {
    let now = calendar::now();
    for (key, value) in [
        ("title", "HIST 210: Cold War Cultures"),
        ("tagline", "Readings, responses and discussion, fall term"),
    ] {
        store.save_setting(site.id, key, value).await?;
    }
    let password: String = rand::rng()
        .sample_iter(&Alphanumeric)
        .take(16)
        .map(char::from)
        .collect();
    let hash = hash_password(&password).context("hashing the demo password")?;
    let instructor = store
        .create_user(
            &NewUser {
                email: "instructor@example.edu",
                name: "Dana Whitfield",
                password_hash: Some(&hash),
                email_confirmed: true,
            },
            now,
        )
        .await?;
    store
        .set_role(site.id, instructor.id, Role::Administrator, now)
        .await?;
    let sam = store
        .create_user(
            &NewUser {
                email: "sam.okafor@example.edu",
                name: "Sam Okafor",
                password_hash: None,
                email_confirmed: true,
            },
            now,
        )
        .await?;
    let lena = store
        .create_user(
            &NewUser {
                email: "lena.park@example.edu",
                name: "Lena Park",
                password_hash: None,
                email_confirmed: true,
            },
            now,
        )
        .await?;
    for student in [&sam, &lena] {
        store
            .set_role(site.id, student.id, Role::Author, now)
            .await?;
    }

    let post = |author_id,
                kind,
                title,
                source: &'static str,
                published_at,
                categories: &'static [&'static str],
                tags: &'static [&'static str]| {
        (
            author_id,
            kind,
            title,
            source,
            published_at,
            categories,
            tags,
        )
    };
    let telegram = store
        .create_reading(
            site.id,
            &ReadingDetails {
                title: "The Long Telegram".into(),
                author: "George F. Kennan".into(),
                year: Some(1946),
                label: "Kennan 1946".into(),
                source: LONG_TELEGRAM.into(),
                members_only: false,
            },
            now - 21 * DAY,
        )
        .await?;
    let entries = [
        post(
            instructor.id,
            PostKind::Page,
            "Syllabus",
            SYLLABUS,
            now - 21 * DAY,
            &[],
            &[],
        ),
        post(
            instructor.id,
            PostKind::Page,
            "Discussion guidelines",
            GUIDELINES,
            now - 21 * DAY,
            &[],
            &[],
        ),
        post(
            instructor.id,
            PostKind::Post,
            "Welcome to HIST 210",
            WELCOME,
            now - 20 * DAY,
            &["Announcements"],
            &["course business"],
        ),
        post(
            sam.id,
            PostKind::Post,
            "The Long Telegram as a piece of writing",
            RESPONSE_ONE,
            now - 14 * DAY,
            &["Reading responses"],
            &["Kennan", "week 1"],
        ),
        post(
            lena.id,
            PostKind::Post,
            "Posters that sell a war nobody fights",
            RESPONSE_TWO,
            now - 7 * DAY,
            &["Reading responses"],
            &["propaganda", "week 2"],
        ),
        post(
            instructor.id,
            PostKind::Post,
            "Midterm essay: prompts and advice",
            MIDTERM,
            now - 2 * DAY,
            &["Announcements"],
            &["essays"],
        ),
    ];
    let mut syllabus_id = None;
    let mut discussed = None;
    for (author_id, kind, title, source, published_at, categories, tags) in entries {
        let categories: Vec<String> = categories.iter().map(|name| (*name).to_owned()).collect();
        let tags: Vec<String> = tags.iter().map(|name| (*name).to_owned()).collect();
        let created = store
            .create_post(
                &NewPost {
                    reading_id: (author_id == sam.id).then_some(telegram.id),
                    site_id: site.id,
                    author_id,
                    kind,
                    status: PostStatus::Publish,
                    title,
                    source,
                    format: SourceFormat::Markdown,
                    excerpt: "",
                    slug: None,
                    parent_id: None,
                    comments_open: kind == PostKind::Post,
                    published_at,
                    categories: &categories,
                    tags: &tags,
                    sticky: false,
                    password: None,
                },
                now,
            )
            .await?;
        if title == "Syllabus" {
            syllabus_id = Some(created.id);
        }
        if author_id == sam.id {
            discussed = Some(created);
        }
    }
    store
        .create_post(
            &NewPost {
                reading_id: None,
                site_id: site.id,
                author_id: instructor.id,
                kind: PostKind::Page,
                status: PostStatus::Publish,
                title: "Grading",
                source: GRADING,
                format: SourceFormat::Markdown,
                excerpt: "",
                slug: None,
                parent_id: syllabus_id,
                comments_open: false,
                published_at: now - 21 * DAY,
                categories: &[],
                tags: &[],
                sticky: false,
                password: None,
            },
            now,
        )
        .await?;

    let discussed = discussed.context("the demo discussion's post")?;
    let voices = [
        (
            "Lena Park",
            "lena.park@example.edu",
            Some(lena.id),
            None,
            "I liked how you read the telegram's <em>rhythm</em>. The numbered sections make it feel like a legal brief, which makes the argument sound settled before it is argued.",
        ),
        (
            "Dana Whitfield",
            "instructor@example.edu",
            Some(instructor.id),
            Some(0),
            "Good point, Lena. Sam, can you say more about where Kennan hedges? Look at the last section again.",
        ),
        (
            "Sam Okafor",
            "sam.okafor@example.edu",
            Some(sam.id),
            Some(1),
            "He hedges on timing: the pressure \"cannot be charmed or talked out of existence\" but he never says how long containment would take.",
        ),
        (
            "Jordan Ruiz",
            "jordan.ruiz@example.org",
            None,
            None,
            "Visiting from the public history blog: the 1946 cable was also read aloud in briefings, so its rhythm mattered to listeners, not only readers.",
        ),
        (
            "Lena Park",
            "lena.park@example.edu",
            Some(lena.id),
            Some(3),
            "That explains the short sentences. Thank you!",
        ),
    ];
    let mut ids: Vec<i64> = Vec::new();
    for (index, (name, email, user_id, parent, text)) in voices.into_iter().enumerate() {
        let html = markup::comment_to_html(text);
        let offset = i64::try_from(index).unwrap_or(0) * 3_600;
        let stored = store
            .submit_comment(
                &NewComment {
                    is_private: false,
                    grade: None,
                    passage: None,
                    cited: &[],
                    site_id: site.id,
                    post_id: discussed.id,
                    parent_id: parent.and_then(|index: usize| ids.get(index).copied()),
                    user_id,
                    author_name: name,
                    author_email: email,
                    author_url: None,
                    author_ip: "127.0.0.1",
                    user_agent: "colloquy demo",
                    content: text,
                    content_html: html.as_str(),
                    status: CommentStatus::Approved,
                    created_at: discussed.published_at + DAY + offset,
                },
                0,
            )
            .await?;
        match stored {
            crate::store::Submitted::Stored { comment, .. } => ids.push(comment.id),
            other => anyhow::bail!("demo comment refused: {other:?}"),
        }
    }
    discuss_a_passage(store, site, &telegram, &lena, now).await?;
    Ok(DemoCredentials {
        email: instructor.email,
        password,
    })
}

/// A student's comment on the reading's paragraph about insecurity, beside it on the reading's page.
async fn discuss_a_passage(
    store: &Store,
    site: &Site,
    telegram: &Reading,
    student: &User,
    now: i64,
) -> anyhow::Result<()> {
    let holder = store.reading_discussion(telegram, now - 14 * DAY).await?;
    let text = reading::parse(&telegram.source)?;
    let Some(paragraph) = text
        .pages
        .iter()
        .flat_map(|page| &page.paragraphs)
        .find(|paragraph| paragraph.text.contains("sense of insecurity"))
    else {
        anyhow::bail!("the demo reading lost its paragraph on insecurity");
    };
    let passage = PassageRef {
        signature: paragraph.signature.clone(),
        text: paragraph.text.clone(),
    };
    let words = "\"Neurotic\" is a strong word for a diplomat. Is Kennan describing the Kremlin or persuading Washington?";
    let html = markup::comment_to_html(words);
    let stored = store
        .submit_comment(
            &NewComment {
                is_private: false,
                grade: None,
                passage: Some(&passage),
                cited: &[],
                site_id: site.id,
                post_id: holder.id,
                parent_id: None,
                user_id: Some(student.id),
                author_name: student.public_name(),
                author_email: &student.email,
                author_url: None,
                author_ip: "127.0.0.1",
                user_agent: "colloquy demo",
                content: words,
                content_html: html.as_str(),
                status: CommentStatus::Approved,
                created_at: now - 13 * DAY,
            },
            0,
        )
        .await?;
    match stored {
        crate::store::Submitted::Stored { .. } => Ok(()),
        other => anyhow::bail!("demo comment refused: {other:?}"),
    }
}

const SYLLABUS: &str = "HIST 210 reads the Cold War through what people wrote, printed, broadcast and sang.\n\n\
## Meetings\n\nTuesdays and Thursdays, 10:30–11:45.\n\n\
## Weekly rhythm\n\n| Day | What happens |\n|---|---|\n| Monday | Reading response posted on this blog |\n\
| Wednesday | Two replies to classmates' responses |\n| Thursday | Discussion in class |\n\n\
See [Grading](/syllabus/grading/) for how the blog counts.";

const GRADING: &str = "Reading responses are 40% of the grade, replies 20%, the midterm essay 15% and the final \
project 25%.\n\nA response is on time when it is posted before Monday at midnight in the course's time zone.";

const GUIDELINES: &str = "Disagree with ideas, not people. Quote the text you are answering and give its page.\n\n\
> A good reply leaves the writer with a question they want to answer.\n\nComments from outside the class are \
welcome and are held for moderation the first time.";

const WELCOME: &str = "Welcome! This blog is where our reading happens in public. Each week you will post a \
response to the assigned reading and reply to two classmates.\n\nStart with the [syllabus](/syllabus/) and the \
[discussion guidelines](/discussion-guidelines/). Questions about the course go in the comments below.";

const RESPONSE_ONE: &str = "Kennan's cable is usually read for its argument. I want to read it for its **form**: \
five numbered parts, each opening with a claim and closing with an instruction.[^form]\n\n\
> it is not the only kind of document the State Department received that winter\n\n\
The telegram persuades by sounding like a diagnosis rather than a recommendation: it finds \
\"traditional and instinctive Russian sense of insecurity\" (2) at the bottom of everything, as a doctor finds a \
cause. \
That choice of genre did a lot of the persuading.\n\n[^form]: The numbering was Kennan's own; the press copies \
dropped it.";

const RESPONSE_TWO: &str = "The posters we looked at this week never show a battlefield. They show kitchens, \
schools and suburbs under threat. The war they sell is one that will *not* be fought, if only everyone keeps \
watch.\n\n- Who is watching in these posters?\n- Who is being watched?\n\nI think the answer to both is the \
viewer.";

const MIDTERM: &str = "The midterm essay is due at the end of week 7. Choose one prompt:\n\n\
1. How did a genre (the telegram, the poster, the civil-defence film) shape an argument?\n\
2. Compare two sources that address the same event for different audiences.\n\n\
Cite page numbers for every quotation, and post a draft thesis here as a comment if you want early feedback.";

/// Excerpts of a public-domain text (a US government cable), paged as in the class's reading packet.
const LONG_TELEGRAM: &str = "[page 1]
Answer to Dept's 284, Feb 3, involves questions so intricate, so delicate, so strange to our form of thought, \
and so important to analysis of our international environment that I cannot compress answers into single \
brief message without yielding to what I feel would be dangerous degree of over-simplification.

I hope, therefore, Dept will bear with me if I submit in answer to this question five parts.

[page 2]
At bottom of Kremlin's neurotic view of world affairs is traditional and instinctive Russian sense of \
insecurity. Originally, this was insecurity of a peaceful agricultural people trying to live on vast exposed \
plain in neighborhood of fierce nomadic peoples.

[page 3]
In summary, we have here a political force committed fanatically to the belief that with US there can be no \
permanent modus vivendi, that it is desirable and necessary that the internal harmony of our society be \
disrupted, our traditional way of life be destroyed, the international authority of our state be broken, if \
Soviet power is to be secure.

[page 4]
World communism is like malignant parasite which feeds only on diseased tissue. This is point at which \
domestic and foreign policies meet.

Finally we must have courage and self-confidence to cling to our own methods and conceptions of human \
society. After all, the greatest danger that can befall us in coping with this problem of Soviet communism, is \
that we shall allow ourselves to become like those with whom we are coping.
";

//! Writing a site as WXR 1.2, as WordPress's own exporter writes it: authors, categories with parents, tags,
//! posts and pages with every status, their rendered HTML in `content:encoded`, the Markdown source in the
//! `_colloquy_markdown` post meta, earlier slugs in `_wp_old_slug`, and their comments.

use std::{collections::HashMap, fmt::Write as _, io::Write};

use crate::{
    address,
    domain::{
        calendar::{self, SiteZone},
        comment::{Comment, CommentStatus},
        post::{Post, SourceFormat, Taxonomy, Term},
        user::User,
    },
    store::{CommentFilter, Site, Store, StoreResult},
};

/// The post meta key that carries a post's Markdown source.
pub const MARKDOWN_META_KEY: &str = "_colloquy_markdown";

/// WordPress's post meta key for a slug the post had before, whose address still leads to it.
pub const OLD_SLUG_META_KEY: &str = "_wp_old_slug";

/// Text in a CDATA section, with any `]]>` inside split across two sections.
fn cdata(text: &str) -> String {
    format!("<![CDATA[{}]]>", text.replace("]]>", "]]]]><![CDATA[>"))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Writes the whole site to `out`. `origin` is the server's public address (no trailing slash); the site's
/// own is its root after it.
pub async fn export(
    store: &Store,
    site: &Site,
    origin: &str,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let origin = origin.trim_end_matches('/');
    let base_url = &format!("{origin}{}", site.root());
    let zone = site.settings.zone();
    let utc = SiteZone::utc();
    let posts = store.all_posts(site.id).await?;
    let terms = store.all_terms(site.id).await?;
    let authors = authors_of(store, site, &posts).await?;
    let by_id: HashMap<i64, &Term> = terms.iter().map(|term| (term.id, term)).collect();
    let mut xml = String::with_capacity(64 * 1024);
    xml.push_str(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<rss version=\"2.0\"\n\
         \txmlns:excerpt=\"http://wordpress.org/export/1.2/excerpt/\"\n\
         \txmlns:content=\"http://purl.org/rss/1.0/modules/content/\"\n\
         \txmlns:wfw=\"http://wellformedweb.org/CommentAPI/\"\n\
         \txmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n\
         \txmlns:wp=\"http://wordpress.org/export/1.2/\"\n>\n<channel>\n",
    );
    let _ = writeln!(xml, "\t<title>{}</title>", escape(&site.settings.title));
    let _ = writeln!(xml, "\t<link>{}</link>", escape(base_url));
    let _ = writeln!(
        xml,
        "\t<description>{}</description>",
        escape(&site.settings.tagline)
    );
    let _ = writeln!(
        xml,
        "\t<pubDate>{}</pubDate>",
        calendar::rfc2822(calendar::now())
    );
    xml.push_str("\t<language>en</language>\n\t<wp:wxr_version>1.2</wp:wxr_version>\n");
    let _ = writeln!(
        xml,
        "\t<wp:base_site_url>{0}</wp:base_site_url>\n\t<wp:base_blog_url>{0}</wp:base_blog_url>",
        escape(base_url)
    );
    for author in &authors {
        let _ = writeln!(
            xml,
            "\t<wp:author><wp:author_id>{}</wp:author_id><wp:author_login>{}</wp:author_login><wp:author_email>{}</wp:author_email><wp:author_display_name>{}</wp:author_display_name><wp:author_first_name>{}</wp:author_first_name><wp:author_last_name>{}</wp:author_last_name></wp:author>",
            author.id,
            cdata(&author.nicename),
            cdata(&author.email),
            cdata(&author.name),
            cdata(""),
            cdata(""),
        );
    }
    for term in terms
        .iter()
        .filter(|term| term.taxonomy == Taxonomy::Category)
    {
        let parent = term
            .parent_id
            .and_then(|id| by_id.get(&id))
            .map_or("", |parent| parent.slug.as_str());
        let _ = writeln!(
            xml,
            "\t<wp:category><wp:term_id>{}</wp:term_id><wp:category_nicename>{}</wp:category_nicename><wp:category_parent>{}</wp:category_parent><wp:cat_name>{}</wp:cat_name></wp:category>",
            term.id,
            cdata(&term.slug),
            cdata(parent),
            cdata(&term.name),
        );
    }
    for term in terms.iter().filter(|term| term.taxonomy == Taxonomy::Tag) {
        let _ = writeln!(
            xml,
            "\t<wp:tag><wp:term_id>{}</wp:term_id><wp:tag_slug>{}</wp:tag_slug><wp:tag_name>{}</wp:tag_name></wp:tag>",
            term.id,
            cdata(&term.slug),
            cdata(&term.name),
        );
    }
    xml.push_str("\t<generator>colloquy</generator>\n");
    out.write_all(xml.as_bytes())?;

    let logins: HashMap<i64, &str> = authors
        .iter()
        .map(|author| (author.id, author.nicename.as_str()))
        .collect();
    let post_ids: Vec<i64> = posts.iter().map(|post| post.id).collect();
    let mut terms_by_post: HashMap<i64, Vec<Term>> = HashMap::new();
    for chunk in post_ids.chunks(1000) {
        for (post_id, term) in store.terms_of_posts(chunk).await? {
            terms_by_post.entry(post_id).or_default().push(term);
        }
    }
    let mut old_slugs_by_post: HashMap<i64, Vec<String>> = HashMap::new();
    for (post_id, old_slug) in store.old_slugs(site.id).await? {
        old_slugs_by_post.entry(post_id).or_default().push(old_slug);
    }
    for post in &posts {
        let mut item = String::with_capacity(post.source.len() * 3 + 2048);
        let link = format!(
            "{origin}{}",
            address::of(store, site, address::Target::Post(post)).await?
        );
        item.push_str("\t<item>\n");
        let _ = writeln!(item, "\t\t<title>{}</title>", cdata(&post.title));
        let _ = writeln!(item, "\t\t<link>{}</link>", escape(&link));
        let _ = writeln!(
            item,
            "\t\t<pubDate>{}</pubDate>",
            calendar::rfc2822(post.published_at)
        );
        let _ = writeln!(
            item,
            "\t\t<dc:creator>{}</dc:creator>",
            cdata(logins.get(&post.author_id).copied().unwrap_or_default())
        );
        let _ = writeln!(
            item,
            "\t\t<guid isPermaLink=\"false\">{}</guid>",
            escape(&format!("{base_url}/?p={}", post.id))
        );
        item.push_str("\t\t<description></description>\n");
        let _ = writeln!(
            item,
            "\t\t<content:encoded>{}</content:encoded>",
            cdata(post.content_html.as_str())
        );
        let _ = writeln!(
            item,
            "\t\t<excerpt:encoded>{}</excerpt:encoded>",
            cdata(&post.excerpt)
        );
        let _ = writeln!(item, "\t\t<wp:post_id>{}</wp:post_id>", post.id);
        let _ = writeln!(
            item,
            "\t\t<wp:post_date>{}</wp:post_date>",
            cdata(&zone.wordpress(post.published_at))
        );
        let _ = writeln!(
            item,
            "\t\t<wp:post_date_gmt>{}</wp:post_date_gmt>",
            cdata(&utc.wordpress(post.published_at))
        );
        let _ = writeln!(
            item,
            "\t\t<wp:post_modified>{}</wp:post_modified>",
            cdata(&zone.wordpress(post.modified_at))
        );
        let _ = writeln!(
            item,
            "\t\t<wp:post_modified_gmt>{}</wp:post_modified_gmt>",
            cdata(&utc.wordpress(post.modified_at))
        );
        let _ = writeln!(
            item,
            "\t\t<wp:comment_status>{}</wp:comment_status>",
            cdata(if post.comments_open { "open" } else { "closed" })
        );
        let _ = writeln!(
            item,
            "\t\t<wp:ping_status>{}</wp:ping_status>",
            cdata("closed")
        );
        let _ = writeln!(
            item,
            "\t\t<wp:post_name>{}</wp:post_name>",
            cdata(&post.slug)
        );
        let _ = writeln!(
            item,
            "\t\t<wp:status>{}</wp:status>",
            cdata(post.status.as_str())
        );
        let _ = writeln!(
            item,
            "\t\t<wp:post_parent>{}</wp:post_parent>",
            post.parent_id.unwrap_or(0)
        );
        item.push_str("\t\t<wp:menu_order>0</wp:menu_order>\n");
        let _ = writeln!(
            item,
            "\t\t<wp:post_type>{}</wp:post_type>",
            cdata(post.kind.as_str())
        );
        let _ = writeln!(
            item,
            "\t\t<wp:post_password>{}</wp:post_password>",
            cdata(post.password.as_deref().unwrap_or_default())
        );
        let _ = writeln!(
            item,
            "\t\t<wp:is_sticky>{}</wp:is_sticky>",
            u8::from(post.sticky)
        );
        for term in terms_by_post.get(&post.id).into_iter().flatten() {
            let domain = if term.taxonomy == Taxonomy::Category {
                "category"
            } else {
                "post_tag"
            };
            let _ = writeln!(
                item,
                "\t\t<category domain=\"{domain}\" nicename=\"{}\">{}</category>",
                escape(&term.slug).replace('"', "&quot;"),
                cdata(&term.name)
            );
        }
        for old_slug in old_slugs_by_post.get(&post.id).into_iter().flatten() {
            let _ = writeln!(
                item,
                "\t\t<wp:postmeta><wp:meta_key>{}</wp:meta_key><wp:meta_value>{}</wp:meta_value></wp:postmeta>",
                cdata(OLD_SLUG_META_KEY),
                cdata(old_slug),
            );
        }
        if post.source_format == SourceFormat::Markdown {
            let _ = writeln!(
                item,
                "\t\t<wp:postmeta><wp:meta_key>{}</wp:meta_key><wp:meta_value>{}</wp:meta_value></wp:postmeta>",
                cdata(MARKDOWN_META_KEY),
                cdata(&post.source),
            );
        }
        let comments = store
            .list_comments(
                site.id,
                CommentFilter {
                    status: None,
                    post_id: Some(post.id),
                },
            )
            .await?;
        // Private feedback is between a student and the staff: WordPress has no such comment, and an import
        // would publish it.
        for comment in comments.iter().rev().filter(|comment| !comment.is_private) {
            write_comment(&mut item, comment, &zone, &utc);
        }
        item.push_str("\t</item>\n");
        out.write_all(item.as_bytes())?;
    }
    out.write_all(b"</channel>\n</rss>\n")?;
    Ok(())
}

fn write_comment(item: &mut String, comment: &Comment, zone: &SiteZone, utc: &SiteZone) {
    let approved = match comment.status {
        CommentStatus::Approved => "1",
        CommentStatus::Pending => "0",
        CommentStatus::Spam => "spam",
        CommentStatus::Trash => "trash",
    };
    let _ = writeln!(
        item,
        "\t\t<wp:comment><wp:comment_id>{}</wp:comment_id><wp:comment_author>{}</wp:comment_author><wp:comment_author_email>{}</wp:comment_author_email><wp:comment_author_url>{}</wp:comment_author_url><wp:comment_author_IP>{}</wp:comment_author_IP><wp:comment_date>{}</wp:comment_date><wp:comment_date_gmt>{}</wp:comment_date_gmt><wp:comment_content>{}</wp:comment_content><wp:comment_approved>{}</wp:comment_approved><wp:comment_type>{}</wp:comment_type><wp:comment_parent>{}</wp:comment_parent><wp:comment_user_id>{}</wp:comment_user_id></wp:comment>",
        comment.id,
        cdata(&comment.author_name),
        cdata(&comment.author_email),
        cdata(comment.author_url.as_deref().unwrap_or_default()),
        cdata(&comment.author_ip),
        cdata(&zone.wordpress(comment.created_at)),
        cdata(&utc.wordpress(comment.created_at)),
        cdata(&comment.content),
        cdata(approved),
        cdata("comment"),
        comment.parent_id.unwrap_or(0),
        comment.user_id.unwrap_or(0),
    );
}

/// The site's members and every other author of its posts.
async fn authors_of(store: &Store, site: &Site, posts: &[Post]) -> StoreResult<Vec<User>> {
    let mut authors: Vec<User> = store
        .members(site.id)
        .await?
        .into_iter()
        .map(|member| member.user)
        .collect();
    for post in posts {
        if !authors.iter().any(|author| author.id == post.author_id) {
            authors.push(store.user_by_id(post.author_id).await?);
        }
    }
    Ok(authors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cdata_sections_survive_their_own_terminator() {
        assert_eq!(cdata("a ]]> b"), "<![CDATA[a ]]]]><![CDATA[> b]]>");
    }
}

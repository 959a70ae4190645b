//! Fixed resources: robots.txt, the sitemap, identicon avatars, and the liveness probe.

use axum::{
    extract::Path,
    http::{StatusCode, header},
    response::IntoResponse,
};

use crate::{
    address::Target,
    domain::{avatar, calendar, permalink, settings::Visibility},
};

use crate::web::{error::WebError, site_scope::Scoped};

/// `/healthz`: 200 when the database answers, 503 otherwise.
pub async fn healthz(state: Scoped) -> impl IntoResponse {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok\n"),
        Err(error) => {
            tracing::warn!(%error, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n")
        }
    }
}

/// `/robots.txt`: public sites welcome crawlers; hidden and members-only sites turn them away. Crawlers read
/// only the server's own `/robots.txt`, so the main site's speaks for every site: each sub-site that is not
/// public is disallowed, and each public one's sitemap is named.
pub async fn robots(state: Scoped) -> Result<impl IntoResponse, WebError> {
    let site = state.site().clone();
    let sites = if site.is_main() {
        state.store.sites().await?
    } else {
        vec![site]
    };
    let mut rules = String::from("User-agent: *\n");
    let mut sitemaps = String::new();
    for site in &sites {
        match site.settings.visibility {
            Visibility::Public => {
                if !site.is_main()
                    && sites.iter().any(|other| {
                        other.is_main() && other.settings.visibility != Visibility::Public
                    })
                {
                    rules.push_str(&format!("Allow: {}\n", site.root().join("/")));
                }
                sitemaps.push_str(&format!(
                    "Sitemap: {}{}\n",
                    state.base_url,
                    site.root().join("/sitemap.xml")
                ));
            }
            Visibility::Hidden | Visibility::MembersOnly => {
                rules.push_str(&format!("Disallow: {}\n", site.root().join("/")));
            }
        }
    }
    if !rules.contains("Disallow") {
        rules.push_str("Disallow:\n");
    }
    if !sitemaps.is_empty() {
        rules.push('\n');
        rules.push_str(&sitemaps);
    }
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], rules))
}

/// The most entries one sitemap file may hold (sitemaps.org).
const SITEMAP_LIMIT: i64 = 50_000;

/// `/sitemap.xml`: posts, pages and categories of a public site; hidden and members-only sites have none.
pub async fn sitemap(state: Scoped) -> Result<impl IntoResponse, WebError> {
    let site = state.site().clone();
    if site.settings.visibility != Visibility::Public {
        return Err(WebError::NotFound);
    }
    let origin = state.base_url.to_string();
    let root = site.root();
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    let mut entry = |path: &str, modified: Option<i64>| {
        xml.push_str("  <url><loc>");
        xml.push_str(&escape_xml(&format!("{origin}{path}")));
        xml.push_str("</loc>");
        if let Some(modified) = modified {
            xml.push_str(&format!(
                "<lastmod>{}</lastmod>",
                calendar::rfc3339_utc(modified)
            ));
        }
        xml.push_str("</url>\n");
    };
    entry(&root.join("/"), None);
    for post in state
        .store
        .published_for_sitemap(site.id, SITEMAP_LIMIT)
        .await?
    {
        entry(
            &state.address_of(&site, Target::Post(&post)).await?,
            Some(post.modified_at.max(post.published_at)),
        );
    }
    let readings = state.store.readings(site.id).await?;
    if !readings.is_empty() {
        entry(&root.join("/readings/"), None);
    }
    for reading in readings.iter().filter(|reading| !reading.members_only) {
        entry(
            &root.join(&format!(
                "/readings/{}/",
                permalink::encode_segment(&reading.slug)
            )),
            None,
        );
    }
    for category in state.store.categories(site.id).await? {
        entry(
            &root.join(&permalink::archive_path(
                permalink::ArchiveKind::Category,
                &category.slug,
            )),
            None,
        );
    }
    xml.push_str("</urlset>\n");
    Ok((
        [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
        xml,
    ))
}

fn escape_xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `/avatar/KEY.svg`: the identicon for an avatar key. Keys come from a salted hash, so this learns nothing.
pub async fn avatar(Path(file): Path<String>) -> Result<impl IntoResponse, WebError> {
    let key = file
        .strip_suffix(".svg")
        .filter(|key| avatar::is_key(key))
        .ok_or(WebError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        avatar::identicon_svg(key),
    ))
}

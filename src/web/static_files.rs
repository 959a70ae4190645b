//! The files under `static/` (the theme, its scripts, the editor's vendored libraries), embedded in the binary
//! and served at fingerprinted addresses: `/static/style.3f2a9c01d4.css` names one exact content, so it is
//! sent with `Cache-Control: immutable` and a new build changes the address, never the meaning of an old one.
//! Each file's gzip and brotli forms are made once, the first time a client asks for them. A stylesheet's
//! `url(...)` references to other files are rewritten to their fingerprinted addresses.

use std::{
    collections::HashMap,
    sync::{LazyLock, OnceLock},
};

use axum::{
    body::{Body, Bytes},
    extract::Path,
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    response::{IntoResponse, Response},
};
use sha2::{Digest, Sha256};

use crate::web::cache::{accepts, brotli, gzip};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/static_files.rs"));
}

struct Asset {
    content_type: &'static str,
    identity: Bytes,
    compressible: bool,
    gzip: OnceLock<Bytes>,
    brotli: OnceLock<Bytes>,
    etag: HeaderValue,
}

struct Assets {
    /// Fingerprinted address (under `/static/`) → file.
    by_address: HashMap<String, Asset>,
    /// Plain name (`style.css`) → fingerprinted address (`/static/style.3f2a9c01d4.css`).
    hrefs: HashMap<&'static str, String>,
}

static ASSETS: LazyLock<Assets> = LazyLock::new(|| {
    let mut assets = Assets {
        by_address: HashMap::new(),
        hrefs: HashMap::new(),
    };
    // Stylesheets last, so that the files they name already have their addresses.
    let (stylesheets, others): (Vec<_>, Vec<_>) = embedded::FILES
        .iter()
        .partition(|(name, _)| name.ends_with(".css"));
    for (name, bytes) in others.into_iter().chain(stylesheets) {
        let content = if name.ends_with(".css") {
            Bytes::from(rewrite_urls(name, bytes, &assets.hrefs))
        } else {
            Bytes::from_static(bytes)
        };
        let digest = hex::encode(&Sha256::digest(&content)[..5]);
        let address = fingerprinted(name, &digest);
        let content_type = content_type_of(name);
        assets.hrefs.insert(name, format!("/static/{address}"));
        assets.by_address.insert(
            address,
            Asset {
                content_type,
                compressible: !matches!(content_type, "font/woff2" | "image/png"),
                identity: content,
                gzip: OnceLock::new(),
                brotli: OnceLock::new(),
                etag: HeaderValue::from_str(&format!("\"{digest}\""))
                    .unwrap_or_else(|_| HeaderValue::from_static("\"static\"")),
            },
        );
    }
    assets
});

/// The address to link a static file by, fingerprinted: `href("style.css")` → `/static/style.3f2a9c01d4.css`.
/// An unknown name (a mistake in a template) gives `/static/NAME`, which answers 404.
pub fn href(name: &str) -> String {
    ASSETS
        .hrefs
        .get(name)
        .cloned()
        .unwrap_or_else(|| format!("/static/{name}"))
}

/// `name.ext` → `name.DIGEST.ext` (`vendor/easymde.min.js` → `vendor/easymde.min.DIGEST.js`).
fn fingerprinted(name: &str, digest: &str) -> String {
    match name.rsplit_once('.') {
        Some((stem, extension)) if !stem.ends_with('/') => format!("{stem}.{digest}.{extension}"),
        _ => format!("{name}.{digest}"),
    }
}

fn content_type_of(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, extension)| extension) {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("woff2") => "font/woff2",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// `url(file)` in a stylesheet, where `file` is another static file named relative to the stylesheet's
/// folder, becomes `url(/static/file.DIGEST.ext)`; other URLs are left as they are.
fn rewrite_urls(name: &str, css: &[u8], hrefs: &HashMap<&'static str, String>) -> String {
    let css = String::from_utf8_lossy(css);
    let folder = name.rsplit_once('/').map_or("", |(folder, _)| folder);
    let mut out = String::with_capacity(css.len());
    let mut rest = css.as_ref();
    while let Some(start) = rest.find("url(") {
        let (before, after) = rest.split_at(start + 4);
        out.push_str(before);
        let Some(end) = after.find(')') else {
            rest = after;
            break;
        };
        let target = after[..end].trim().trim_matches(|c| c == '"' || c == '\'');
        let relative = if folder.is_empty() {
            target.to_owned()
        } else {
            format!("{folder}/{target}")
        };
        match hrefs.get(relative.as_str()) {
            Some(href) => out.push_str(href),
            None => out.push_str(&after[..end]),
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// `/static/{*file}`: a fingerprinted file, to be kept for a year.
pub async fn serve(Path(file): Path<String>, method: Method, headers: HeaderMap) -> Response {
    let Some(asset) = ASSETS.by_address.get(&file) else {
        return (StatusCode::NOT_FOUND, "no such file\n").into_response();
    };
    let mut answer = HeaderMap::new();
    answer.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    answer.insert(header::ETAG, asset.etag.clone());
    answer.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|tags| tags.as_bytes() == asset.etag.as_bytes())
    {
        return (StatusCode::NOT_MODIFIED, answer).into_response();
    }
    answer.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    let accept = headers.get(header::ACCEPT_ENCODING);
    let (coding, body) = if asset.compressible && accepts(accept, "br") {
        (
            Some("br"),
            asset.brotli.get_or_init(|| brotli(&asset.identity)).clone(),
        )
    } else if asset.compressible && accepts(accept, "gzip") {
        (
            Some("gzip"),
            asset.gzip.get_or_init(|| gzip(&asset.identity)).clone(),
        )
    } else {
        (None, asset.identity.clone())
    };
    if let Some(coding) = coding {
        answer.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
    }
    answer.insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    let body = if method == Method::HEAD {
        Body::empty()
    } else {
        Body::from(body)
    };
    (StatusCode::OK, answer, body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_has_a_fingerprinted_address() {
        let style = href("style.css");
        assert!(style.starts_with("/static/style.") && style.ends_with(".css"));
        assert_ne!(style, "/static/style.css");
        assert!(ASSETS.by_address.contains_key(&style["/static/".len()..]));
        assert_eq!(href("no-such-file.js"), "/static/no-such-file.js");
    }

    #[test]
    fn a_stylesheet_names_the_fingerprinted_font() {
        let font = href("vendor/fontawesome-webfont.woff2");
        let css = &ASSETS.by_address[&href("vendor/font-awesome.min.css")["/static/".len()..]];
        let css = String::from_utf8_lossy(&css.identity);
        assert!(css.contains(&format!("url({font})")), "{css:.300}");
    }

    #[test]
    fn names_keep_their_extension() {
        assert_eq!(fingerprinted("style.css", "ab12"), "style.ab12.css");
        assert_eq!(
            fingerprinted("vendor/easymde.min.js", "ab12"),
            "vendor/easymde.min.ab12.js"
        );
        assert_eq!(fingerprinted("LICENSE", "ab12"), "LICENSE.ab12");
    }
}

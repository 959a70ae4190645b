//! The shared page cache: pages drawn for anonymous readers, kept in memory with their gzip and brotli forms,
//! and served again until their site's `content_version` moves on.
//!
//! A page is only shared when nothing about the request is personal: a GET or HEAD without any of colloquy's
//! cookies (a session, held comments, remembered commenter details, an unlocked post) and without
//! credentials; and it is only kept when the answer is a 200 that sets no cookie and is not marked private.
//! The version is read with the site at the start of every request, and the database bumps it (by trigger)
//! in the transaction of every change a public page can show, so a cached page is never served after such a
//! change, on any instance.
//!
//! A page missing from the cache is drawn once: the first request for it draws it, and the others asking for
//! the same page of the same version meanwhile wait for that one and are answered from the cache. Without
//! this, a lecture hall opening a post just after a comment arrives would draw (and compress) it a thousand
//! times at once.

use std::{
    collections::HashMap,
    io::Write,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    body::{Body, Bytes},
    http::{HeaderMap, HeaderValue, Method, Request, StatusCode, header},
    response::{IntoResponse, Response},
};
use futures_util::StreamExt;
use quick_cache::{Weighter, sync::Cache};
use sha2::{Digest, Sha256};
use tokio::sync::watch;

use crate::domain::calendar;

/// Pages larger than this are served but not kept.
const LARGEST_PAGE: usize = 4 * 1024 * 1024;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PageKey {
    site_id: i64,
    /// The path and query as the client sent them.
    target: String,
}

/// A kept page in every encoding it is served in.
pub struct CachedPage {
    version: i64,
    content_type: Option<HeaderValue>,
    cache_control: Option<HeaderValue>,
    etag: HeaderValue,
    last_modified: i64,
    identity: Bytes,
    gzip: Bytes,
    brotli: Bytes,
}

#[derive(Clone)]
struct ByBytes;

impl Weighter<PageKey, Arc<CachedPage>> for ByBytes {
    fn weight(&self, key: &PageKey, page: &Arc<CachedPage>) -> u64 {
        (key.target.len() + page.identity.len() + page.gzip.len() + page.brotli.len() + 256) as u64
    }
}

/// The cache; a capacity of 0 turns it off.
#[derive(Clone)]
pub struct PageCache {
    pages: Option<Arc<Cache<PageKey, Arc<CachedPage>, ByBytes>>>,
    drawing: Arc<InDrawing>,
}

/// Pages being drawn now, by key and version; each receiver learns when its drawing is over.
type InDrawing = Mutex<HashMap<(PageKey, i64), watch::Receiver<bool>>>;

/// How long a request waits for another to draw the page it wants before drawing it itself.
const WAIT_FOR_DRAWING: Duration = Duration::from_secs(10);

/// Whose turn it is to draw a missing page.
pub enum Turn {
    /// This request draws it; the others wait until the guard is dropped.
    Draw(Drawing),
    /// Another request is drawing it.
    Wait(watch::Receiver<bool>),
}

/// Held while a page is drawn; dropping it (also when the request is abandoned) wakes the waiting requests.
pub struct Drawing {
    drawing: Arc<InDrawing>,
    key: (PageKey, i64),
    done: watch::Sender<bool>,
}

impl Drop for Drawing {
    fn drop(&mut self) {
        if let Ok(mut drawing) = self.drawing.lock() {
            drawing.remove(&self.key);
        }
        self.done.send_replace(true);
    }
}

impl Turn {
    /// Waits, if it is another request's turn, until that request is done (or `WAIT_FOR_DRAWING` passed).
    pub async fn wait(self) -> Option<Drawing> {
        match self {
            Self::Draw(drawing) => Some(drawing),
            Self::Wait(mut done) => {
                let _ = tokio::time::timeout(WAIT_FOR_DRAWING, done.wait_for(|done| *done)).await;
                None
            }
        }
    }
}

/// What of a request decides how a kept page is answered.
pub struct Conditions {
    method: Method,
    accept_encoding: Option<HeaderValue>,
    if_none_match: Option<HeaderValue>,
    if_modified_since: Option<HeaderValue>,
}

impl PageCache {
    pub fn new(capacity_bytes: u64) -> Self {
        Self {
            pages: (capacity_bytes > 0)
                .then(|| Arc::new(Cache::with_weighter(1_024, capacity_bytes, ByBytes))),
            drawing: Arc::default(),
        }
    }

    /// Whether this request draws the missing page, or waits for the request already drawing it.
    pub fn turn(&self, key: &PageKey, version: i64) -> Turn {
        let Ok(mut drawing) = self.drawing.lock() else {
            let (done, _) = watch::channel(false);
            return Turn::Draw(Drawing {
                drawing: self.drawing.clone(),
                key: (key.clone(), version),
                done,
            });
        };
        let entry = (key.clone(), version);
        if let Some(done) = drawing.get(&entry) {
            return Turn::Wait(done.clone());
        }
        let (done, waiting) = watch::channel(false);
        drawing.insert(entry.clone(), waiting);
        Turn::Draw(Drawing {
            drawing: self.drawing.clone(),
            key: entry,
            done,
        })
    }

    /// The key of a request whose answer may be shared, with what its answer depends on; `None` when the
    /// request is personal (or the cache is off).
    pub fn key_for(&self, site_id: i64, request: &Request<Body>) -> Option<(PageKey, Conditions)> {
        self.pages.as_ref()?;
        let method = request.method();
        if method != Method::GET && method != Method::HEAD {
            return None;
        }
        let headers = request.headers();
        if headers.contains_key(header::AUTHORIZATION) || carries_our_cookie(headers) {
            return None;
        }
        let target = request.uri().path_and_query().map_or_else(
            || request.uri().path().to_owned(),
            |target| target.as_str().to_owned(),
        );
        // Static files and avatars are answered from memory already, with their own caching headers.
        if target == "/healthz" || target.starts_with("/static/") || target.starts_with("/avatar/")
        {
            return None;
        }
        Some((
            PageKey { site_id, target },
            Conditions {
                method: method.clone(),
                accept_encoding: headers.get(header::ACCEPT_ENCODING).cloned(),
                if_none_match: headers.get(header::IF_NONE_MATCH).cloned(),
                if_modified_since: headers.get(header::IF_MODIFIED_SINCE).cloned(),
            },
        ))
    }

    /// The kept answer, if there is one for this version of the site.
    pub fn lookup(&self, key: &PageKey, version: i64, conditions: &Conditions) -> Option<Response> {
        let page = self.pages.as_ref()?.get(key)?;
        (page.version == version).then(|| answer(&page, conditions, "hit"))
    }

    /// Keeps the response when it may be shared, and answers with it; other responses pass unchanged.
    pub async fn keep(
        &self,
        key: PageKey,
        version: i64,
        conditions: &Conditions,
        response: Response,
    ) -> Response {
        let Some(pages) = &self.pages else {
            return response;
        };
        if conditions.method != Method::GET || !may_keep(&response) {
            return response;
        }
        let (parts, body) = response.into_parts();
        let mut stream = body.into_data_stream();
        let mut read: Vec<Bytes> = Vec::new();
        let mut size = 0;
        while let Some(chunk) = stream.next().await {
            match chunk {
                Ok(bytes) => {
                    size += bytes.len();
                    read.push(bytes);
                }
                Err(error) => {
                    tracing::warn!(%error, "a page broke off while it was drawn");
                    return StatusCode::INTERNAL_SERVER_ERROR.into_response();
                }
            }
            if size > LARGEST_PAGE {
                // Too large to keep: served as it comes, what was read first and then the rest.
                let body = Body::from_stream(
                    futures_util::stream::iter(read.into_iter().map(Ok::<_, axum::Error>))
                        .chain(stream),
                );
                return Response::from_parts(parts, body);
            }
        }
        let identity = match read.len() {
            1 => read.remove(0),
            _ => Bytes::from(read.concat()),
        };
        // Hashing and compressing a long page takes a core for a while: off the async workers, so that a
        // crowd asking for pages not kept yet (or for one page under many made-up query strings) slows nobody
        // else (100 such requests for a 1.7 MB page kept /healthz waiting 7 s).
        let (etag, gzip, brotli) = crate::cpu::off_the_async_workers({
            let identity = identity.clone();
            move || (etag_of(&identity), gzip(&identity), brotli(&identity))
        })
        .await;
        let page = Arc::new(CachedPage {
            version,
            content_type: parts.headers.get(header::CONTENT_TYPE).cloned(),
            cache_control: parts.headers.get(header::CACHE_CONTROL).cloned(),
            etag,
            last_modified: calendar::now(),
            gzip,
            brotli,
            identity,
        });
        pages.insert(key, page.clone());
        answer(&page, conditions, "miss")
    }
}

/// Whether the request sends one of colloquy's cookies, read as the cookie jar reads it: names are
/// percent-decoded there, so `colloquy%5Fsession` signs its sender in and is ours too (#18 review).
fn carries_our_cookie(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .any(|pair| {
            let name = pair.split('=').next().unwrap_or_default().trim();
            percent_encoding::percent_decode_str(name)
                .decode_utf8_lossy()
                .starts_with("colloquy_")
        })
}

fn may_keep(response: &Response) -> bool {
    let headers = response.headers();
    response.status() == StatusCode::OK
        && !headers.contains_key(header::SET_COOKIE)
        && !headers.contains_key(header::CONTENT_ENCODING)
        && !headers
            .get(header::CACHE_CONTROL)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.contains("private") || value.contains("no-store"))
}

fn etag_of(body: &[u8]) -> HeaderValue {
    let digest = Sha256::digest(body);
    HeaderValue::from_str(&format!("W/\"{}\"", hex::encode(&digest[..12])))
        .unwrap_or_else(|_| HeaderValue::from_static("W/\"page\""))
}

pub(crate) fn gzip(body: &[u8]) -> Bytes {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    match encoder.write_all(body).and_then(|()| encoder.finish()) {
        Ok(compressed) => Bytes::from(compressed),
        Err(_) => Bytes::new(),
    }
}

pub(crate) fn brotli(body: &[u8]) -> Bytes {
    let mut compressed = Vec::with_capacity(body.len() / 4);
    let parameters = brotli::enc::BrotliEncoderParams {
        quality: 6,
        ..Default::default()
    };
    match brotli::BrotliCompress(&mut &body[..], &mut compressed, &parameters) {
        Ok(_) => Bytes::from(compressed),
        Err(_) => Bytes::new(),
    }
}

/// Which encoding the client takes, best first: brotli, gzip, or none.
pub(crate) fn accepts(accept_encoding: Option<&HeaderValue>, coding: &str) -> bool {
    accept_encoding
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            value.split(',').any(|part| {
                let mut pieces = part.split(';');
                let name = pieces.next().unwrap_or_default().trim();
                let refused = pieces.any(|parameter| {
                    parameter
                        .trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.trim().parse::<f32>().ok())
                        .is_some_and(|q| q == 0.0)
                });
                name.eq_ignore_ascii_case(coding) && !refused
            })
        })
}

/// The header that says whether a shared page came from the cache (`hit`) or was drawn for it (`miss`).
pub const CACHE_HEADER: &str = "x-colloquy-cache";

fn answer(page: &CachedPage, conditions: &Conditions, outcome: &'static str) -> Response {
    let not_modified = match (&conditions.if_none_match, &conditions.if_modified_since) {
        (Some(tags), _) => tags.to_str().ok().is_some_and(|tags| {
            tags.split(',').any(|tag| {
                let tag = tag.trim();
                tag == "*"
                    || tag.trim_start_matches("W/")
                        == page
                            .etag
                            .to_str()
                            .unwrap_or_default()
                            .trim_start_matches("W/")
            })
        }),
        (None, Some(since)) => since
            .to_str()
            .is_ok_and(|since| since == calendar::http_date(page.last_modified)),
        (None, None) => false,
    };
    let mut headers = HeaderMap::new();
    headers.insert(header::ETAG, page.etag.clone());
    if let Ok(last_modified) = HeaderValue::from_str(&calendar::http_date(page.last_modified)) {
        headers.insert(header::LAST_MODIFIED, last_modified);
    }
    headers.insert(
        header::VARY,
        HeaderValue::from_static("Accept-Encoding, Cookie"),
    );
    headers.insert(CACHE_HEADER, HeaderValue::from_static(outcome));
    if let Some(cache_control) = &page.cache_control {
        headers.insert(header::CACHE_CONTROL, cache_control.clone());
    }
    if not_modified {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    if let Some(content_type) = &page.content_type {
        headers.insert(header::CONTENT_TYPE, content_type.clone());
    }
    let accept = conditions.accept_encoding.as_ref();
    let (coding, body) = if !page.brotli.is_empty() && accepts(accept, "br") {
        (Some("br"), page.brotli.clone())
    } else if !page.gzip.is_empty() && accepts(accept, "gzip") {
        (Some("gzip"), page.gzip.clone())
    } else {
        (None, page.identity.clone())
    };
    if let Some(coding) = coding {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
    }
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    let body = if conditions.method == Method::HEAD {
        Body::empty()
    } else {
        Body::from(body)
    };
    (StatusCode::OK, headers, body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_are_taken_as_the_client_lists_them() {
        let value = HeaderValue::from_static("gzip, deflate, br;q=0");
        assert!(accepts(Some(&value), "gzip"));
        assert!(!accepts(Some(&value), "br"));
        assert!(!accepts(None, "gzip"));
        let value = HeaderValue::from_static("BR");
        assert!(accepts(Some(&value), "br"));
    }

    #[tokio::test]
    async fn a_missing_page_is_drawn_by_one_request_while_the_others_wait() {
        let cache = PageCache::new(1024 * 1024);
        let key = PageKey {
            site_id: 1,
            target: "/".into(),
        };
        let Turn::Draw(first) = cache.turn(&key, 7) else {
            panic!("the first request draws");
        };
        let Turn::Wait(_) = cache.turn(&key, 7) else {
            panic!("a second request waits");
        };
        assert!(
            matches!(cache.turn(&key, 8), Turn::Draw(_)),
            "another version is another page"
        );
        let waiting = tokio::spawn(cache.turn(&key, 7).wait());
        drop(first);
        let waited = tokio::time::timeout(std::time::Duration::from_secs(1), waiting)
            .await
            .expect("the waiting request wakes when the drawing ends")
            .expect("the task");
        assert!(waited.is_none(), "it did not draw the page itself");
        assert!(
            matches!(cache.turn(&key, 7), Turn::Draw(_)),
            "the turn is free again"
        );
    }

    #[test]
    fn only_colloquys_cookies_make_a_request_personal() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("_ga=1; theme=dark"),
        );
        assert!(!carries_our_cookie(&headers));
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("_ga=1; colloquy_session=abc"),
        );
        assert!(carries_our_cookie(&headers));
        for encoded in ["colloquy%5Fsession=abc", "x=1;%63olloquy_session=abc"] {
            headers.insert(header::COOKIE, HeaderValue::from_static(encoded));
            assert!(carries_our_cookie(&headers), "{encoded}");
        }
    }

    #[test]
    fn compressed_forms_decompress_to_the_page() {
        use std::io::Read;
        let page = "<p>A page</p>\n".repeat(100);
        let mut unzipped = String::new();
        flate2::read::GzDecoder::new(&gzip(page.as_bytes())[..])
            .read_to_string(&mut unzipped)
            .unwrap();
        assert_eq!(unzipped, page);
        let mut unbrotlied = Vec::new();
        brotli::BrotliDecompress(&mut &brotli(page.as_bytes())[..], &mut unbrotlied).unwrap();
        assert_eq!(unbrotlied, page.as_bytes());
    }
}

//! Reading WXR 1.0–1.2 as a stream: the channel's header (version, site address, authors, categories, tags)
//! and then one item at a time, so that a file of any size is read in the memory of its largest item.
//!
//! Names are matched by their prefix (`wp:`, `content:`, `excerpt:`, `dc:`), as WordPress's own importer
//! does. Every fault carries the byte offset where it was found; [`line_and_column`] turns it into words.

use std::io::{BufRead, Read};

use jiff::civil::DateTime;
use quick_xml::{
    Reader, XmlVersion,
    errors::SyntaxError,
    events::{BytesStart, Event},
};

/// How deep elements may nest: a WordPress export goes five deep; a file that goes much deeper is refused
/// before its nesting can exhaust the stack.
const DEEPEST_ELEMENT: usize = 64;

/// The WXR versions WordPress's exporters have written.
pub const KNOWN_VERSIONS: &[&str] = &["1.0", "1.1", "1.2"];

/// A fault in the file, at a byte offset from its start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub offset: u64,
    pub message: String,
}

type ParseResult<T> = Result<T, ParseError>;

/// One thing the file says, in the order it says it.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    /// `wp:base_blog_url` (or `wp:base_site_url` when the blog address is missing): where the site lived.
    BaseUrl(String),
    Author(Author),
    Category(Category),
    Tag(Tag),
    Item(Box<Item>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    pub wordpress_id: Option<i64>,
    pub login: String,
    pub email: String,
    pub display_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub slug: String,
    pub parent_slug: Option<String>,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub slug: String,
    pub name: String,
}

/// A category or tag named by an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemTerm {
    pub is_category: bool,
    pub slug: String,
    pub name: String,
}

/// A post, page, attachment or any other WordPress post type, with its comments.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Where the item starts in the file, for messages about it.
    pub offset: u64,
    pub wordpress_id: i64,
    pub title: String,
    pub link: String,
    pub guid: String,
    pub creator: String,
    pub content: String,
    pub excerpt: String,
    pub date: Option<DateTime>,
    pub date_gmt: Option<DateTime>,
    pub modified: Option<DateTime>,
    pub modified_gmt: Option<DateTime>,
    pub comments_open: bool,
    pub slug: String,
    pub status: String,
    pub parent: Option<i64>,
    pub post_type: String,
    pub password: String,
    pub sticky: bool,
    pub terms: Vec<ItemTerm>,
    pub meta: Vec<(String, String)>,
    pub comments: Vec<ItemComment>,
}

impl Item {
    /// The values of one post meta key, in file order.
    pub fn meta_values<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.meta
            .iter()
            .filter(move |(meta_key, _)| meta_key == key)
            .map(|(_, value)| value.as_str())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ItemComment {
    pub wordpress_id: i64,
    pub author: String,
    pub email: String,
    pub url: String,
    pub ip: String,
    pub date: Option<DateTime>,
    pub date_gmt: Option<DateTime>,
    pub content: String,
    /// `1`, `0`, `spam`, `trash` or `post-trashed`.
    pub approved: String,
    pub parent: Option<i64>,
    pub user_id: Option<i64>,
}

/// An element read whole: its name, attributes, text (CDATA and text joined, entities resolved) and children.
#[derive(Debug, Default)]
struct Node {
    name: String,
    attributes: Vec<(String, String)>,
    text: String,
    children: Vec<Node>,
}

impl Node {
    fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|child| child.name == name)
    }

    fn text_of(&self, name: &str) -> String {
        self.child(name)
            .map(|child| child.text.clone())
            .unwrap_or_default()
    }

    fn trimmed(&self, name: &str) -> String {
        self.child(name)
            .map(|child| child.text.trim().to_owned())
            .unwrap_or_default()
    }

    fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// Reads a WXR file entry by entry.
pub struct WxrReader<R: BufRead> {
    reader: Reader<R>,
    buffer: Vec<u8>,
    /// How deep the reader is: 0 outside `<rss>`, 1 inside it, 2 inside `<channel>`.
    depth: usize,
    version: Option<String>,
    finished: bool,
}

impl<R: BufRead> WxrReader<R> {
    pub fn new(input: R) -> Self {
        let mut reader = Reader::from_reader(input);
        reader.config_mut().check_end_names = true;
        Self {
            reader,
            buffer: Vec::with_capacity(64 * 1024),
            depth: 0,
            version: None,
            finished: false,
        }
    }

    /// Bytes read so far.
    pub fn position(&self) -> u64 {
        self.reader.buffer_position()
    }

    /// The file's WXR version, once read.
    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    /// The next entry, or `None` once the document has ended properly.
    pub fn next_entry(&mut self) -> ParseResult<Option<Entry>> {
        if self.finished {
            return Ok(None);
        }
        loop {
            let start = self.reader.buffer_position();
            let event = self.read_event()?;
            match event {
                OwnedEvent::Start(name, attributes) => match self.depth {
                    0 if name == "rss" => self.depth = 1,
                    0 => {
                        return Err(ParseError {
                            offset: start,
                            message: format!(
                                "this is not a WordPress export: it starts with <{name}>, not <rss>"
                            ),
                        });
                    }
                    1 if name == "channel" => self.depth = 2,
                    1 => self.skip(start, &name)?,
                    _ => {
                        let node = self.read_node(start, name, attributes, 3)?;
                        if let Some(entry) = self.entry_of(start, node)? {
                            return Ok(Some(entry));
                        }
                    }
                },
                OwnedEvent::Empty(name, attributes) => {
                    if self.depth == 0 {
                        return Err(ParseError {
                            offset: start,
                            message: format!(
                                "this is not a WordPress export: it starts with <{name}/>, not <rss>"
                            ),
                        });
                    }
                    if self.depth == 2 {
                        let node = Node {
                            name,
                            attributes,
                            ..Node::default()
                        };
                        if let Some(entry) = self.entry_of(start, node)? {
                            return Ok(Some(entry));
                        }
                    }
                }
                OwnedEvent::End => {
                    self.depth = self.depth.saturating_sub(1);
                    if self.depth == 0 {
                        self.finished = true;
                        return match self.version {
                            Some(_) => Ok(None),
                            None => Err(ParseError {
                                offset: start,
                                message:
                                    "this is not a WordPress export: it has no <wp:wxr_version>"
                                        .into(),
                            }),
                        };
                    }
                }
                OwnedEvent::Text(_) => {}
                OwnedEvent::Eof => {
                    return Err(ParseError {
                        offset: start,
                        message: if self.depth == 0 {
                            "the file is empty: there is no <rss> element".into()
                        } else {
                            "the file ends before </channel></rss>: it was cut short".into()
                        },
                    });
                }
            }
        }
    }

    fn read_event(&mut self) -> ParseResult<OwnedEvent> {
        self.buffer.clear();
        let event = self
            .reader
            .read_event_into(&mut self.buffer)
            .map_err(|error| ParseError {
                offset: self.reader.error_position(),
                message: describe(&error),
            })?;
        let offset = self.reader.buffer_position();
        let fault = |message: String| ParseError { offset, message };
        Ok(match event {
            Event::Start(start) => {
                OwnedEvent::Start(element_name(&start), attributes_of(&start).map_err(fault)?)
            }
            Event::Empty(start) => {
                OwnedEvent::Empty(element_name(&start), attributes_of(&start).map_err(fault)?)
            }
            Event::End(_) => OwnedEvent::End,
            Event::Text(text) => OwnedEvent::Text(
                text.xml10_content()
                    .map_err(|error| fault(error.to_string()))?
                    .into_owned(),
            ),
            Event::CData(data) => OwnedEvent::Text(
                data.xml10_content()
                    .map_err(|error| fault(error.to_string()))?
                    .into_owned(),
            ),
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(ch)) => ch.to_string(),
                    Ok(None) => {
                        let name = reference
                            .decode()
                            .map_err(|error| fault(error.to_string()))?;
                        match &*name {
                            "amp" => "&".into(),
                            "lt" => "<".into(),
                            "gt" => ">".into(),
                            "quot" => "\"".into(),
                            "apos" => "'".into(),
                            other => {
                                return Err(fault(format!(
                                    "unknown entity &{other}; (XML knows only &amp; &lt; &gt; &quot; &apos; and numeric ones)"
                                )));
                            }
                        }
                    }
                    Err(error) => return Err(fault(describe(&error))),
                };
                OwnedEvent::Text(resolved)
            }
            Event::Eof => OwnedEvent::Eof,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {
                OwnedEvent::Text(String::new())
            }
        })
    }

    /// Reads the rest of an element whose start tag was just read, `depth` elements deep in the file.
    fn read_node(
        &mut self,
        start: u64,
        name: String,
        attributes: Vec<(String, String)>,
        depth: usize,
    ) -> ParseResult<Node> {
        if depth > DEEPEST_ELEMENT {
            return Err(ParseError {
                offset: start,
                message: format!(
                    "<{name}> is nested more than {DEEPEST_ELEMENT} elements deep: a WordPress export never is \
                     (its posts' HTML is text, not elements)"
                ),
            });
        }
        let mut node = Node {
            name,
            attributes,
            ..Node::default()
        };
        loop {
            let child_start = self.reader.buffer_position();
            match self.read_event()? {
                OwnedEvent::Start(name, attributes) => {
                    let child = self.read_node(child_start, name, attributes, depth + 1)?;
                    node.children.push(child);
                }
                OwnedEvent::Empty(name, attributes) => node.children.push(Node {
                    name,
                    attributes,
                    ..Node::default()
                }),
                OwnedEvent::Text(text) => node.text.push_str(&text),
                OwnedEvent::End => return Ok(node),
                OwnedEvent::Eof => {
                    return Err(ParseError {
                        offset: child_start,
                        message: format!(
                            "the file ends inside <{}>, which starts at byte {start}: it was cut short",
                            node.name
                        ),
                    });
                }
            }
        }
    }

    fn skip(&mut self, start: u64, name: &str) -> ParseResult<()> {
        self.read_node(start, name.to_owned(), Vec::new(), 2)
            .map(|_| ())
    }

    /// What a whole element directly inside `<channel>` says, if anything we keep.
    fn entry_of(&mut self, offset: u64, node: Node) -> ParseResult<Option<Entry>> {
        let fault = |message: String| ParseError { offset, message };
        let needs_version =
            node.name == "item" || (node.name.starts_with("wp:") && node.name != "wp:wxr_version");
        if needs_version && self.version.is_none() {
            return Err(fault(format!(
                "this is not a WordPress export: <{}> comes before any <wp:wxr_version>",
                node.name
            )));
        }
        Ok(match node.name.as_str() {
            "wp:wxr_version" => {
                let version = node.text.trim().to_owned();
                if !KNOWN_VERSIONS.contains(&version.as_str()) {
                    return Err(fault(format!(
                        "unknown WXR version '{version}': colloquy reads versions {}",
                        KNOWN_VERSIONS.join(", ")
                    )));
                }
                self.version = Some(version);
                None
            }
            "wp:base_blog_url" => Some(Entry::BaseUrl(node.text.trim().to_owned())),
            "wp:base_site_url" => Some(Entry::BaseUrl(node.text.trim().to_owned())),
            "wp:author" => Some(Entry::Author(Author {
                wordpress_id: optional_number(&node, "wp:author_id").map_err(fault)?,
                login: node.trimmed("wp:author_login"),
                email: node.trimmed("wp:author_email"),
                display_name: node.trimmed("wp:author_display_name"),
            })),
            "wp:category" => Some(Entry::Category(Category {
                slug: node.trimmed("wp:category_nicename"),
                parent_slug: Some(node.trimmed("wp:category_parent"))
                    .filter(|parent| !parent.is_empty()),
                name: node.trimmed("wp:cat_name"),
            })),
            "wp:tag" => Some(Entry::Tag(Tag {
                slug: node.trimmed("wp:tag_slug"),
                name: node.trimmed("wp:tag_name"),
            })),
            "item" => Some(Entry::Item(Box::new(item_of(offset, &node)?))),
            _ => None,
        })
    }
}

enum OwnedEvent {
    Start(String, Vec<(String, String)>),
    Empty(String, Vec<(String, String)>),
    End,
    Text(String),
    Eof,
}

fn element_name(start: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(start.name().as_ref()).into_owned()
}

fn attributes_of(start: &BytesStart<'_>) -> Result<Vec<(String, String)>, String> {
    start
        .attributes()
        .map(|attribute| {
            let attribute = attribute.map_err(|error| error.to_string())?;
            let value = attribute
                .decoded_and_normalized_value(XmlVersion::Implicit1_0, start.decoder())
                .map_err(|error| describe(&error))?;
            Ok((
                String::from_utf8_lossy(attribute.key.as_ref()).into_owned(),
                value.into_owned(),
            ))
        })
        .collect()
}

fn describe(error: &quick_xml::Error) -> String {
    match error {
        quick_xml::Error::Syntax(SyntaxError::InvalidBangMarkup) => {
            format!("the XML is malformed: {}", SyntaxError::InvalidBangMarkup)
        }
        quick_xml::Error::Syntax(unclosed) => {
            format!(
                "the XML is malformed: {unclosed}, so the file ends too early: it was cut short"
            )
        }
        quick_xml::Error::IllFormed(ill_formed) => format!("the XML is malformed: {ill_formed}"),
        other => format!("the XML cannot be read: {other}"),
    }
}

fn optional_number(node: &Node, name: &str) -> Result<Option<i64>, String> {
    let text = node.trimmed(name);
    if text.is_empty() {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|_| format!("<{name}> should be a number, not '{text}'"))
}

/// A WordPress date ("2024-03-05 14:00:00"); `None` for WordPress's "no date" (all zeros) or nothing.
fn date_of(node: &Node, name: &str) -> Result<Option<DateTime>, String> {
    let text = node.trimmed(name);
    if text.is_empty() || text.starts_with("0000-00-00") {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|_| format!("<{name}> should be a date like 2024-03-05 14:00:00, not '{text}'"))
}

fn item_of(offset: u64, node: &Node) -> ParseResult<Item> {
    let fault = |message: String| ParseError { offset, message };
    let wordpress_id = optional_number(node, "wp:post_id")
        .map_err(fault)?
        .ok_or_else(|| fault("an <item> has no <wp:post_id>".into()))?;
    let terms = node
        .children
        .iter()
        .filter(|child| child.name == "category")
        .filter_map(|child| {
            let is_category = match child.attribute("domain") {
                Some("category") => true,
                Some("post_tag") | Some("tag") => false,
                _ => return None,
            };
            Some(ItemTerm {
                is_category,
                slug: child.attribute("nicename").unwrap_or_default().to_owned(),
                name: child.text.trim().to_owned(),
            })
        })
        .collect();
    let meta = node
        .children
        .iter()
        .filter(|child| child.name == "wp:postmeta")
        .map(|child| (child.trimmed("wp:meta_key"), child.text_of("wp:meta_value")))
        .collect();
    let comments = node
        .children
        .iter()
        .filter(|child| child.name == "wp:comment")
        .map(|child| comment_of(child).map_err(fault))
        .collect::<ParseResult<Vec<_>>>()?;
    Ok(Item {
        offset,
        wordpress_id,
        title: node.text_of("title").trim().to_owned(),
        link: node.trimmed("link"),
        guid: node.trimmed("guid"),
        creator: node.trimmed("dc:creator"),
        content: node.text_of("content:encoded"),
        excerpt: node.text_of("excerpt:encoded"),
        date: date_of(node, "wp:post_date").map_err(fault)?,
        date_gmt: date_of(node, "wp:post_date_gmt").map_err(fault)?,
        modified: date_of(node, "wp:post_modified").map_err(fault)?,
        modified_gmt: date_of(node, "wp:post_modified_gmt").map_err(fault)?,
        comments_open: node.trimmed("wp:comment_status") != "closed",
        slug: node.trimmed("wp:post_name"),
        status: node.trimmed("wp:status"),
        parent: optional_number(node, "wp:post_parent")
            .map_err(fault)?
            .filter(|parent| *parent != 0),
        post_type: Some(node.trimmed("wp:post_type"))
            .filter(|kind| !kind.is_empty())
            .unwrap_or_else(|| "post".into()),
        password: node.text_of("wp:post_password"),
        sticky: node.trimmed("wp:is_sticky") == "1",
        terms,
        meta,
        comments,
    })
}

fn comment_of(node: &Node) -> Result<ItemComment, String> {
    Ok(ItemComment {
        wordpress_id: optional_number(node, "wp:comment_id")?
            .ok_or("a <wp:comment> has no <wp:comment_id>")?,
        author: node.trimmed("wp:comment_author"),
        email: node.trimmed("wp:comment_author_email"),
        url: node.trimmed("wp:comment_author_url"),
        ip: node.trimmed("wp:comment_author_IP"),
        date: date_of(node, "wp:comment_date")?,
        date_gmt: date_of(node, "wp:comment_date_gmt")?,
        content: node.text_of("wp:comment_content"),
        approved: node.trimmed("wp:comment_approved"),
        parent: optional_number(node, "wp:comment_parent")?.filter(|parent| *parent != 0),
        user_id: optional_number(node, "wp:comment_user_id")?.filter(|user| *user != 0),
    })
}

/// The line and column (both from 1, the column in characters) of a byte offset in a text.
pub fn line_and_column(input: impl Read, offset: u64) -> std::io::Result<(u64, u64)> {
    let mut line = 1;
    let mut line_start = Vec::new();
    let mut position = 0u64;
    let mut bytes = std::io::BufReader::new(input).bytes();
    while position < offset {
        let Some(byte) = bytes.next() else { break };
        let byte = byte?;
        position += 1;
        if byte == b'\n' {
            line += 1;
            line_start.clear();
        } else {
            line_start.push(byte);
        }
    }
    let column = String::from_utf8_lossy(&line_start).chars().count() as u64 + 1;
    Ok((line, column))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(xml: &str) -> ParseResult<Vec<Entry>> {
        let mut reader = WxrReader::new(xml.as_bytes());
        let mut entries = Vec::new();
        while let Some(entry) = reader.next_entry()? {
            entries.push(entry);
        }
        Ok(entries)
    }

    const HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:wp=\"http://wordpress.org/export/1.2/\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\">\n<channel>\n<wp:wxr_version>1.2</wp:wxr_version>\n";

    #[test]
    fn an_item_reads_with_split_cdata_entities_and_comments() {
        let xml = format!(
            "{HEAD}<item><title>Caf&#233; &amp; \u{5b66}</title><wp:post_id>7</wp:post_id>\
             <content:encoded><![CDATA[a ]]]]><![CDATA[> b]]></content:encoded>\
             <wp:post_date>2024-03-05 14:00:00</wp:post_date><wp:post_date_gmt>0000-00-00 00:00:00</wp:post_date_gmt>\
             <category domain=\"post_tag\" nicename=\"t&amp;t\"><![CDATA[T&T]]></category>\
             <wp:comment><wp:comment_id>3</wp:comment_id><wp:comment_parent>2</wp:comment_parent></wp:comment>\
             </item></channel></rss>"
        );
        let entries = entries(&xml).expect("reads");
        let [Entry::Item(item)] = entries.as_slice() else {
            panic!("one item: {entries:?}")
        };
        assert_eq!(item.title, "Café & 学");
        assert_eq!(item.content, "a ]]> b");
        assert_eq!(
            item.date.map(|date| date.to_string()).as_deref(),
            Some("2024-03-05T14:00:00")
        );
        assert_eq!(item.date_gmt, None);
        assert_eq!(item.terms[0].slug, "t&t");
        assert!(!item.terms[0].is_category);
        assert_eq!(item.comments[0].parent, Some(2));
        assert_eq!(item.post_type, "post");
    }

    #[test]
    fn an_unknown_version_is_refused_where_it_stands() {
        let xml = HEAD.replace("1.2</wp:wxr_version>", "9.0</wp:wxr_version>");
        let error = entries(&xml).expect_err("refused");
        assert!(
            error.message.contains("unknown WXR version '9.0'"),
            "{error:?}"
        );
        let (line, column) = line_and_column(xml.as_bytes(), error.offset).expect("counts");
        assert_eq!((line, column), (4, 1));
    }

    #[test]
    fn twenty_thousand_nested_elements_are_refused_where_the_nesting_goes_too_deep() {
        let xml = format!("{HEAD}<item><title>Deep</title>{}", "<x>".repeat(20_000));
        let error = entries(&xml).expect_err("refused, not a crash");
        assert!(error.message.contains("nested more than 64"), "{error:?}");
        let (line, column) = line_and_column(xml.as_bytes(), error.offset).expect("counts");
        assert_eq!(line, 5);
        assert!(column > 60 * 3, "{column}");
    }

    #[test]
    fn a_cut_file_is_a_fault_at_its_end() {
        let xml = format!("{HEAD}<item><title>Half");
        let error = entries(&xml).expect_err("refused");
        assert!(error.message.contains("cut short"), "{error:?}");
        let xml = format!("{HEAD}<item><title><![CDATA[Half");
        assert!(entries(&xml).is_err());
    }

    #[test]
    fn mismatched_tags_and_unknown_entities_are_faults() {
        let error = entries(&format!(
            "{HEAD}<item><title>x</link></item></channel></rss>"
        ))
        .expect_err("refused");
        assert!(error.message.contains("malformed"), "{error:?}");
        let error = entries(&format!(
            "{HEAD}<item><title>&nbsp;</title></item></channel></rss>"
        ))
        .expect_err("refused");
        assert!(error.message.contains("&nbsp;"), "{error:?}");
    }

    #[test]
    fn plain_rss_is_not_an_export() {
        let error = entries("<rss><channel><item><title>x</title></item></channel></rss>")
            .expect_err("refused");
        assert!(
            error.message.contains("not a WordPress export"),
            "{error:?}"
        );
        assert!(entries("").is_err());
        assert!(entries("<html></html>").is_err());
    }

    #[test]
    fn columns_count_characters() {
        assert_eq!(
            line_and_column("ab\ncdé f".as_bytes(), 8).expect("counts"),
            (2, 5)
        );
    }
}

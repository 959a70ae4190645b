//! Templates and the view models they show: everything a page needs, already formatted, so templates only
//! lay it out. Text is escaped by askama; only `SafeHtml`, which the sanitizer in `domain::markup` makes, goes
//! in unescaped (it is askama's `HtmlSafe`), and no template uses `|safe`.

use askama::Template;

use crate::domain::{markup::SafeHtml, site::SiteRoot};

// HTML that went through the sanitizer is inserted as it is.
impl askama::filters::HtmlSafe for SafeHtml {}

/// A link with its text.
#[derive(Clone, Debug)]
pub struct Link {
    pub href: String,
    pub text: String,
}

/// A post's author as its byline shows them: a link to their archive, or (a former member) the name alone.
#[derive(Clone, Debug)]
pub struct Byline {
    pub text: String,
    pub href: Option<String>,
}

/// What every page's frame shows: site title, tagline, navigation.
#[derive(Clone, Debug)]
pub struct Layout {
    /// The site's root (`""` or `"/SLUG"`): every address a template writes starts with it.
    pub root: SiteRoot,
    pub site_title: String,
    pub tagline: String,
    pub pages: Vec<Link>,
    pub categories: Vec<Link>,
    /// The page's `<title>`.
    pub title: String,
    /// Ask search engines not to index (hidden and members-only sites).
    pub noindex: bool,
    /// Feeds announced in the page's head (`<link rel="alternate">`).
    pub feeds: Vec<Link>,
    /// The signed-in person, for the header's account links and the log-out form.
    pub viewer: Option<ViewerView>,
    /// The sidebar's newest posts and approved comments.
    pub recent_posts: Vec<Link>,
    pub recent_comments: Vec<RecentComment>,
    /// The site has readings: the menu links `/readings/`.
    pub has_readings: bool,
    /// The course is archived (read-only): the dashboard says so on every page.
    pub archived: bool,
    /// What the last action did, said at the top of the page.
    pub notice: Option<crate::web::notice::Notice>,
    /// The dashboard's menu (empty outside the dashboard).
    pub menu: Vec<MenuItem>,
}

/// An item of the dashboard's menu.
#[derive(Clone, Debug)]
pub struct MenuItem {
    pub href: String,
    pub text: &'static str,
    /// What waits there ("2 held"), if anything does.
    pub waiting: Option<String>,
    pub current: bool,
}

/// A comment in the sidebar: "AUTHOR on POST".
#[derive(Clone, Debug)]
pub struct RecentComment {
    pub author: String,
    pub href: String,
    pub post_title: String,
}

/// The signed-in person as the page frame shows them.
#[derive(Clone, Debug)]
pub struct ViewerView {
    /// The person's own name, which only they see on these pages.
    pub name: String,
    /// The pseudonym their posts and comments appear under, when they have one.
    pub publishes_as: Option<String>,
    pub is_staff: bool,
    pub can_write: bool,
    pub csrf: String,
}

/// A post in a listing.
pub struct PostSummaryView {
    pub title: String,
    pub permalink: String,
    pub date: String,
    pub date_iso: String,
    pub author: Byline,
    pub summary: String,
    pub categories: Vec<Link>,
    pub comments: Link,
}

/// Older/newer links of a paged listing.
pub struct Pagination {
    pub newer: Option<String>,
    pub older: Option<String>,
    pub page: u32,
    pub pages: u32,
}

#[derive(Template)]
#[template(path = "list.html")]
pub struct ListPage {
    pub layout: Layout,
    /// "Category: Readings"; `None` on the home page.
    pub heading: Option<String>,
    pub posts: Vec<PostSummaryView>,
    pub pagination: Pagination,
}

/// A comment in a thread, with the markup that places it in the nested lists.
pub struct CommentView {
    pub id: i64,
    pub depth: u32,
    pub author: String,
    pub author_url: Option<String>,
    pub avatar: String,
    pub date: String,
    pub date_iso: String,
    pub content_html: SafeHtml,
    pub awaiting_moderation: bool,
    /// Private feedback or question: seen only by the post's author and staff.
    pub private: bool,
    pub grade: Option<String>,
    /// The passage the comment is on.
    pub passage: Option<PassageNote>,
    pub reply_href: String,
    pub opens_replies: bool,
    /// How many levels of replies end after this comment (each closes with `</ol></li>`).
    pub closes: u32,
}

/// "On the passage: …" above a comment; `href` is `None` once the passage was rewritten (the words are then the
/// earlier version's).
#[derive(Clone, Debug)]
pub struct PassageNote {
    pub href: Option<String>,
    pub text: String,
}

/// The passage a comment form is for.
#[derive(Clone, Debug, Default)]
pub struct PassageChoice {
    pub signature: String,
    pub text: String,
}

/// A discussion: its thread and its "Leave a Reply" form, on a post's page or a reading's.
pub struct DiscussionView {
    pub post_id: i64,
    /// Where the discussion is (the cancel links go back to it).
    pub address: String,
    pub heading: Option<String>,
    pub comments: Vec<CommentView>,
    /// The reader may write private feedback (the post's author or staff).
    pub offer_private: bool,
    /// The reader may give a grade with it (staff).
    pub offer_grade: bool,
    /// The site's grade scale in words ("A+ to F", "0 to 20 points").
    pub grade_scale: String,
    pub pages: Option<Pagination>,
    pub open: bool,
    /// Say "Comments are closed." when it is not open.
    pub say_closed: bool,
    /// The course is archived: say so where the form would be.
    pub archived: bool,
    pub form: CommentFormView,
    /// The signed-in commenter, whose form has no name or email fields.
    pub commenter: Option<ViewerView>,
}

/// A field of the comment form as it is shown: the typed value and its error, if any.
#[derive(Clone, Debug, Default)]
pub struct FieldView {
    pub value: String,
    pub error: Option<String>,
}

/// The "Leave a Reply" form as it is shown.
#[derive(Clone, Debug, Default)]
pub struct CommentFormView {
    pub comment: FieldView,
    pub author: FieldView,
    pub email: FieldView,
    pub url: FieldView,
    pub parent: String,
    pub remember: bool,
    /// The private box was ticked.
    pub private: bool,
    /// "Notify me of follow-up comments by email" was ticked.
    pub follow: bool,
    pub grade: FieldView,
    /// A message about the whole submission (duplicate, too fast, bad parent).
    pub notice: Option<String>,
    /// The name of the commenter being answered, when replying.
    pub replying_to: Option<String>,
    /// The passage commented on, when the reader chose one.
    pub passage: Option<PassageChoice>,
}

#[derive(Template)]
#[template(path = "post.html")]
pub struct PostPage {
    pub layout: Layout,
    pub id: i64,
    pub is_page: bool,
    pub title: String,
    pub permalink: String,
    pub author: Byline,
    pub date: String,
    pub date_iso: String,
    pub content_html: SafeHtml,
    pub categories: Vec<Link>,
    pub tags: Vec<Link>,
    pub previous: Option<Link>,
    pub next: Option<Link>,
    pub discussion: DiscussionView,
    /// Password-protected and not yet unlocked: only the title and the password form show.
    pub locked: bool,
    pub password_error: Option<String>,
}

#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage {
    pub layout: Layout,
    pub heading: String,
    pub message: String,
}

/// A page that asks for one click before a link acts: opening a link (as a mail scanner does) changes nothing.
#[derive(Template)]
#[template(path = "button.html")]
pub struct ButtonPage {
    pub layout: Layout,
    pub heading: String,
    pub message: String,
    /// Where the button posts, from the site's root.
    pub action: String,
    pub button: String,
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub layout: Layout,
    pub email: String,
    pub next: String,
}

#[derive(Template)]
#[template(path = "forgot.html")]
pub struct ForgotPage {
    pub layout: Layout,
}

#[derive(Template)]
#[template(path = "new_password.html")]
pub struct NewPasswordPage {
    pub layout: Layout,
    pub token: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "finish_join.html")]
pub struct FinishJoinPage {
    pub layout: Layout,
    pub course: String,
    pub token: String,
    pub name: String,
    pub email: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "sign_in_link.html")]
pub struct SignInLinkPage {
    pub layout: Layout,
    pub token: String,
}

#[derive(Template)]
#[template(path = "admin/dashboard.html")]
pub struct DashboardPage {
    pub layout: Layout,
    pub pending: i64,
    pub is_administrator: bool,
    /// An administrator of the main site, who manages every site at `/admin/sites`.
    pub manages_sites: bool,
    /// Every course site the person belongs to, as full addresses (links across sites are not mounted).
    pub sites: Vec<Link>,
}

/// A status filter of the moderation queue.
pub struct StatusTab {
    pub label: &'static str,
    pub href: String,
    pub count: i64,
    pub current: bool,
}

/// A comment in the moderation queue, with what only staff see.
pub struct CommentRow {
    pub id: i64,
    pub author: String,
    pub email: String,
    pub url: String,
    pub ip: String,
    pub user_agent: String,
    pub date: String,
    pub content_html: SafeHtml,
    pub post: Link,
    pub status: &'static str,
    pub actions: Vec<(&'static str, &'static str)>,
}

#[derive(Template)]
#[template(path = "admin/comments.html")]
pub struct AdminCommentsPage {
    pub layout: Layout,
    pub tabs: Vec<StatusTab>,
    pub rows: Vec<CommentRow>,
    pub csrf: String,
    pub status: String,
    pub newer: Option<String>,
    pub older: Option<String>,
}

/// A mail in the outbox.
pub struct MailRow {
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub date: String,
    pub state: String,
}

#[derive(Template)]
#[template(path = "admin/outbox.html")]
pub struct OutboxPage {
    pub layout: Layout,
    pub mails: Vec<MailRow>,
}

/// A setting as the settings form shows it.
pub struct SettingField {
    pub key: &'static str,
    pub label: &'static str,
    pub kind: FieldKind,
    pub help: &'static str,
    pub value: String,
    pub error: Option<String>,
}

impl SettingField {
    pub fn is(&self, kind: &str) -> bool {
        matches!(
            (self.kind, kind),
            (FieldKind::Text, "text")
                | (FieldKind::Number, "number")
                | (FieldKind::Lines, "lines")
                | (FieldKind::Checkbox, "checkbox")
                | (FieldKind::Visibility, "visibility")
                | (FieldKind::GradeScale, "grade_scale")
                | (FieldKind::Zone, "zone")
                | (FieldKind::Date, "date")
                | (FieldKind::LeaversWriting, "leavers_writing")
        )
    }
}

#[derive(Template)]
#[template(path = "admin/settings.html")]
pub struct SettingsPage {
    pub layout: Layout,
    pub csrf: String,
    pub fields: Vec<SettingField>,
    /// The IANA time zone names the time zone is chosen from.
    pub zones: Vec<String>,
}

/// A post in the dashboard's list.
pub struct PostListRow {
    pub edit: Link,
    pub author: String,
    pub status: &'static str,
    pub date: String,
    pub categories: String,
    pub comments: i64,
}

#[derive(Template)]
#[template(path = "admin/posts.html")]
pub struct PostListPage {
    pub layout: Layout,
    pub rows: Vec<PostListRow>,
    /// Drafts the editor's autosave made that nobody saved since, listed apart to keep (open and save) or
    /// discard.
    pub autosaved: Vec<AutosavedDraft>,
    pub csrf: String,
    pub kind: &'static str,
    pub status: String,
    pub search: String,
    /// (id, name, selected)
    pub categories: Vec<(i64, String, bool)>,
    pub can_create_pages: bool,
    /// (id, name, selected); empty for writers who see only their own posts.
    pub authors: Vec<(i64, String, bool)>,
    pub total: i64,
    pub newer: Option<String>,
    pub older: Option<String>,
}

/// A draft only the autosave made: its link, when it was last typed in, and where its Discard button posts.
pub struct AutosavedDraft {
    pub edit: Link,
    pub saved: String,
    pub action: String,
}

/// A category in the editor's list, indented by its depth.
pub struct CategoryChoice {
    pub name: String,
    pub depth: usize,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "admin/editor.html")]
pub struct EditorPage {
    pub layout: Layout,
    pub heading: String,
    pub action: String,
    pub id: Option<i64>,
    pub is_page: bool,
    pub csrf: String,
    pub fields: EditorFields,
    pub can_sticky: bool,
    /// (value, label)
    pub statuses: Vec<(&'static str, &'static str)>,
    pub categories: Vec<CategoryChoice>,
    /// (id, title, selected)
    pub parents: Vec<(String, String, bool)>,
    /// The site's readings: (id, "title (label)", selected).
    pub readings: Vec<(String, String, bool)>,
    pub title_error: Option<String>,
    pub date_error: Option<String>,
    pub offer_publish_now: bool,
    /// The other person's title and text, after a conflicting save.
    pub conflict: Option<(String, String)>,
    pub preview: Option<SafeHtml>,
    pub view_link: Option<String>,
    pub trashed: bool,
    pub autosave: Option<AutosaveOffer>,
}

/// A newer autosave than the saved post, offered to the writer.
#[derive(Clone, Debug)]
pub struct AutosaveOffer {
    pub when: String,
    pub href: String,
}

/// A line of a revision's changes.
pub struct DiffLine {
    pub sign: &'static str,
    pub text: String,
}

pub struct RevisionView {
    pub id: i64,
    pub editor: String,
    pub date: String,
    pub title: String,
    pub is_current: bool,
    pub diff: Vec<DiffLine>,
}

#[derive(Template)]
#[template(path = "admin/revisions.html")]
pub struct RevisionsPage {
    pub layout: Layout,
    pub post: Link,
    pub post_id: i64,
    pub version: i64,
    pub csrf: String,
    pub revisions: Vec<RevisionView>,
}

#[derive(Template)]
#[template(path = "join.html")]
pub struct JoinPage {
    pub layout: Layout,
    pub course: String,
    pub code: String,
    pub already_member: bool,
    pub signed_in_as: Option<String>,
    pub csrf: String,
    pub name: String,
    pub email: String,
    pub name_error: Option<String>,
    pub email_error: Option<String>,
}

#[derive(Template)]
#[template(path = "confirm.html")]
pub struct ConfirmPage {
    pub layout: Layout,
    pub token: String,
}

#[derive(Template)]
#[template(path = "account.html")]
pub struct AccountPage {
    pub layout: Layout,
    pub csrf: String,
    pub name: String,
    pub pseudonym: String,
    pub email: String,
    pub confirmed: bool,
    pub notice: Option<String>,
    pub name_error: Option<String>,
    pub pseudonym_error: Option<String>,
    pub email_error: Option<String>,
    pub password_error: Option<String>,
    pub new_password_error: Option<String>,
    /// The course whose account page this is, and whether the person is a member of it.
    pub course: String,
    pub member: bool,
    /// The account pages of the person's other courses.
    pub other_courses: Vec<Link>,
}

#[derive(Template)]
#[template(path = "account_leave.html")]
pub struct LeavePage {
    pub layout: Layout,
    pub csrf: String,
    pub course: String,
    pub what_happens: &'static str,
    /// Why the person may not leave; no button then.
    pub refusal: Option<String>,
}

/// A member as the members page lists them.
pub struct MemberRow {
    pub id: i64,
    pub name: String,
    /// The name they publish under, if they chose one.
    pub pseudonym: Option<String>,
    pub email: String,
    pub role: &'static str,
    pub confirmed: bool,
    pub is_self: bool,
    /// Their student id, or what was just typed for it.
    pub student_id: String,
    pub student_id_error: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/members.html")]
pub struct MembersPage {
    pub layout: Layout,
    pub csrf: String,
    pub join_link: String,
    pub rows: Vec<MemberRow>,
    pub problems: Vec<String>,
}

#[derive(Template)]
#[template(path = "admin/comment.html")]
pub struct CommentEditPage {
    pub layout: Layout,
    pub id: i64,
    pub csrf: String,
    pub post: Link,
    pub status: &'static str,
    pub author: String,
    pub email: String,
    pub url: String,
    pub text: String,
    pub reply: String,
    pub author_error: Option<String>,
    pub email_error: Option<String>,
    pub url_error: Option<String>,
    pub text_error: Option<String>,
    pub reply_error: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/categories.html")]
pub struct CategoriesPage {
    pub layout: Layout,
    pub csrf: String,
    /// (id, name, address, depth), in tree order.
    pub rows: Vec<(i64, String, String, usize)>,
    /// The categories that are assignments (a gradebook column each).
    pub assignments: Vec<i64>,
}

#[derive(Template)]
#[template(path = "admin/sites.html")]
pub struct SitesPage {
    pub layout: Layout,
    pub csrf: String,
    /// What was just done, in plain words.
    pub notice: Option<String>,
    /// Why nothing was done, when a form has fields to correct.
    pub problem: Option<String>,
    pub rows: Vec<SiteRow>,
    /// "Add a course", as typed.
    pub create: SiteFormView,
    /// "Copy a course for next term", as typed.
    pub copy: SiteFormView,
}

/// A site in the list of `/admin/sites`.
pub struct SiteRow {
    pub id: i64,
    pub title: String,
    /// Its home page, from the server's root.
    pub href: String,
    pub is_main: bool,
    /// "Archived on …", or `None` while it is open.
    pub archived: Option<String>,
    /// Its rename field, as typed.
    pub rename: FieldView,
}

/// The form that makes a site (new, or a copy of `from`), as typed.
#[derive(Clone, Debug, Default)]
pub struct SiteFormView {
    pub from: i64,
    pub from_error: Option<String>,
    pub slug: FieldView,
    pub title: FieldView,
    pub admin: FieldView,
}

/// A search result.
pub struct SearchResult {
    pub title: String,
    pub link: String,
    pub date: String,
    /// Escaped text with the matches in `<mark>`.
    pub snippet: SafeHtml,
}

#[derive(Template)]
#[template(path = "search.html")]
pub struct SearchPage {
    pub layout: Layout,
    pub heading: String,
    pub query: String,
    pub searched: bool,
    pub total: i64,
    pub results: Vec<SearchResult>,
    pub pagination: Pagination,
}

/// How a setting is typed in the settings form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Number,
    Lines,
    Checkbox,
    Visibility,
    GradeScale,
    /// A time zone, chosen from the IANA names.
    Zone,
    /// A day, with the browser's date picker.
    Date,
    /// What happens to a leaving member's writing: kept or trashed.
    LeaversWriting,
}

/// The editor's fields as typed.
#[derive(Clone, Debug, Default)]
pub struct EditorFields {
    pub title: String,
    pub body: String,
    pub excerpt: String,
    pub categories: Vec<String>,
    pub new_categories: String,
    pub tags: String,
    pub status: String,
    pub date: String,
    pub sticky: bool,
    pub comments_open: bool,
    pub password: String,
    pub parent: String,
    /// The id of the reading the post discusses; empty for none.
    pub reading: String,
    pub version: i64,
    pub action: String,
    pub csrf: String,
    /// The editing session of a new post (a token of its form): however the editor is left and opened again,
    /// one session makes one post.
    pub session: String,
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Every template and the files under it.
    fn templates(folder: &Path, found: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(folder).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                templates(&path, found);
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                found.push((path.display().to_string(), text));
            }
        }
    }

    #[test]
    fn no_template_inserts_html_unescaped_but_through_safe_html() {
        let mut found = Vec::new();
        templates(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("templates"),
            &mut found,
        );
        assert!(found.len() > 10, "the templates are where they were");
        for (path, text) in found {
            assert!(
                !text.contains("|safe") && !text.contains("| safe"),
                "{path} uses |safe: give the view a SafeHtml field instead"
            );
        }
    }
}

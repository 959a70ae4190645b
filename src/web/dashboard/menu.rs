//! The dashboard's menu, on every dashboard page: the parts a person's role reaches, with what waits for them
//! (comments held for moderation, posts submitted for review).

use crate::{
    domain::{
        post::{PostKind, may_create},
        user::Role,
    },
    store::Site,
    web::{
        error::WebError,
        state::AppState,
        viewer::SignedIn,
        views::{Layout, MenuItem},
    },
};

/// The part of the dashboard a page belongs to: its menu item is marked as the current one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    Dashboard,
    Posts,
    Pages,
    Comments,
    Categories,
    Readings,
    Participation,
    Members,
    Settings,
    Outbox,
    Sites,
}

impl AppState {
    /// The frame of a dashboard page: the site's frame and the dashboard's menu.
    pub(crate) async fn dashboard_layout(
        &self,
        site: &Site,
        title: &str,
        viewer: &SignedIn,
        section: Section,
    ) -> Result<Layout, WebError> {
        let mut layout = self.layout(site, Some(title), Some(viewer)).await?;
        let awaiting = if viewer.is_staff() {
            self.store.awaiting_staff(site.id).await?
        } else {
            Default::default()
        };
        let role = viewer.role;
        let staff = viewer.is_staff();
        let administrator = role == Some(Role::Administrator);
        let entries = [
            (Section::Dashboard, "/admin/", "Dashboard", None, staff),
            (
                Section::Posts,
                "/admin/posts",
                "Posts",
                Some((awaiting.posts, "to review")),
                may_create(role, PostKind::Post),
            ),
            (
                Section::Pages,
                "/admin/posts?type=page",
                "Pages",
                None,
                may_create(role, PostKind::Page),
            ),
            (
                Section::Comments,
                "/admin/comments",
                "Comments",
                Some((awaiting.comments, "held")),
                staff,
            ),
            (
                Section::Categories,
                "/admin/categories",
                "Categories",
                None,
                staff,
            ),
            (
                Section::Readings,
                "/admin/readings",
                "Readings",
                None,
                staff,
            ),
            (
                Section::Participation,
                "/admin/participation",
                "Participation",
                None,
                staff,
            ),
            (
                Section::Members,
                "/admin/members",
                "Members",
                None,
                administrator,
            ),
            (
                Section::Settings,
                "/admin/settings",
                "Settings",
                None,
                administrator,
            ),
            (
                Section::Outbox,
                "/admin/outbox",
                "Outbox",
                None,
                administrator,
            ),
            (
                Section::Sites,
                "/admin/sites",
                "Sites",
                None,
                administrator && site.is_main(),
            ),
        ];
        layout.menu = entries
            .into_iter()
            .filter(|(.., reached)| *reached)
            .map(|(item, path, text, waiting, _)| MenuItem {
                href: site.root().join(path),
                text,
                waiting: waiting
                    .filter(|(count, _)| *count > 0)
                    .map(|(count, what)| format!("{count} {what}")),
                current: item == section,
            })
            .collect();
        Ok(layout)
    }
}

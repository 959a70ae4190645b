//! Arranging a discussion: threads nested to the site's depth, oldest first, paged by top-level comments.

use super::comment::Comment;

/// A comment with its place in the rendered thread.
#[derive(Debug)]
pub struct ThreadEntry {
    pub comment: Comment,
    /// 1 for top-level comments.
    pub depth: u32,
    /// Whether the entries right after this one are its replies, one level deeper.
    pub opens_replies: bool,
    /// How many levels of replies end right after this entry.
    pub closes: u32,
}

/// One page of a discussion and where it stands among the pages.
#[derive(Debug)]
pub struct ThreadPage {
    pub entries: Vec<ThreadEntry>,
    pub page: u32,
    pub pages: u32,
}

fn pages_for(top_level_count: usize, per_page: u32) -> u32 {
    let per_page = per_page.max(1) as usize;
    u32::try_from(top_level_count.div_ceil(per_page))
        .unwrap_or(u32::MAX)
        .max(1)
}

/// Where a comment is among the pages of its discussion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommentPage {
    /// On the last page, the one the post's own address shows.
    Newest,
    /// On an earlier page (1-based).
    Earlier(u32),
}

/// The page that shows the top-level comment at `position` (0-based, oldest first) of `top_level_count`.
pub fn page_at(position: usize, top_level_count: usize, per_page: u32) -> CommentPage {
    let page = u32::try_from(position / per_page.max(1) as usize + 1).unwrap_or(u32::MAX);
    if page < pages_for(top_level_count, per_page) {
        CommentPage::Earlier(page)
    } else {
        CommentPage::Newest
    }
}

/// Arranges comments (in any order) into page `page` (1-based; `None` for the newest) of a thread.
/// A reply whose parent is not among `comments` (held, trashed) is shown at the top level.
/// Replies to a comment at `max_depth` are shown at that depth, after it. `None` if the page does not exist.
pub fn arrange(
    mut comments: Vec<Comment>,
    max_depth: u32,
    per_page: u32,
    page: Option<u32>,
) -> Option<ThreadPage> {
    comments.sort_by_key(|comment| (comment.created_at, comment.id));
    let ids: std::collections::HashSet<i64> = comments.iter().map(|comment| comment.id).collect();
    let is_top = |comment: &Comment| {
        comment
            .parent_id
            .is_none_or(|parent| !ids.contains(&parent))
    };
    let top_level: Vec<i64> = comments
        .iter()
        .filter(|comment| is_top(comment))
        .map(|comment| comment.id)
        .collect();
    let pages = pages_for(top_level.len(), per_page);
    let page = page.unwrap_or(pages);
    if page == 0 || page > pages {
        return None;
    }
    let per_page = per_page.max(1) as usize;
    let on_page: Vec<i64> = top_level
        .iter()
        .skip((page as usize - 1) * per_page)
        .take(per_page)
        .copied()
        .collect();

    let mut children: std::collections::HashMap<i64, Vec<i64>> = std::collections::HashMap::new();
    for comment in comments.iter().filter(|comment| !is_top(comment)) {
        if let Some(parent) = comment.parent_id {
            children.entry(parent).or_default().push(comment.id);
        }
    }
    let mut by_id: std::collections::HashMap<i64, Comment> = comments
        .into_iter()
        .map(|comment| (comment.id, comment))
        .collect();

    let mut order: Vec<(i64, u32)> = Vec::new();
    for id in on_page {
        place(id, 1, max_depth.max(1), &children, &mut order);
    }
    let mut entries: Vec<ThreadEntry> = Vec::with_capacity(order.len());
    for (index, (id, depth)) in order.iter().enumerate() {
        let next_depth = order.get(index + 1).map_or(1, |(_, depth)| *depth);
        if let Some(comment) = by_id.remove(id) {
            entries.push(ThreadEntry {
                comment,
                depth: *depth,
                opens_replies: next_depth > *depth,
                closes: depth.saturating_sub(next_depth),
            });
        }
    }
    Some(ThreadPage {
        entries,
        page,
        pages,
    })
}

/// The page (1-based) of the thread each of `comments` is shown on, as `arrange` pages them.
pub fn pages_of(comments: &[Comment], per_page: u32) -> std::collections::HashMap<i64, u32> {
    let parents: std::collections::HashMap<i64, Option<i64>> = comments
        .iter()
        .map(|comment| (comment.id, comment.parent_id))
        .collect();
    let top_of = |mut id: i64| {
        let mut steps = 0;
        while let Some(Some(parent)) = parents.get(&id) {
            if !parents.contains_key(parent) || steps > parents.len() {
                break;
            }
            id = *parent;
            steps += 1;
        }
        id
    };
    let mut ordered: Vec<&Comment> = comments.iter().collect();
    ordered.sort_by_key(|comment| (comment.created_at, comment.id));
    let top_level: std::collections::HashMap<i64, usize> = ordered
        .iter()
        .filter(|comment| top_of(comment.id) == comment.id)
        .enumerate()
        .map(|(position, comment)| (comment.id, position))
        .collect();
    let per_page = per_page.max(1) as usize;
    comments
        .iter()
        .filter_map(|comment| {
            let position = top_level.get(&top_of(comment.id))?;
            Some((
                comment.id,
                u32::try_from(position / per_page + 1).unwrap_or(u32::MAX),
            ))
        })
        .collect()
}

/// Depth-first placement; at the deepest level, all further replies follow in time order at that level.
fn place(
    id: i64,
    depth: u32,
    max_depth: u32,
    children: &std::collections::HashMap<i64, Vec<i64>>,
    order: &mut Vec<(i64, u32)>,
) {
    order.push((id, depth));
    let Some(replies) = children.get(&id) else {
        return;
    };
    if depth < max_depth {
        for reply in replies {
            place(*reply, depth + 1, max_depth, children, order);
        }
    } else {
        let mut descendants = Vec::new();
        collect(replies, children, &mut descendants);
        descendants.sort_unstable();
        order.extend(descendants.into_iter().map(|(_, id)| (id, depth)));
    }
}

fn collect(
    ids: &[i64],
    children: &std::collections::HashMap<i64, Vec<i64>>,
    found: &mut Vec<(usize, i64)>,
) {
    for id in ids {
        found.push((found.len(), *id));
        if let Some(replies) = children.get(id) {
            collect(replies, children, found);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{comment::CommentStatus, markup::SafeHtml};

    fn comment(id: i64, parent_id: Option<i64>) -> Comment {
        Comment {
            id,
            post_id: 1,
            parent_id,
            user_id: None,
            author_name: format!("c{id}"),
            author_email: String::new(),
            author_url: None,
            author_ip: String::new(),
            content: String::new(),
            content_html: SafeHtml::default(),
            status: CommentStatus::Approved,
            created_at: id * 10,
            is_private: false,
            grade: None,
            passage: None,
        }
    }

    fn shape(page: &ThreadPage) -> Vec<(i64, u32, bool, u32)> {
        page.entries
            .iter()
            .map(|entry| {
                (
                    entry.comment.id,
                    entry.depth,
                    entry.opens_replies,
                    entry.closes,
                )
            })
            .collect()
    }

    #[test]
    fn every_comment_is_on_the_page_of_its_top_level_comment() {
        let comments = vec![
            comment(1, None),
            comment(2, None),
            comment(3, None),
            comment(4, Some(1)),
            comment(5, Some(3)),
            comment(6, Some(99)),
        ];
        let pages = pages_of(&comments, 2);
        for page in 1..=2 {
            let shown = arrange(comments.clone(), 5, 2, Some(page)).unwrap();
            for entry in shown.entries {
                assert_eq!(
                    pages[&entry.comment.id], page,
                    "comment {}",
                    entry.comment.id
                );
            }
        }
        assert_eq!(pages.len(), 6);
    }

    #[test]
    fn replies_nest_under_their_parents_oldest_first() {
        let comments = vec![
            comment(3, Some(1)),
            comment(1, None),
            comment(2, None),
            comment(4, Some(3)),
        ];
        let page = arrange(comments, 5, 50, None).unwrap();
        assert_eq!(
            shape(&page),
            [
                (1, 1, true, 0),
                (3, 2, true, 0),
                (4, 3, false, 2),
                (2, 1, false, 0)
            ]
        );
    }

    #[test]
    fn replies_beyond_the_depth_limit_join_the_deepest_level() {
        let comments = vec![
            comment(1, None),
            comment(2, Some(1)),
            comment(3, Some(2)),
            comment(4, Some(3)),
        ];
        let page = arrange(comments, 2, 50, None).unwrap();
        assert_eq!(
            shape(&page),
            [
                (1, 1, true, 0),
                (2, 2, false, 0),
                (3, 2, false, 0),
                (4, 2, false, 1)
            ]
        );
    }

    #[test]
    fn orphaned_replies_show_at_the_top_level() {
        let page = arrange(vec![comment(5, Some(99))], 5, 50, None).unwrap();
        assert_eq!(shape(&page), [(5, 1, false, 0)]);
    }

    #[test]
    fn long_discussions_page_by_top_level_comments_newest_page_first() {
        let mut comments: Vec<Comment> = (1..=7).map(|id| comment(id, None)).collect();
        comments.push(comment(8, Some(1)));
        let newest = arrange(comments.clone(), 5, 3, None).unwrap();
        assert_eq!((newest.page, newest.pages), (3, 3));
        assert_eq!(shape(&newest), [(7, 1, false, 0)]);
        let oldest = arrange(comments.clone(), 5, 3, Some(1)).unwrap();
        assert_eq!(
            oldest
                .entries
                .iter()
                .map(|entry| entry.comment.id)
                .collect::<Vec<_>>(),
            [1, 8, 2, 3]
        );
        assert!(arrange(comments, 5, 3, Some(4)).is_none());
    }

    #[test]
    fn a_position_falls_on_its_page() {
        assert_eq!(page_at(0, 7, 3), CommentPage::Earlier(1));
        assert_eq!(page_at(3, 7, 3), CommentPage::Earlier(2));
        assert_eq!(page_at(6, 7, 3), CommentPage::Newest);
        assert_eq!(page_at(2, 3, 3), CommentPage::Newest);
        assert_eq!(page_at(0, 1, 0), CommentPage::Newest);
    }

    #[test]
    fn an_empty_discussion_has_one_empty_page() {
        let page = arrange(Vec::new(), 5, 50, None).unwrap();
        assert_eq!((page.page, page.pages, page.entries.len()), (1, 1, 0));
    }
}

//! Values derived from a site's content (its settings, menu, counts), kept in memory while the site's
//! `content_version` stays the one they were made at. The version is read from the database on every request,
//! so a kept value is never used after a change, whichever instance made it.

use std::{collections::HashMap, hash::Hash, sync::Mutex};

pub struct PerVersion<K, V> {
    entries: Mutex<HashMap<K, (i64, V)>>,
    /// Past this many entries the memo starts afresh.
    most: usize,
}

impl<K: Eq + Hash, V: Clone> PerVersion<K, V> {
    pub fn new(most: usize) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            most,
        }
    }

    /// The value kept for `key`, if it was made at `version`.
    pub fn get(&self, key: &K, version: i64) -> Option<V> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(key)
            .filter(|(made_at, _)| *made_at == version)
            .map(|(_, value)| value.clone())
    }

    pub fn put(&self, key: K, version: i64, value: V) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= self.most {
                entries.clear();
            }
            entries.insert(key, (version, value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_lasts_as_long_as_its_version() {
        let memo = PerVersion::new(2);
        memo.put(1, 7, "menu");
        assert_eq!(memo.get(&1, 7), Some("menu"));
        assert_eq!(memo.get(&1, 8), None, "a newer version makes it stale");
        memo.put(2, 7, "b");
        memo.put(3, 7, "c");
        assert_eq!(memo.get(&1, 7), None, "a full memo starts afresh");
        assert_eq!(memo.get(&3, 7), Some("c"));
    }
}

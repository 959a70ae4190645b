//! Values derived from a site's content (its settings, menu, counts), kept in memory while the site's
//! `content_version` stays the one they were made at. The version is read from the database on every request,
//! so a kept value is never used after a change, whichever instance made it.

use std::{
    collections::HashMap,
    hash::{BuildHasher, Hash, RandomState},
    sync::Mutex,
};

/// How many locks share out the making of missing values.
const MAKING_LOCKS: usize = 16;

pub struct PerVersion<K, V> {
    entries: Mutex<HashMap<K, (i64, V)>>,
    /// Past this many entries the memo starts afresh.
    most: usize,
    /// A missing value is made once however many requests ask for it at the same moment: the first makes it
    /// while the others wait on its key's lock, then find it kept.
    making: [tokio::sync::Mutex<()>; MAKING_LOCKS],
    hasher: RandomState,
}

impl<K: Eq + Hash, V: Clone> PerVersion<K, V> {
    pub fn new(most: usize) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            most,
            making: std::array::from_fn(|_| tokio::sync::Mutex::new(())),
            hasher: RandomState::new(),
        }
    }

    /// The value kept for `key` at `version`, else the one `make` makes (once, while concurrent askers wait).
    pub async fn get_or_make<F, E>(
        &self,
        key: K,
        version: i64,
        make: impl FnOnce() -> F,
    ) -> Result<V, E>
    where
        F: std::future::Future<Output = Result<V, E>>,
    {
        if let Some(value) = self.get(&key, version) {
            return Ok(value);
        }
        let lock = &self.making[self.hasher.hash_one(&key) as usize % MAKING_LOCKS];
        let _making = lock.lock().await;
        if let Some(value) = self.get(&key, version) {
            return Ok(value);
        }
        let value = make().await?;
        self.put(key, version, value.clone());
        Ok(value)
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

    #[tokio::test]
    async fn a_missing_value_is_made_once_for_all_who_ask_at_once() {
        let memo = std::sync::Arc::new(PerVersion::new(16));
        let made = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let askers: Vec<_> = (0..32)
            .map(|_| {
                let (memo, made) = (memo.clone(), made.clone());
                tokio::spawn(async move {
                    memo.get_or_make("count", 3, || async {
                        made.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        tokio::task::yield_now().await;
                        Ok::<_, ()>(8_333)
                    })
                    .await
                })
            })
            .collect();
        for asker in askers {
            assert_eq!(asker.await.unwrap(), Ok(8_333));
        }
        assert_eq!(made.load(std::sync::atomic::Ordering::SeqCst), 1);
        let again = memo
            .get_or_make("count", 4, || async { Ok::<_, ()>(8_334) })
            .await;
        assert_eq!(again, Ok(8_334), "a new version makes it again");
    }
}

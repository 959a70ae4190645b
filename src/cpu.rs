//! Work that keeps a core busy for a while (rendering and sanitizing a long text, reading a book-length
//! reading) runs on tokio's blocking threads, so that the async workers go on answering everyone else
//! (`/healthz`, cached pages) meanwhile.

/// Runs `work` on a blocking thread and waits for it; a panic in it goes on in the caller.
pub async fn off_the_async_workers<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> T {
    match tokio::task::spawn_blocking(work).await {
        Ok(value) => value,
        Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        Err(error) => panic!("rendering stopped with the runtime: {error}"),
    }
}

//! Password work (Argon2, about 19 MB and tens of milliseconds each) for every door that does it: sign-in,
//! reset, joining, one's account. It runs on a few threads of its own, one a core, so no more run at once
//! than the machine has cores and the memory it takes stays with those threads (on the runtime's blocking
//! pool each new thread kept its own 19 MB: 100 sign-ins at once held 300 MB). The rest wait their turn for a
//! while, then get a 503 with `Retry-After`, so a flood of password forms can neither exhaust memory nor starve
//! the other requests.

use std::{
    sync::{Arc, Mutex, mpsc},
    time::Duration,
};

use tokio::sync::{Semaphore, oneshot};

use crate::{
    domain::user::{PasswordError, hash_password, verify_password},
    web::error::WebError,
};

/// How long a password form waits for its turn before it is asked to come back.
const LONGEST_WAIT: Duration = Duration::from_secs(10);

/// A piece of password work for one of the threads.
type Job = Box<dyn FnOnce() + Send>;

/// The gate in front of Argon2, and its threads (which end when the last clone of it is dropped).
#[derive(Clone)]
pub struct Passwords {
    turns: Arc<Semaphore>,
    jobs: mpsc::Sender<Job>,
}

impl Passwords {
    /// A thread and a turn for each core of the machine.
    pub fn new() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for number in 0..cores {
            let queue = Arc::clone(&queue);
            let started = std::thread::Builder::new()
                .name(format!("passwords-{number}"))
                .spawn(move || {
                    loop {
                        let next = match queue.lock() {
                            Ok(queue) => queue.recv(),
                            Err(_) => return,
                        };
                        match next {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                });
            if let Err(error) = started {
                tracing::error!(%error, "cannot start a thread for password work");
            }
        }
        Self {
            turns: Arc::new(Semaphore::new(cores)),
            jobs,
        }
    }

    /// Runs `work` on a password thread in its turn.
    async fn in_turn<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, WebError> {
        let _turn = tokio::time::timeout(LONGEST_WAIT, self.turns.acquire())
            .await
            .map_err(|_| WebError::Busy)?
            .map_err(|_| WebError::Busy)?;
        let (answer, answered) = oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                let _ = answer.send(work());
            }))
            .map_err(|_| WebError::Busy)?;
        answered.await.map_err(|_| WebError::Panicked)
    }

    /// The hash of a new password, or why the password will not do.
    pub async fn hash(&self, password: String) -> Result<Result<String, PasswordError>, WebError> {
        self.in_turn(move || hash_password(&password)).await
    }

    /// Whether `password` is the one `hash` was made from.
    pub async fn verify(&self, password: String, hash: String) -> Result<bool, WebError> {
        self.in_turn(move || verify_password(&password, &hash))
            .await
    }
}

impl Default for Passwords {
    fn default() -> Self {
        Self::new()
    }
}

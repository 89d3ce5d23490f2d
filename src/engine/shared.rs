//! A store shared between async tasks; each use runs on the blocking pool.

use std::sync::{Arc, Mutex};

use crate::store::Store;

#[derive(Debug, Clone)]
pub struct SharedStore(Arc<Mutex<Store>>);

impl SharedStore {
    pub fn new(store: Store) -> Self {
        Self(Arc::new(Mutex::new(store)))
    }

    /// Runs `f` with the store on tokio's blocking pool. A panic inside `f` is re-raised here.
    /// When the runtime shuts down before `f` ran, this never returns: the task awaiting it is
    /// dropped with the runtime, and nothing is left to take an answer.
    pub async fn run<T, F>(&self, f: F) -> T
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> T + Send + 'static,
    {
        let inner = Arc::clone(&self.0);
        let joined = tokio::task::spawn_blocking(move || {
            // A panic while holding the lock poisons it; the store itself is still consistent
            // (SQLite rolled the transaction back), so carry on with it.
            let mut store = inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            f(&mut store)
        })
        .await;
        match joined {
            Ok(v) => v,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(_) => std::future::pending().await,
        }
    }

    /// Runs `f` with the store on the current thread, for code that is not async.
    pub fn blocking<T>(&self, f: impl FnOnce(&mut Store) -> T) -> T {
        let mut store = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut store)
    }
}

//! Async adapters for tokio. (STUB: implemented by the adapter work.)

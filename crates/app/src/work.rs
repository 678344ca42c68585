//! The app's own background work: the live section, the success maps, the X-ray shots and the
//! class board's reads. It runs on a pool of its own because Bevy creates render pipelines on
//! its async compute pool, which has one thread on a 2-core machine, and under a software
//! renderer each pipeline takes seconds to compile: work queued behind them would wait as
//! long (`the_live_section_does_not_queue_behind_bevys_pipeline_compiles` holds that pool).

use bevy::tasks::{TaskPool, TaskPoolBuilder};
use std::sync::OnceLock;

/// Threads of the pool: a section and a map may be on their way at once.
const THREADS: usize = 2;

pub fn pool() -> &'static TaskPool {
    static POOL: OnceLock<TaskPool> = OnceLock::new();
    POOL.get_or_init(|| {
        TaskPoolBuilder::new()
            .num_threads(THREADS)
            .thread_name("marrowsim work".into())
            .build()
    })
}

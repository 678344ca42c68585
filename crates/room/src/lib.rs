//! The class record a room shares: the room's PostgreSQL server (`server`), the station that
//! records locally and sends its attempts there (`station`), and where the address and the
//! password come from (`settings`). A station without a server keeps the SQLite record of
//! `marrowsim-core` alone.

pub mod server;
pub mod settings;
pub mod station;

use marrowsim_core::records::history::History;
use marrowsim_core::records::store::Store;
use std::path::PathBuf;

/// The record a station writes to: its SQLite file in `dir`, shared with `remote` if one is
/// named. With `courier`, the sharing runs on a thread of its own.
pub fn open_station(
    dir: PathBuf,
    remote: Option<settings::Remote>,
    courier: bool,
) -> Result<Box<dyn Store>, String> {
    Ok(match remote {
        Some(r) => Box::new(station::Station::open(dir, r, courier)?),
        None => Box::new(History::open(dir)?),
    })
}

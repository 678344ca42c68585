//! Where the commands find the record: the station's SQLite file in the data folder, or the
//! room's PostgreSQL server (`--records postgres://…` or the settings file).

use clap::Args;
use marrowsim_core::records::history::History;
use marrowsim_core::records::store::Store;
use marrowsim_room::server::Server;
use marrowsim_room::settings::{Remote, Settings};
use std::path::PathBuf;

#[derive(Args, Debug, Clone, Default)]
pub struct RecordsArgs {
    /// The data folder (default: $MARROWSIM_DATA, $XDG_DATA_HOME/marrowsim or
    /// ~/.local/share/marrowsim).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// A room's shared record, postgres://user@host:port/database (default: the settings
    /// file's `records`). The password comes from MARROWSIM_RECORDS_PASSWORD or the settings
    /// file, never from the address.
    #[arg(long, value_name = "URL")]
    pub records: Option<String>,
}

impl RecordsArgs {
    pub fn dir(&self) -> PathBuf {
        self.data.clone().unwrap_or_else(History::default_dir)
    }

    pub fn settings(&self) -> Result<Settings, String> {
        Settings::here()
    }

    /// The room's server, if one is named.
    pub fn remote(&self) -> Result<Option<Remote>, String> {
        Remote::configured(self.records.as_deref(), &self.settings()?)
    }

    /// The record to read: the room's server if one is named, else this station's file.
    pub fn reader(&self) -> Result<Box<dyn Store>, String> {
        match self.remote()? {
            Some(r) => Ok(Box::new(Server::connect(&r)?)),
            None => Ok(Box::new(open_local(self.dir())?)),
        }
    }

    /// The record to add to: this station's file, sharing with the room's server if one is
    /// named (attempts wait in the file while the server is away).
    pub fn writer(&self) -> Result<Box<dyn Store>, String> {
        marrowsim_room::open_station(self.dir(), self.remote()?, false)
    }
}

/// The station's own file, telling what it imported from an older folder.
pub fn open_local(dir: PathBuf) -> Result<History, String> {
    let history = History::open(dir)?;
    if let Some(imported) = &history.imported {
        eprintln!(
            "imported {} from the older record in {}{}{}",
            super::count(imported.attempts, "attempt"),
            history.dir.display(),
            if imported.bad_lines > 0 {
                format!(
                    "; {} of history.jsonl {} skipped",
                    super::count(imported.bad_lines, "damaged line"),
                    marrowsim_core::words::was(imported.bad_lines)
                )
            } else {
                String::new()
            },
            if imported.unlisted_files > 0 {
                format!(
                    "; {} no line names {} left in attempts/",
                    super::count(imported.unlisted_files, "attempt file"),
                    marrowsim_core::words::was(imported.unlisted_files)
                )
            } else {
                String::new()
            }
        );
    }
    Ok(history)
}

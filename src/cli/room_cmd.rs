//! `marrowsim room`: set up a room's shared record on a PostgreSQL server, give stations and
//! instructors their logins, and see this station's queue.

use super::records::RecordsArgs;
use clap::{Args, Subcommand, ValueEnum};
use marrowsim_room::server::{Role, Server};

#[derive(Args, Debug)]
pub struct RoomArgs {
    #[command(subcommand)]
    pub command: RoomCommand,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    /// Adds its own attempts and reads the board; changes nothing.
    Station,
    /// May also correct and remove attempts.
    Instructor,
}

#[derive(Subcommand, Debug)]
pub enum RoomCommand {
    /// Create the record's tables and its two roles (once, as the database's owner).
    Setup {
        #[command(flatten)]
        records: RecordsArgs,
    },
    /// Create a login for a station or an instructor, or give one a new password. The
    /// password is read from MARROWSIM_NEW_PASSWORD and sent as a SCRAM verifier.
    Login {
        /// The login's name (letters, digits, `_`, `-`).
        name: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        #[command(flatten)]
        records: RecordsArgs,
    },
    /// This station's queue for the room's record: how many attempts wait, and send them now.
    Status {
        #[command(flatten)]
        records: RecordsArgs,
    },
}

fn remote(records: &RecordsArgs) -> Result<marrowsim_room::settings::Remote, String> {
    records.remote()?.ok_or_else(|| {
        "no room's record is named: give --records postgres://user@host/database or set \
         `records` in the settings file"
            .to_string()
    })
}

pub fn run(args: &RoomArgs) -> Result<(), String> {
    match &args.command {
        RoomCommand::Setup { records } => {
            let r = remote(records)?;
            let upgraded = Server::setup(&r)?;
            out!(
                "the record and its roles (marrowsim_station, marrowsim_instructor) are set up on {}",
                r.address
            );
            if upgraded.rehashed > 0 {
                out!(
                    "{} given the identity this marrowsim computes (without the format version)",
                    super::count(upgraded.rehashed, "attempt")
                );
            }
            if !upgraded.duplicates.is_empty() {
                let ids: Vec<String> = upgraded.duplicates.iter().map(|i| i.to_string()).collect();
                out!(
                    "kept twice by an older export, the same attempt as an earlier one: {} (remove each with `marrowsim history --records … --remove ID`)",
                    ids.join(", ")
                );
            }
        }
        RoomCommand::Login {
            name,
            role,
            records,
        } => {
            let r = remote(records)?;
            let password = std::env::var("MARROWSIM_NEW_PASSWORD").map_err(|_| {
                "set the new login's password in MARROWSIM_NEW_PASSWORD".to_string()
            })?;
            let role = match role {
                RoleArg::Station => Role::Station,
                RoleArg::Instructor => Role::Instructor,
            };
            Server::add_login(&r, name, role, &password)?;
            out!("{name} may log in to {} as {}", r.address, role.group());
        }
        RoomCommand::Status { records } => {
            let r = remote(records)?;
            let mut station = marrowsim_room::station::Station::open(records.dir(), r, false)?;
            let result = station.flush();
            let s = marrowsim_core::records::store::Store::sharing(&station).unwrap_or_default();
            match result {
                Ok(f) => out!(
                    "{}: {} sent now ({} already there), {} waiting",
                    s.address,
                    f.sent,
                    f.already_there,
                    s.waiting
                ),
                Err(e) => out!(
                    "{} {} for {}: {e}",
                    super::count(s.waiting, "attempt"),
                    if s.waiting == 1 { "waits" } else { "wait" },
                    s.address
                ),
            }
        }
    }
    Ok(())
}

//! Where a station's shared record is, and the password it connects with.
//!
//! The address comes from `--records postgres://user@host:port/db` or from the settings file
//! (`$XDG_CONFIG_HOME/marrowsim/settings.ron`, else `~/.config/marrowsim/settings.ron`). The
//! password comes from `MARROWSIM_RECORDS_PASSWORD` (or libpq's `PGPASSWORD`) or from that
//! file, which is refused unless only its owner can read it. An address holding a password is
//! refused: command lines are visible to every user in `ps`, and end up in shell histories
//! and logs.

use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// The settings file is small; anything larger is not one.
const MAX_SETTINGS_BYTES: u64 = 16 * 1024;
/// How long a station waits for the room's server before it records locally.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// `settings.ron`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The room's record, `postgres://user@host:port/database`.
    #[serde(default)]
    pub records: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    /// The course every attempt on this station belongs to.
    #[serde(default)]
    pub course: Option<String>,
}

impl Settings {
    /// The settings file's usual place.
    pub fn default_path() -> Option<PathBuf> {
        let env = |k: &str| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        env("XDG_CONFIG_HOME")
            .map(|d| d.join("marrowsim"))
            .or_else(|| env("HOME").map(|h| h.join(".config/marrowsim")))
            .map(|d| d.join("settings.ron"))
    }

    /// Reads the settings file at `path`; a missing file is no settings.
    pub fn load(path: &Path) -> Result<Settings, String> {
        let text = match marrowsim_core::files::read_text(path, MAX_SETTINGS_BYTES, "settings") {
            Ok(t) => t,
            Err(marrowsim_core::files::ReadError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::NotFound =>
            {
                return Ok(Settings::default());
            }
            Err(e) => return Err(e.to_string()),
        };
        let settings = Settings::parse(&text, &path.display().to_string())?;
        if settings.password.is_some() {
            private_to_owner(path)?;
        }
        Ok(settings)
    }

    /// Settings from the text of `file`, or an error that names its line and column.
    pub fn parse(text: &str, file: &str) -> Result<Settings, String> {
        ron::from_str(text).map_err(|e| {
            format!(
                "{file}:{}:{}: {}",
                e.span.start.line, e.span.start.col, e.code
            )
        })
    }

    /// The settings from their usual place (none if there is no such file).
    pub fn here() -> Result<Settings, String> {
        match Self::default_path() {
            Some(p) => Self::load(&p),
            None => Ok(Settings::default()),
        }
    }
}

#[cfg(unix)]
fn private_to_owner(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(format!(
            "{}: holds a password but others may read it (mode {:o}); run `chmod 600 {}`",
            path.display(),
            mode & 0o777,
            path.display()
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn private_to_owner(_path: &Path) -> Result<(), String> {
    Ok(())
}

/// A room's server, as a station connects to it.
#[derive(Clone)]
pub struct Remote {
    config: postgres::Config,
    /// The address without any password, for messages.
    pub address: String,
}

impl std::fmt::Debug for Remote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Remote")
            .field("address", &self.address)
            .finish()
    }
}

impl Remote {
    /// The server at `url`, with `password` (which the URL itself may not hold).
    pub fn new(url: &str, password: Option<String>) -> Result<Remote, String> {
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(format!(
                "--records: `{}` is not a PostgreSQL address (postgres://user@host:port/database)",
                url.chars().take(80).collect::<String>()
            ));
        }
        let mut config = postgres::Config::from_str(url)
            .map_err(|e| format!("--records: not a PostgreSQL address: {e}"))?;
        if config.get_password().is_some() {
            return Err("--records: the address holds a password; give it in \
                 MARROWSIM_RECORDS_PASSWORD or in a settings file only you can read"
                .into());
        }
        let user = config
            .get_user()
            .ok_or("--records: the address names no user (postgres://user@host/database)")?
            .to_string();
        let hosts: Vec<String> = config
            .get_hosts()
            .iter()
            .map(|h| match h {
                postgres::config::Host::Tcp(name) => name.clone(),
                #[cfg(unix)]
                postgres::config::Host::Unix(path) => path.display().to_string(),
            })
            .collect();
        let port = config.get_ports().first().copied().unwrap_or(5432);
        let db = config.get_dbname().unwrap_or(&user).to_string();
        let address = format!("postgres://{user}@{}:{port}/{db}", hosts.join(","));
        if let Some(p) = password {
            config.password(p);
        }
        config
            .connect_timeout(CONNECT_TIMEOUT)
            .application_name("marrowsim");
        Ok(Remote { config, address })
    }

    /// The server named by `--records` or the settings file, with the password from the
    /// environment or the settings file. `None` when neither names a server.
    pub fn configured(
        records: Option<&str>,
        settings: &Settings,
    ) -> Result<Option<Remote>, String> {
        let Some(url) = records.or(settings.records.as_deref()) else {
            return Ok(None);
        };
        let password = ["MARROWSIM_RECORDS_PASSWORD", "PGPASSWORD"]
            .iter()
            .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
            .or_else(|| settings.password.clone());
        Remote::new(url, password).map(Some)
    }

    pub(crate) fn connect(&self) -> Result<postgres::Client, String> {
        self.config
            .connect(postgres::NoTls)
            .map_err(|e| format!("{}: {}", self.address, describe(&e)))
    }
}

/// A PostgreSQL error in one line, with the server's own message when it sent one.
pub(crate) fn describe(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => {
            let mut text = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                text = format!("{text}: {s}");
                source = s.source();
            }
            text
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_with_a_password_is_refused_and_never_echoed() {
        let e = Remote::new("postgres://station1:hunter2@room/marrowsim", None).unwrap_err();
        assert!(e.contains("holds a password"), "{e}");
        assert!(!e.contains("hunter2"));
    }

    #[test]
    fn the_address_shown_has_no_password() {
        let r = Remote::new(
            "postgres://station1@room:5433/class",
            Some("hunter2".into()),
        )
        .unwrap();
        assert_eq!(r.address, "postgres://station1@room:5433/class");
        assert!(!format!("{r:?}").contains("hunter2"));
    }

    #[test]
    fn other_addresses_are_refused() {
        assert!(Remote::new("mysql://a@b/c", None).is_err());
        assert!(
            Remote::new("postgres://room/marrowsim", None)
                .unwrap_err()
                .contains("no user")
        );
    }

    proptest::proptest! {
        /// Any text is settings or an error that names the file, its line and its column.
        #[test]
        fn any_text_is_settings_or_a_located_error(text in "\\PC{0,200}") {
            if let Err(e) = Settings::parse(&text, "settings.ron") {
                let at: Vec<&str> = e.splitn(4, ':').collect();
                proptest::prop_assert!(at.len() == 4 && at[0] == "settings.ron", "{}", e);
                proptest::prop_assert!(at[1].parse::<usize>().is_ok() && at[2].parse::<usize>().is_ok(), "{}", e);
            }
        }

        /// A settings file broken anywhere but inside its password never shows the password
        /// in the error, which a terminal, a log or a screen share would keep.
        #[test]
        fn an_error_never_shows_the_password(
            password in "[A-Za-z0-9]{8,16}",
            at in 0usize..1000,
            edit in 0u8..3,
            with in proptest::char::any(),
        ) {
            let head = "(\n  records: Some(\"postgres://station1@room/class\"),\n  password: Some(\"";
            let text = format!("{head}{password}\"),\n  course: Some(\"autumn\"),\n)\n");
            let outside: Vec<usize> = text
                .char_indices()
                .map(|(i, _)| i)
                .filter(|&i| i < head.len() || i >= head.len() + password.len())
                .collect();
            let i = outside[at % outside.len()];
            let mut broken = text.clone();
            match edit {
                0 => { broken.remove(i); }
                1 => broken.insert(i, with),
                _ => { broken.remove(i); broken.insert(i, with); }
            }
            if let Err(e) = Settings::parse(&broken, "settings.ron") {
                proptest::prop_assert!(!e.contains(&password), "{}\n{}", e, broken);
            }
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_settings_file_with_a_password_must_be_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("marrowsim-settings-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("settings.ron");
        std::fs::write(
            &path,
            "(records: Some(\"postgres://s1@room/m\"), password: Some(\"pw\"))",
        )
        .unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = Settings::load(&path).unwrap_err();
        assert!(e.contains("chmod 600") && !e.contains("pw\""), "{e}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let s = Settings::load(&path).unwrap();
        assert_eq!(s.password.as_deref(), Some("pw"));
        std::fs::write(&path, "(records: Some(\"x\"),\n  colour: 3)").unwrap();
        let e = Settings::load(&path).unwrap_err();
        assert!(e.contains("settings.ron:2:"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

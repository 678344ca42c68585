//! A private PostgreSQL server for the tests: its own cluster in a temporary folder, on a free
//! port, owned by the `postgres` user when the tests run as root (the server refuses root).
//! Tests can kill it (`kill`) and start it again (`start`) on the same data.
//!
//! The server's programs are found in `MARROWSIM_PG_BIN`, else in Debian's
//! `/usr/lib/postgresql/<newest>/bin`. When there are none the tests fail, naming the package
//! to install; `MARROWSIM_SKIP_POSTGRES=1` skips them explicitly instead.

#![allow(dead_code)]

use marrowsim_room::settings::Remote;
use std::path::{Path, PathBuf};
use std::process::Command;

pub const ADMIN: &str = "marrowsim_admin";
pub const ADMIN_PASSWORD: &str = "admin-secret-1";
pub const DATABASE: &str = "marrowsim";

pub struct Cluster {
    pub dir: PathBuf,
    pub port: u16,
    bin: PathBuf,
    owner: Option<(u32, u32)>,
}

/// Whether the tests were told to do without PostgreSQL.
pub fn skipped() -> bool {
    if std::env::var("MARROWSIM_SKIP_POSTGRES").is_ok_and(|v| v == "1") {
        eprintln!("MARROWSIM_SKIP_POSTGRES=1: the PostgreSQL half of this test is skipped");
        true
    } else {
        false
    }
}

fn bin_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("MARROWSIM_PG_BIN") {
        return PathBuf::from(d);
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(|e| {
            let e = e.ok()?;
            let v = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, b)| b).unwrap_or_else(|| {
        panic!(
            "no PostgreSQL server programs: install Debian's `postgresql` package (as .ci/run \
             does), set MARROWSIM_PG_BIN, or set MARROWSIM_SKIP_POSTGRES=1 to skip"
        )
    })
}

/// The `postgres` user's uid and gid, when running as root.
fn owner() -> Option<(u32, u32)> {
    if unsafe { libc::geteuid() } != 0 {
        return None;
    }
    let passwd = std::fs::read_to_string("/etc/passwd").expect("/etc/passwd");
    let line = passwd
        .lines()
        .find(|l| l.starts_with("postgres:"))
        .expect("running as root needs the `postgres` user (Debian's postgresql package)");
    let f: Vec<&str> = line.split(':').collect();
    Some((f[2].parse().unwrap(), f[3].parse().unwrap()))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Cluster {
    fn command(&self, program: &str) -> Command {
        let mut c = Command::new(self.bin.join(program));
        if let Some((uid, gid)) = self.owner {
            use std::os::unix::process::CommandExt;
            c.uid(uid).gid(gid);
        }
        c.env_remove("PGPASSWORD");
        c
    }

    fn run(&self, mut c: Command, what: &str) {
        let out = c.output().unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(
            out.status.success(),
            "{what} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// A new cluster with an administrator and an empty `marrowsim` database, running.
    pub fn new(name: &str) -> Cluster {
        let dir = std::env::temp_dir().join(format!("marrowsim-pg-{name}-{}", std::process::id()));
        std::fs::remove_dir_all(&dir).ok();
        std::fs::create_dir_all(&dir).unwrap();
        let cluster = Cluster {
            dir,
            port: free_port(),
            bin: bin_dir(),
            owner: owner(),
        };
        cluster.chown(&cluster.dir);
        let pwfile = cluster.dir.join("admin-password");
        std::fs::write(&pwfile, ADMIN_PASSWORD).unwrap();
        cluster.chown(&pwfile);
        let mut c = cluster.command("initdb");
        c.arg("-D")
            .arg(cluster.data())
            .args([
                "-U",
                ADMIN,
                "--auth=scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ])
            .arg(format!("--pwfile={}", pwfile.display()));
        cluster.run(c, "initdb");
        cluster.start();
        let mut admin = postgres::Config::new()
            .host("127.0.0.1")
            .port(cluster.port)
            .user(ADMIN)
            .password(ADMIN_PASSWORD)
            .dbname("postgres")
            .connect(postgres::NoTls)
            .expect("the new server accepts its administrator");
        admin
            .batch_execute(&format!("CREATE DATABASE {DATABASE}"))
            .unwrap();
        cluster
    }

    fn chown(&self, path: &Path) {
        if let Some((uid, gid)) = self.owner {
            std::os::unix::fs::chown(path, Some(uid), Some(gid)).unwrap();
        }
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// Starts the server (again) and waits until it accepts connections.
    pub fn start(&self) {
        let mut c = self.command("pg_ctl");
        c.arg("-D")
            .arg(self.data())
            .arg("-l")
            .arg(self.dir.join("server.log"))
            .arg("-o")
            .arg(format!(
                "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
                self.port,
                self.dir.display()
            ))
            .args(["-w", "-t", "60", "start"]);
        self.run(c, "pg_ctl start");
    }

    /// Kills the server at once, as a power cut would (`pg_ctl stop -m immediate`).
    pub fn kill(&self) {
        let mut c = self.command("pg_ctl");
        c.arg("-D")
            .arg(self.data())
            .args(["-m", "immediate", "-w", "stop"]);
        self.run(c, "pg_ctl stop");
    }

    /// The address of the database for a login.
    pub fn remote(&self, user: &str, password: &str) -> Remote {
        Remote::new(
            &format!("postgres://{user}@127.0.0.1:{}/{DATABASE}", self.port),
            Some(password.to_string()),
        )
        .unwrap()
    }

    pub fn admin(&self) -> Remote {
        self.remote(ADMIN, ADMIN_PASSWORD)
    }

    /// A plain client as the administrator, for checks the trait does not offer.
    pub fn sql(&self) -> postgres::Client {
        postgres::Config::new()
            .host("127.0.0.1")
            .port(self.port)
            .user(ADMIN)
            .password(ADMIN_PASSWORD)
            .dbname(DATABASE)
            .connect(postgres::NoTls)
            .unwrap()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let mut c = self.command("pg_ctl");
        c.arg("-D")
            .arg(self.data())
            .args(["-m", "immediate", "stop"]);
        let _ = c.output();
        std::fs::remove_dir_all(&self.dir).ok();
    }
}

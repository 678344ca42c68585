//! A station in a room: it records every attempt in its own SQLite file first, queued in the
//! same transaction, then sends the queue to the room's server. When the server cannot be
//! reached the attempts wait in the queue; they are sent when it is back. The server keeps
//! each attempt once (by its hash), so an attempt sent again after a lost reply is not
//! doubled, and one taken off the queue has been committed on the server.

use crate::server::Server;
use crate::settings::Remote;
use marrowsim_core::records::history::{ComponentRow, Entry, History};
use marrowsim_core::records::store::{Added, Filter, Recorded, Sharing, Store};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// One pass over the queue.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Flushed {
    pub sent: usize,
    /// Of those, how many the server already held (a reply lost earlier).
    pub already_there: usize,
    pub waiting: usize,
}

/// Sends the queue of the record in `local` to the server; stops at the first failure, so
/// the order is kept and nothing is skipped.
pub fn flush(local: &mut History, server: &mut Server) -> Result<Flushed, String> {
    let mut out = Flushed::default();
    let queued = local.queued()?;
    for (i, id) in queued.iter().enumerate() {
        let record = local.recorded(*id)?;
        let added = server.add(&record).inspect_err(|_| {
            out.waiting = queued.len() - i;
        })?;
        local.mark_sent(*id)?;
        out.sent += 1;
        if !added.new {
            out.already_there += 1;
        }
    }
    Ok(out)
}

/// The station's record: local first, shared when the server answers.
pub struct Station {
    local: History,
    remote: Remote,
    status: Arc<Mutex<Sharing>>,
    courier: Option<mpsc::Sender<()>>,
    /// Without a courier, sends happen in `add` and `flush`, on the caller's thread.
    server: Option<Server>,
    /// After a failed send, `add` does not try again before this (an import of many files
    /// would otherwise wait out the connection timeout on each one).
    next_try: Option<Instant>,
}

impl std::fmt::Debug for Station {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Station")
            .field("local", &self.local)
            .field("remote", &self.remote)
            .finish()
    }
}

/// How long a courier waits before it tries a failed server again.
const RETRY: Duration = Duration::from_secs(10);

impl Station {
    /// The station's record in `dir`, sharing with `remote`. With `courier`, a thread sends
    /// the queue in the background (the app, whose frames must not wait for a network);
    /// without, `add` and `flush` send it (the CLI and the tests).
    pub fn open(dir: PathBuf, remote: Remote, courier: bool) -> Result<Station, String> {
        let mut local = History::open(&dir)?;
        local.queue_for_sharing = true;
        let status = Arc::new(Mutex::new(Sharing {
            address: remote.address.clone(),
            waiting: local.queued()?.len(),
            ..Sharing::default()
        }));
        let courier = courier.then(|| spawn_courier(dir, remote.clone(), status.clone()));
        Ok(Station {
            local,
            remote,
            status,
            courier,
            server: None,
            next_try: None,
        })
    }

    /// The station's own record.
    pub fn local(&mut self) -> &mut History {
        &mut self.local
    }

    /// Sends what is queued now, on this thread. With a courier this only wakes it.
    pub fn flush(&mut self) -> Result<Flushed, String> {
        if let Some(c) = &self.courier {
            let _ = c.send(());
            return Ok(Flushed {
                waiting: self.local.queued()?.len(),
                ..Flushed::default()
            });
        }
        let result = (|| {
            if self.server.is_none() {
                self.server = Some(Server::connect(&self.remote)?);
            }
            let server = self.server.as_mut().expect("connected above");
            flush(&mut self.local, server)
        })();
        self.next_try = match &result {
            Ok(_) => None,
            Err(_) => {
                self.server = None;
                Some(Instant::now() + RETRY)
            }
        };
        let waiting = self.local.queued()?.len();
        note(&self.status, &result, waiting);
        result
    }
}

fn note(status: &Mutex<Sharing>, result: &Result<Flushed, String>, waiting: usize) {
    if let Ok(mut s) = status.lock() {
        s.waiting = waiting;
        match result {
            Ok(f) => {
                s.sent += f.sent;
                s.error = None;
            }
            Err(e) => s.error = Some(e.clone()),
        }
    }
}

fn spawn_courier(dir: PathBuf, remote: Remote, status: Arc<Mutex<Sharing>>) -> mpsc::Sender<()> {
    let (tx, rx) = mpsc::channel::<()>();
    std::thread::Builder::new()
        .name("marrowsim-courier".into())
        .spawn(move || {
            let mut server: Option<Server> = None;
            let mut next_try = Instant::now();
            loop {
                match rx.recv_timeout(RETRY) {
                    Err(mpsc::RecvTimeoutError::Disconnected) => return,
                    Ok(()) | Err(mpsc::RecvTimeoutError::Timeout) => {}
                }
                let Ok(mut local) = History::open(&dir) else {
                    continue;
                };
                let waiting = local.queued().map(|q| q.len()).unwrap_or(0);
                if waiting == 0 || Instant::now() < next_try {
                    continue;
                }
                let result = (|| {
                    if server.is_none() {
                        server = Some(Server::connect(&remote)?);
                    }
                    flush(&mut local, server.as_mut().expect("connected above"))
                })();
                if result.is_err() {
                    server = None;
                    next_try = Instant::now() + RETRY;
                }
                let waiting = local.queued().map(|q| q.len()).unwrap_or(waiting);
                note(&status, &result, waiting);
            }
        })
        .expect("a thread can be started");
    let _ = tx.send(());
    tx
}

impl Store for Station {
    fn describe(&self) -> String {
        format!(
            "{} (shared with {})",
            self.local.describe(),
            self.remote.address
        )
    }

    fn add(&mut self, record: &Recorded) -> Result<Added, String> {
        let added = self.local.add(record)?;
        // A failed send leaves the attempt queued; the record itself has succeeded.
        if self.next_try.is_none_or(|t| Instant::now() >= t) {
            let _ = self.flush();
        } else if let Ok(mut s) = self.status.lock() {
            s.waiting = self.local.queued()?.len();
        }
        Ok(added)
    }

    fn entries(&mut self, filter: &Filter) -> Result<Vec<Entry>, String> {
        Store::entries(&mut self.local, filter)
    }

    fn components(&mut self, filter: &Filter) -> Result<Vec<ComponentRow>, String> {
        Store::components(&mut self.local, filter)
    }

    fn attempt_text(&mut self, id: i64) -> Result<String, String> {
        Store::attempt_text(&mut self.local, id)
    }

    fn scene_text(&mut self, id: i64) -> Result<Option<String>, String> {
        Store::scene_text(&mut self.local, id)
    }

    fn trainees(&mut self) -> Result<Vec<String>, String> {
        Store::trainees(&mut self.local)
    }

    fn remembered_trainee(&mut self) -> Result<Option<String>, String> {
        self.local.remembered_trainee()
    }

    fn remember_trainee(&mut self, name: &str) -> Result<String, String> {
        self.local.remember_trainee(name)
    }

    fn sharing(&self) -> Option<Sharing> {
        self.status.lock().ok().map(|s| s.clone())
    }

    fn set_trainee(&mut self, _id: i64, _trainee: Option<&str>) -> Result<(), String> {
        Err("a station cannot correct attempts in a shared record; the instructor can".into())
    }

    fn remove(&mut self, _id: i64) -> Result<(), String> {
        Err("a station cannot remove attempts from a shared record; the instructor can".into())
    }
}

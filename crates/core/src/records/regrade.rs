//! What the current rubric gives an attempt that an older one marked. A record keeps the mark
//! an attempt was given, as it was given: that is what the trainee was told and what an
//! instructor may have certified. When the rubric has changed since, the views show beside it
//! what the current rubric gives the same attempt on the same scene, from the attempt and the
//! scene the record holds.

use super::history::Entry;
use super::store::Store;
use crate::grading::scoring::{Admission, RUBRIC, Verdict, score_text_with};
use crate::scenario::{Scenario, errors_text};
use serde::Serialize;
use std::collections::BTreeMap;

/// Whether the current rubric marked this entry.
pub fn is_current(e: &Entry) -> bool {
    e.rubric == Some(RUBRIC)
}

/// An older mark, marked again by the current rubric.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Now {
    /// The current rubric's total and verdict.
    Marked { total: f32, verdict: Verdict },
    /// Why it cannot be marked again.
    Unmarkable { reason: String },
}

impl Now {
    /// Whether the current rubric gives `e` another verdict or total (to the 0.1 the record
    /// shows), or cannot mark it at all.
    pub fn differs(&self, e: &Entry) -> bool {
        match self {
            Now::Marked { total, verdict } => {
                *verdict != e.verdict || (total - e.total).abs() >= 0.05
            }
            Now::Unmarkable { .. } => true,
        }
    }

    /// Whether `e` claims the current rubric's mark and this is not it. Under one rubric an
    /// attempt always gets the same mark, so the record was changed after marking, or damaged.
    pub fn contradicts(&self, e: &Entry) -> bool {
        is_current(e) && self.differs(e)
    }

    /// Short words for a table: `pass 84.0`, or `cannot mark`.
    pub fn brief(&self) -> String {
        match self {
            Now::Marked { total, verdict } => {
                format!("{} {total:.1}", format!("{verdict:?}").to_lowercase())
            }
            Now::Unmarkable { .. } => "cannot mark".into(),
        }
    }
}

/// The attempt (RON, as the record keeps it) marked by the current rubric against the scene
/// the record holds, with the integrity checks of `marrowsim score`.
pub fn mark_again(attempt_ron: &str, scene_ron: Option<&str>) -> Now {
    let Some(scene_ron) = scene_ron else {
        return Now::Unmarkable {
            reason: "the record holds no scene for it (imported from an older folder)".into(),
        };
    };
    let scenario = match Scenario::parse(scene_ron, "the recorded scene") {
        Ok(s) => s,
        Err(errors) => {
            return Now::Unmarkable {
                reason: errors_text(&errors),
            };
        }
    };
    match score_text_with(
        &scenario,
        "the recorded scene",
        attempt_ron,
        "the recorded attempt",
        Admission::Strict,
    ) {
        Ok(graded) => Now::Marked {
            total: graded.score.total,
            verdict: graded.score.verdict,
        },
        Err(reason) => Now::Unmarkable { reason },
    }
}

/// An attempt as the record holds it, to be marked again.
#[derive(Clone, Debug)]
pub struct Kept {
    pub id: i64,
    /// The attempt's text and the scene's, or why the record could not give them back (a
    /// damaged row): that attempt is unmarkable, and the others are still marked.
    pub text: Result<(String, Option<String>), String>,
}

/// The attempts among `entries` that an older rubric (or an unknown one) marked, read from
/// the record.
pub fn stale(store: &mut dyn Store, entries: &[Entry]) -> Vec<Kept> {
    texts(store, entries.iter().filter(|e| !is_current(e)))
}

/// The attempt and scene of each of `entries`, read from the record, to [`mark`] once the
/// record is free again.
pub fn texts<'a>(store: &mut dyn Store, entries: impl Iterator<Item = &'a Entry>) -> Vec<Kept> {
    entries
        .map(|e| Kept {
            id: e.id,
            text: store
                .attempt_text(e.id)
                .and_then(|a| Ok((a, store.scene_text(e.id)?))),
        })
        .collect()
}

/// Each of them marked by the current rubric, by id, on every core.
pub fn mark(kept: &[Kept]) -> BTreeMap<i64, Now> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = kept.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = kept
            .chunks(chunk)
            .map(|part| {
                let handle = scope.spawn(move || {
                    part.iter()
                        .map(|s| (s.id, mark_kept(s)))
                        .collect::<Vec<_>>()
                });
                (part, handle)
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|(part, h)| {
                h.join().unwrap_or_else(|_| {
                    part.iter()
                        .map(|s| {
                            let reason = "marking it again failed inside marrowsim".to_string();
                            (s.id, Now::Unmarkable { reason })
                        })
                        .collect()
                })
            })
            .collect()
    })
}

/// Every entry that an older rubric (or an unknown one) marked, marked again by the current
/// rubric, by id. Entries the current rubric marked are left out.
pub fn mark_stale(store: &mut dyn Store, entries: &[Entry]) -> BTreeMap<i64, Now> {
    mark(&stale(store, entries))
}

/// Every entry marked again by the current rubric, by id, whichever rubric marked it: an
/// instructor's check before certifying that each mark is what its attempt gives (see
/// [`Now::contradicts`]).
pub fn verify(store: &mut dyn Store, entries: &[Entry]) -> BTreeMap<i64, Now> {
    mark(&texts(store, entries.iter()))
}

/// The entries the current rubric marked whose mark is not what their own attempt and scene
/// give: changed after marking, or damaged.
pub fn mismatches(entries: &[Entry], now: &BTreeMap<i64, Now>) -> Vec<i64> {
    entries
        .iter()
        .filter(|e| now.get(&e.id).is_some_and(|n| n.contradicts(e)))
        .map(|e| e.id)
        .collect()
}

/// "1 mark is not what its attempt gives", or "3 marks are not what their attempts give": the
/// words every view puts in front of [`mismatches`].
pub fn not_given(n: usize) -> String {
    if n == 1 {
        "1 mark is not what its attempt gives".into()
    } else {
        format!("{n} marks are not what their attempts give")
    }
}

/// What a mark its attempt does not give means, for every view.
pub const CHANGED: &str = "The record was changed after marking, or the row is damaged.";

/// "#3, #7".
pub fn numbered(ids: &[i64]) -> String {
    ids.iter()
        .map(|i| format!("#{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn mark_kept(s: &Kept) -> Now {
    match &s.text {
        Ok((attempt, scene)) => mark_again(attempt, scene.as_deref()),
        Err(e) => Now::Unmarkable {
            reason: format!("the record could not give its text back: {e}"),
        },
    }
}

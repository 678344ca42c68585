//! A fuzz run through what `marrowsim validate` and `marrowsim score` do: every shipped scene
//! and every golden attempt, mutated by a seeded mutator that knows RON's shape (numbers
//! swapped for extremes, brackets and commas dropped or doubled, bytes flipped). No input may
//! panic or take over 5 s. `MARROWSIM_FUZZ_CASES` sets the cases of each kind (default
//! 25 000, so 50 000 in all), and `MARROWSIM_FUZZ_SEED` the mutator's seed, for a longer
//! campaign over other mutations than the test's own.

use marrowsim_core::anatomy::Anatomy;
use marrowsim_core::grading::admit;
use marrowsim_core::grading::scoring::score;
use marrowsim_core::records::attempt::Attempt;
use marrowsim_core::scenario::Scenario;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

const LIMIT: Duration = Duration::from_secs(5);

fn ws(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

fn ron_texts(dir: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(ws(dir))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

fn cases() -> usize {
    std::env::var("MARROWSIM_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(25_000)
}

fn seed() -> u64 {
    std::env::var("MARROWSIM_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .map_or(0x5EED_F022_0000_0001, |s| s | 1)
}

/// xorshift64*: the same mutations on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const EXTREMES: [&str; 14] = [
    "1e30",
    "-1e30",
    "1e9",
    "1e6",
    "NaN",
    "inf",
    "-inf",
    "0",
    "-0.0",
    "1e-45",
    "3.4e38",
    "99999999999999999999",
    "-1",
    "4294967296",
];
const TOKENS: [&str; 12] = [
    "(", ")", "[", "]", ",", ":", "\"", "//", "/*", "Some(", "None", "\u{feff}",
];

/// Byte offsets of the numbers in `text`.
fn numbers(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let starts =
            b[i].is_ascii_digit() || (b[i] == b'-' && b.get(i + 1).is_some_and(u8::is_ascii_digit));
        let inside_word = i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
        if starts && !inside_word {
            let start = i;
            i += 1;
            while i < b.len()
                && (b[i].is_ascii_digit() || matches!(b[i], b'.' | b'e' | b'E' | b'-'))
            {
                i += 1;
            }
            out.push((start, i));
        } else {
            i += 1;
        }
    }
    out
}

fn mutate(rng: &mut Rng, text: &str) -> String {
    let mut s = text.to_string();
    for _ in 0..1 + rng.below(4) {
        let nums = numbers(&s);
        match rng.below(6) {
            0 | 1 if !nums.is_empty() => {
                let (a, b) = nums[rng.below(nums.len())];
                s.replace_range(a..b, EXTREMES[rng.below(EXTREMES.len())]);
            }
            2 => {
                let at = s.floor_char_boundary(rng.below(s.len() + 1));
                s.insert_str(at, TOKENS[rng.below(TOKENS.len())]);
            }
            3 if !s.is_empty() => {
                let at = s.floor_char_boundary(rng.below(s.len()));
                let end = s.ceil_char_boundary(at + 1 + rng.below(8));
                s.replace_range(at..end.min(s.len()), "");
            }
            4 if !s.is_empty() => {
                // Duplicate a slice: long lists, repeated fields and sites.
                let at = s.floor_char_boundary(rng.below(s.len()));
                let end = s.ceil_char_boundary((at + 1 + rng.below(400)).min(s.len()));
                let piece = s[at..end].to_string();
                s.insert_str(end, &piece);
            }
            _ => {
                let mut bytes = s.into_bytes();
                if !bytes.is_empty() {
                    let i = rng.below(bytes.len());
                    bytes[i] ^= 1 << rng.below(8);
                }
                s = String::from_utf8_lossy(&bytes).into_owned();
            }
        }
    }
    s
}

fn timed<T>(what: &str, input: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|_| {
        panic!("{what} panicked on:\n{input}");
    });
    let took = start.elapsed();
    assert!(took < LIMIT, "{what} took {took:?} on:\n{input}");
    out
}

#[test]
fn mutated_scenes_and_attempts_never_panic_or_hang() {
    let n = cases();
    let scenes = ron_texts("scenes");
    let attempts = ron_texts("tests/golden");
    let standard = Scenario::load(&ws("scenes/psis_standard.ron")).unwrap();
    let mut rng = Rng(seed());
    let mut valid_scenes = 0;
    for _ in 0..n {
        let (name, text) = &scenes[rng.below(scenes.len())];
        let m = mutate(&mut rng, text);
        if timed("validate", &m, || Scenario::parse(&m, name).is_ok()) {
            valid_scenes += 1;
        }
    }

    let mut anatomies: HashMap<String, Option<Arc<Anatomy>>> = HashMap::new();
    let (mut parsed, mut scored) = (0, 0);
    for _ in 0..n {
        let (name, text) = &attempts[rng.below(attempts.len())];
        let m = mutate(&mut rng, text);
        let outcome = timed("score", &m, || {
            let Ok(attempt) = Attempt::parse(&m, name) else {
                return (false, false);
            };
            if anatomies.len() > 64 {
                anatomies.clear();
            }
            let anatomy = anatomies
                .entry(format!("{:?}", attempt.patient))
                .or_insert_with(|| Anatomy::build(&attempt.patient).ok().map(Arc::new))
                .clone();
            let graded = anatomy.is_some_and(|a| {
                // What `score` does first: is the attempt this scene's, and possible?
                let _ = admit::belongs(&standard, &attempt);
                let _ = admit::possible(&a, &attempt);
                score(&standard, &a, &attempt).is_ok()
            });
            (true, graded)
        });
        parsed += outcome.0 as usize;
        scored += outcome.1 as usize;
    }
    eprintln!(
        "fuzz: {n} scenes ({valid_scenes} still valid), {n} attempts ({parsed} parsed, {scored} scored)"
    );
    // The mutator must leave some inputs valid, or the run tests only the parser's front door.
    assert!(
        valid_scenes > n / 50,
        "{valid_scenes} of {n} scenes still valid"
    );
    assert!(scored > n / 50, "{scored} of {n} attempts scored");
}

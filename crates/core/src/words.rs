//! Counts in words, for every sentence a trainee or an instructor reads: "1 pull", "3 pulls",
//! never "1 pull(s)".

/// `n` and the noun: the singular for one, the noun and an `s` otherwise.
pub fn count(n: usize, noun: &str) -> String {
    count_irregular(n, noun, &format!("{noun}s"))
}

/// `n` and the noun, for a noun whose plural is not its singular and an `s` ("entry",
/// "entries").
pub fn count_irregular(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The verb "to be" agreeing with a count: "1 line was", "2 lines were".
pub fn was(n: usize) -> &'static str {
    if n == 1 { "was" } else { "were" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(count(1, "pull"), "1 pull");
        assert_eq!(count(0, "pull"), "0 pulls");
        assert_eq!(count(12, "pull"), "12 pulls");
        assert_eq!(count_irregular(1, "entry", "entries"), "1 entry");
        assert_eq!(count_irregular(2, "entry", "entries"), "2 entries");
        assert_eq!(format!("{} {}", count(1, "line"), was(1)), "1 line was");
        assert_eq!(format!("{} {}", count(3, "line"), was(3)), "3 lines were");
    }
}

//! Finds where a field sits in RON text, so that errors found after parsing (an unknown
//! landmark, a negative radius) can still name the line and column.

/// One step of a path into a RON document: a struct field or a list element.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    Field(&'static str),
    Index(usize),
}

/// 1-based line and column of the value at `path`, or of the deepest part of it that exists.
pub fn locate(text: &str, path: &[Step]) -> (usize, usize) {
    let bytes = text.as_bytes();
    let mut pos = skip_to_value(bytes, 0);
    for step in path {
        match find_step(bytes, pos, step) {
            Some(p) => pos = p,
            None => break,
        }
    }
    line_col(text, pos)
}

/// The first number in RON text that is not a finite f32 (`NaN`, `inf`, or a literal beyond
/// ±3.4e38), with its line, column and spelling. Strings and comments are skipped.
pub fn first_non_finite(text: &str) -> Option<(usize, usize, String)> {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => i = skip_value(b, i),
            b'/' if matches!(b.get(i + 1), Some(b'/' | b'*')) => i = skip_ws(b, i),
            c if c.is_ascii_alphanumeric() || c == b'-' || c == b'+' || c == b'.' => {
                let start = i;
                while i < b.len()
                    && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'.' | b'-' | b'+' | b'_'))
                {
                    i += 1;
                }
                let token = &text[start..i];
                let word = token.trim_start_matches(['-', '+']);
                let numeric = word.starts_with(|c: char| c.is_ascii_digit() || c == '.')
                    || word.eq_ignore_ascii_case("nan")
                    || word.eq_ignore_ascii_case("inf")
                    || word.eq_ignore_ascii_case("infinity");
                if numeric
                    && let Ok(v) = token.replace('_', "").parse::<f32>()
                    && !v.is_finite()
                {
                    let (line, col) = line_col(text, start);
                    return Some((line, col, token.to_string()));
                }
                continue;
            }
            _ => i += 1,
        }
    }
    None
}

pub fn line_col(text: &str, pos: usize) -> (usize, usize) {
    let before = &text[..pos.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, col)
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    loop {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i + 1 < b.len() && b[i] == b'/' && b[i + 1] == b'/' {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if i + 1 < b.len() && b[i] == b'/' && b[i + 1] == b'*' {
            i += 2;
            while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                i += 1;
            }
            i = (i + 2).min(b.len());
        } else {
            return i;
        }
    }
}

/// Skips a struct or enum name so that `pos` points at the opening bracket, if any.
fn skip_to_value(b: &[u8], i: usize) -> usize {
    let mut i = skip_ws(b, i);
    let start = i;
    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
        i += 1;
    }
    let j = skip_ws(b, i);
    if j < b.len() && (b[j] == b'(' || b[j] == b'{') && i > start {
        j
    } else {
        start
    }
}

/// Index just past the value starting at `i`.
fn skip_value(b: &[u8], i: usize) -> usize {
    let mut i = skip_ws(b, i);
    let mut depth = 0i32;
    while i < b.len() {
        if b[i] == b'/' && matches!(b.get(i + 1), Some(b'/' | b'*')) {
            i = skip_ws(b, i);
            continue;
        }
        match b[i] {
            b'\'' if b.get(i + 2) == Some(&b'\'') => i += 2,
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                if depth == 0 {
                    return i;
                }
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            b',' if depth == 0 => return i,
            _ => {}
        }
        i += 1;
    }
    i
}

fn find_step(b: &[u8], pos: usize, step: &Step) -> Option<usize> {
    let open = skip_to_value(b, pos);
    if open >= b.len() || !matches!(b[open], b'(' | b'[' | b'{') {
        return None;
    }
    let mut i = open + 1;
    let mut index = 0;
    loop {
        i = skip_ws(b, i);
        if i >= b.len() || matches!(b[i], b')' | b']' | b'}') {
            return None;
        }
        match step {
            Step::Field(name) => {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                let key = &b[start..i];
                let colon = skip_ws(b, i);
                if colon < b.len() && b[colon] == b':' {
                    let value = skip_ws(b, colon + 1);
                    if key == name.as_bytes() {
                        return Some(value);
                    }
                    i = skip_value(b, value);
                } else {
                    i = skip_value(b, start);
                }
            }
            Step::Index(want) => {
                if index == *want {
                    return Some(i);
                }
                i = skip_value(b, i);
                index += 1;
            }
        }
        i = skip_ws(b, i);
        if i < b.len() && b[i] == b',' {
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "Scene(\n  title: \"a\",\n  // note\n  sites: [\n    (name: \"x\", entry: (radius: -2.0)),\n    (name: \"y\", entry: (landmark: \"psis_lft\", radius: 5.0)),\n  ],\n)";

    #[test]
    fn finds_nested_fields_and_list_items() {
        use Step::*;
        assert_eq!(locate(DOC, &[Field("title")]), (2, 10));
        assert_eq!(
            locate(
                DOC,
                &[Field("sites"), Index(0), Field("entry"), Field("radius")]
            ),
            (5, 33)
        );
        assert_eq!(
            locate(
                DOC,
                &[Field("sites"), Index(1), Field("entry"), Field("landmark")]
            ),
            (6, 35)
        );
    }

    #[test]
    fn missing_parts_fall_back_to_the_deepest_found() {
        use Step::*;
        assert_eq!(locate(DOC, &[Field("sites"), Index(7)]), (4, 10));
        assert_eq!(locate("", &[Field("x")]), (1, 1));
        assert_eq!(locate("((((", &[Field("x"), Index(3)]), (1, 1));
    }

    #[test]
    fn non_finite_numbers_are_found_outside_strings_and_comments() {
        assert_eq!(
            first_non_finite("(a: 1.0, b: \"NaN\", // inf\n c: 2e3)"),
            None
        );
        assert_eq!(
            first_non_finite("(a: 1.0,\n  b: (0.0, -inf))"),
            Some((2, 12, "-inf".into()))
        );
        assert_eq!(first_non_finite("(x: 1e39)"), Some((1, 5, "1e39".into())));
        assert_eq!(
            first_non_finite("(x: NaN)").map(|t| t.2),
            Some("NaN".into())
        );
        assert_eq!(first_non_finite("(name: inferior_ramus, x: 4)"), None);
    }

    #[test]
    fn comments_and_chars_inside_skipped_values_do_not_end_them() {
        use Step::*;
        let doc = "(\n  sites: [\n    (name: \"x\", // see note)\n      k: ')', /* ] */ r: 1.0),\n  ],\n  pass_mark: 170.0,\n)";
        assert_eq!(locate(doc, &[Field("pass_mark")]), (6, 14));
    }

    /// The byte offset of a 1-based line and column.
    fn offset_of(text: &str, line: usize, col: usize) -> usize {
        text.split_inclusive('\n')
            .take(line - 1)
            .map(str::len)
            .sum::<usize>()
            + text
                .lines()
                .nth(line - 1)
                .unwrap_or("")
                .chars()
                .take(col - 1)
                .map(char::len_utf8)
                .sum::<usize>()
    }

    /// Every leaf value of a shipped scene, corrupted where `locate` says it is, must give
    /// ron's own parse error at that same line and column.
    #[test]
    fn located_values_are_where_ron_finds_them() {
        fn leaves(v: &serde_json::Value, path: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
            match v {
                serde_json::Value::Object(map) => {
                    for (k, child) in map {
                        // An enum variant (`Fixed(...)`) is a name, not a step into the value.
                        if k.starts_with(|c: char| c.is_ascii_uppercase()) {
                            leaves(child, path, out);
                        } else {
                            path.push(Step::Field(Box::leak(k.clone().into_boxed_str())));
                            leaves(child, path, out);
                            path.pop();
                        }
                    }
                }
                serde_json::Value::Array(items) => {
                    for (i, child) in items.iter().enumerate() {
                        path.push(Step::Index(i));
                        leaves(child, path, out);
                        path.pop();
                    }
                }
                _ => out.push(path.clone()),
            }
        }
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenes");
        let mut checked = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let plain = std::fs::read_to_string(&path).unwrap();
            // The same scene with comments that hold brackets, as instructors write them.
            let commented = plain.replace("\",\n", "\", // see note) ]\n");
            let text = plain;
            let scene = crate::scenario::Scenario::parse(&text, "x").unwrap();
            let mut paths = Vec::new();
            leaves(
                &serde_json::to_value(&scene).unwrap(),
                &mut Vec::new(),
                &mut paths,
            );
            for p in paths {
                let (line, col) = locate(&text, &p);
                let offset = offset_of(&text, line, col);
                let Some(leaf) = p.last() else { continue };
                // Only values written in the file (not defaults) can be found in it.
                let written = match leaf {
                    Step::Field(name) => text[..offset]
                        .trim_end()
                        .strip_suffix(':')
                        .is_some_and(|t| t.trim_end().ends_with(name)),
                    Step::Index(_) => true,
                };
                if !written {
                    continue;
                }
                let mut bad = text.clone();
                bad.insert(offset, '@');
                let e = ron::Options::default()
                    .from_str::<crate::scenario::Scenario>(&bad)
                    .expect_err("a corrupted value does not parse");
                // ron places the error where the value's parse began, just after the `:`,
                // `[` or `,`; the value itself starts past the blanks and comments there.
                let (rl, rc) = (e.span.start.line, e.span.start.col);
                let ron_at = offset_of(&bad, rl, rc);
                assert_eq!(
                    line_col(&bad, skip_ws(bad.as_bytes(), ron_at)),
                    (line, col),
                    "{}: {p:?} (ron: {rl}:{rc} {})",
                    path.display(),
                    e.code
                );
                // Comments at line ends move nothing, so the value is where it was.
                assert_eq!(
                    locate(&commented, &p),
                    (line, col),
                    "{}, commented: {p:?}",
                    path.display()
                );
                checked += 1;
            }
        }
        assert!(checked > 200, "only {checked} values checked");
    }
}

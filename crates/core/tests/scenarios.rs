//! Scenario files: the shipped ones load and can be passed; broken ones fail clearly.

use marrowsim_core::scenario::Scenario;
use proptest::prelude::*;
use std::path::{Path, PathBuf};

/// A path from the workspace root (the tests run in their own crate's folder).
fn ws(path: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

fn ron_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_shipped_scene_loads() {
    let scenes = ron_files(&ws("scenes"));
    assert!(scenes.len() >= 6, "only {} shipped scenes", scenes.len());
    for path in scenes {
        if let Err(errors) = Scenario::load(&path) {
            panic!("{}: {errors:?}", path.display());
        }
    }
}

/// Each file in tests/bad_scenes/ starts with `// expect: LINE:COL: message`.
#[test]
fn broken_scenes_give_the_expected_error() {
    let files = ron_files(&ws("tests/bad_scenes"));
    assert!(files.len() >= 15, "only {} broken scenes", files.len());
    for path in files {
        let text = std::fs::read_to_string(&path).expect("readable");
        let expect = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("// expect: "))
            .unwrap_or_else(|| panic!("{}: first line must be `// expect: ...`", path.display()));
        let errors =
            Scenario::load(&path).expect_err(&format!("{} should not load", path.display()));
        let first = errors[0].to_string();
        let want = format!("{}:{expect}", path.display());
        assert!(
            first.starts_with(&want),
            "{}:\n  got  {first}\n  want {want}",
            path.display()
        );
    }
}

#[test]
fn missing_and_oversized_files_are_refused() {
    let e = Scenario::load(&ws("scenes/nope.ron")).unwrap_err();
    assert!(e[0].to_string().contains("scenes/nope.ron"), "{e:?}");
    assert!(e[0].message.contains("cannot read"));
    let dir = std::env::temp_dir().join(format!("marrowsim-big-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let big = dir.join("big.ron");
    std::fs::write(&big, " ".repeat(300 * 1024)).unwrap();
    let e = Scenario::load(&big).unwrap_err();
    assert!(e[0].message.contains("limit"), "{e:?}");
    let bin = dir.join("binary.ron");
    std::fs::write(&bin, [0xffu8, 0xfe, 0x00, 0x41]).unwrap();
    let e = Scenario::load(&bin).unwrap_err();
    assert!(e[0].message.contains("UTF-8"), "{e:?}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn too_many_sites_are_refused() {
    let text = std::fs::read_to_string(ws("scenes/psis_standard.ron")).unwrap();
    let start = text.find("        (\n            name:").unwrap();
    let end = text.find("    ],\n    weights").unwrap();
    let site = &text[start..end];
    let many = text.replace(site, &site.repeat(9));
    let e = Scenario::parse(&many, "many.ron").unwrap_err();
    assert!(
        e.iter().any(|e| e.message.contains("the limit is 8")),
        "{e:?}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = Scenario::parse(&text, "random.ron");
    }

    #[test]
    fn mutated_scenes_never_panic(edits in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..3, any::<char>()), 1..6)) {
        let mut text: Vec<char> = std::fs::read_to_string(ws("scenes/psis_standard.ron")).unwrap().chars().collect();
        for (at, kind, ch) in edits {
            if text.is_empty() { break; }
            let i = at.index(text.len());
            match kind {
                0 => { text.remove(i); }
                1 => text.insert(i, ch),
                _ => text[i] = ch,
            }
        }
        let s: String = text.into_iter().collect();
        match Scenario::parse(&s, "mutated.ron") {
            Ok(_) => {}
            Err(errors) => {
                prop_assert!(!errors.is_empty());
                for e in errors {
                    prop_assert!(e.line >= 1 && e.col >= 1, "{e}");
                }
            }
        }
    }
}

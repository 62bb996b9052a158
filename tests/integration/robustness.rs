//! Interruptions and concurrency: an `index` killed at many points leaves an index that
//! opens, and re-running it finishes with no document lost and none indexed twice; a second
//! writer gets a clear message; touched-but-identical files are not re-parsed.

use crate::util::TestDir;
use std::collections::HashSet;
use std::ffi::OsStr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Writes `n` text documents with three passages each.
fn collection(t: &TestDir, n: usize) {
    for i in 0..n {
        let para = |k: usize| {
            format!(
                "Document {i} paragraph {k}: the inspector at crossing {} recorded {} vehicles, \
                 and the report notes that the gate was opened after a payment of {} dollars to \
                 the duty officer. The remaining text describes the weather and the road.",
                i % 17,
                i * 3 + k,
                100 + i
            )
        };
        t.write(
            &format!("c/{:03}/doc-{i:04}.txt", i / 50),
            format!("{}\n\n{}\n\n{}", para(1), para(2), para(3)),
        );
    }
}

/// (path, page, passage) of every exported passage; panics on duplicates.
fn exported(t: &TestDir) -> HashSet<(String, u64, u64)> {
    let lines = t.run(["export"]).json_lines();
    let mut seen = HashSet::new();
    for j in &lines {
        let key = (
            j["path"].as_str().unwrap().to_owned(),
            j["page"].as_u64().unwrap(),
            j["passage"].as_u64().unwrap(),
        );
        assert!(seen.insert(key.clone()), "passage indexed twice: {key:?}");
    }
    seen
}

#[test]
fn killed_index_runs_resume_without_loss_or_duplicates() {
    let t = TestDir::new();
    collection(&t, 300);
    // A clean run, for the expected content and the time it takes.
    let reference = TestDir::new();
    collection(&reference, 300);
    let started = Instant::now();
    reference.run(["index", "c"]).expect_code(0);
    let full = started.elapsed();
    let expected = exported(&reference);
    assert_eq!(expected.len(), 900);

    let bin = env!("CARGO_BIN_EXE_redflag");
    let mut kill_points = 0;
    for frac in [0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95] {
        let mut child = Command::new(bin)
            .arg("--index")
            .arg(t.index())
            .args(["index", "c", "--commit-every", "25", "--threads", "2"])
            .current_dir(t.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        std::thread::sleep(full.mul_f64(frac));
        if child.try_wait().expect("wait").is_none() {
            kill_points += 1;
        }
        child.kill().ok(); // SIGKILL
        child.wait().ok();
        // Whatever state it was killed in, the index opens (or was never created).
        if t.index().join("meta.json").exists() {
            let r = t.run(["search", "inspector", "--limit", "1"]);
            assert!(
                r.code() == 0 || r.code() == 1,
                "index does not open after a kill: {}",
                r.stderr()
            );
            exported(&t); // no duplicates at any point
        }
    }
    assert!(
        kill_points >= 3,
        "the runs finished too fast to be interrupted ({kill_points} kills)"
    );
    let r = t.run(["index", "c"]).expect_code(0);
    assert!(r.stderr().contains("0 failed"), "{}", r.stderr());
    assert_eq!(exported(&t), expected);
    // And a further run has nothing to do.
    let r = t.run(["index", "c"]).expect_code(0);
    assert!(
        r.stderr().contains("(0 new, 0 changed, 300 unchanged"),
        "{}",
        r.stderr()
    );
}

#[test]
fn a_second_writer_gets_a_clear_message() {
    let t = TestDir::new();
    t.write("a.txt", "The clerk forged the permit.");
    t.run(["index", "a.txt"]).expect_code(0);
    let store = redflag::index::IndexStore::open(&t.index()).expect("open");
    let _writer = store.writer(20_000_000, 1).expect("first writer");
    let r = t.run(["index", "a.txt"]).expect_code(2);
    assert!(
        r.stderr()
            .contains("being written by another redflag process"),
        "{}",
        r.stderr()
    );
    // Searches still work while a writer holds the lock.
    t.run(["search", "forged"]).expect_code(0);
}

#[test]
fn touched_files_are_hashed_not_reparsed() {
    let t = TestDir::new();
    let p = t.write(
        "d/a.txt",
        "The harbour master accepted an envelope of cash from the broker.",
    );
    t.run(["index", "d"]).expect_code(0);
    let f = std::fs::File::options().write(true).open(&p).unwrap();
    f.set_modified(std::time::SystemTime::now() - Duration::from_secs(3600))
        .unwrap();
    drop(f);
    let r = t.run(["index", "d"]).expect_code(0);
    assert!(
        r.stderr().contains("(0 new, 0 changed, 1 unchanged"),
        "{}",
        r.stderr()
    );
    assert_eq!(exported(&t).len(), 1);
    // The record now has the new mtime: a third run does not even hash.
    let r = t.run(["index", "d"]).expect_code(0);
    assert!(r.stderr().contains("1 unchanged"), "{}", r.stderr());
}

#[test]
fn an_index_path_that_is_a_file_is_a_clear_error() {
    let t = TestDir::new();
    t.write("a.txt", "text");
    t.write("index", "not a folder");
    let r = t
        .run([OsStr::new("index"), OsStr::new("a.txt")])
        .expect_code(2);
    assert!(r.stderr().contains("is not a folder"), "{}", r.stderr());
    assert_eq!(r.stderr().lines().count(), 1, "{}", r.stderr());
}

/// A small tmpfs, unmounted on drop.
struct SmallDisk(std::path::PathBuf);

impl SmallDisk {
    /// Mounts a `size`-byte tmpfs at `dir`; `None` where mounting is not permitted.
    fn mount(dir: &std::path::Path, size: &str) -> Option<SmallDisk> {
        std::fs::create_dir_all(dir).ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| SmallDisk(dir.to_path_buf()))
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_is_a_clear_error_and_the_previous_index_survives() {
    let t = TestDir::new();
    let disk = t.path().join("disk");
    let Some(_mounted) = SmallDisk::mount(&disk, "2m") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI runs as root and must be able to mount a tmpfs"
        );
        eprintln!("note: cannot mount a tmpfs here; disk-full test skipped");
        return;
    };
    let index = disk.join("idx");
    t.write(
        "small/a.txt",
        "The harbour master accepted an envelope of cash from the broker.",
    );
    let run = |args: &[&OsStr]| {
        let out = Command::new(env!("CARGO_BIN_EXE_redflag"))
            .arg("--index")
            .arg(&index)
            .args(args)
            .current_dir(t.path())
            .output()
            .expect("run");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = run(&[OsStr::new("index"), OsStr::new("small")]);
    assert_eq!(code, 0, "{err}");
    // Far more text than 2 MiB of index can hold: words that do not compress.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in 0..400 {
        let mut body = String::new();
        for w in 0..3000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            body.push_str(&format!("{:x} ", x >> 24));
            if w % 120 == 119 {
                body.push_str("\n\n");
            }
        }
        t.write(&format!("c/big-{i}.txt"), body);
    }
    let (code, err) = run(&[
        OsStr::new("index"),
        OsStr::new("c"),
        OsStr::new("--commit-every"),
        OsStr::new("100000"),
    ]);
    assert_eq!(code, 2, "{err}");
    let last = err.lines().last().unwrap_or_default().to_owned();
    assert!(
        last.contains("No space left on device") || last.contains("space"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    // The previous state is intact and searchable.
    let (code, err) = run(&[OsStr::new("search"), OsStr::new("envelope")]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn bad_arguments_and_odd_file_names() {
    use std::os::unix::ffi::OsStrExt;
    let t = TestDir::new();
    // Unknown flag, missing argument, bad value: clap's message and exit code 2.
    let r = t.run(["search", "--nonsense"]).expect_code(2);
    assert!(r.stderr().contains("--nonsense"), "{}", r.stderr());
    t.run(["index"]).expect_code(2);
    let r = t.run(["search", "x", "--limit", "many"]).expect_code(2);
    assert!(r.stderr().contains("many"), "{}", r.stderr());
    // A file name that is not UTF-8 is indexed and cited (lossily), not skipped or fatal.
    let dir = t.path().join("odd");
    std::fs::create_dir_all(&dir).unwrap();
    let name = OsStr::from_bytes(b"caf\xe9-notes.txt");
    std::fs::write(dir.join(name), "The clerk sold a forged visa.").unwrap();
    let r = t.run(["index", "odd"]).expect_code(0);
    assert!(r.stderr().contains("1 new"), "{}", r.stderr());
    let hits = t
        .run(["search", "--json", "visa"])
        .expect_code(0)
        .json_lines();
    assert!(
        hits[0]["path"]
            .as_str()
            .unwrap()
            .contains("caf\u{FFFD}-notes.txt"),
        "{:?}",
        hits[0]["path"]
    );
}

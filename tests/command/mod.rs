//! The `bucket-cors` command run as a process, shared by the suites that drive it
//! (`tests/cli.rs`, `tests/probe.rs`): how one run ended, its checks, and temporary files.
#![allow(dead_code)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::Value;

/// The command under test.
pub const EXE: &str = env!("CARGO_BIN_EXE_bucket-cors");
/// The repository root, where every run starts.
pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// How one run ended.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Standard output, read as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:?}"))
    }

    /// A usage or input error: exit 2, nothing on stdout, one clear line on stderr.
    pub fn assert_one_line_error(&self, containing: &str) {
        assert_eq!(self.code, 2, "{self:?}");
        assert_eq!(self.stdout, "", "{self:?}");
        assert_eq!(self.stderr.lines().count(), 1, "{self:?}");
        assert!(self.stderr.starts_with("bucket-cors: "), "{self:?}");
        assert!(
            self.stderr.contains(containing),
            "{containing:?} in {self:?}"
        );
        assert!(!self.stderr.contains("panicked"), "{self:?}");
        assert!(!self.stderr.contains("RUST_BACKTRACE"), "{self:?}");
    }
}

/// Runs the command with empty standard input.
pub fn run(args: &[&str]) -> Run {
    run_with_stdin(args, b"")
}

/// Runs the command with `input` on standard input.
pub fn run_with_stdin(args: &[&str], input: &[u8]) -> Run {
    let mut child = Command::new(EXE)
        .args(args)
        .current_dir(ROOT)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the bucket-cors binary runs");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    // The command may stop reading early (it reads at most 64 KiB + 1); a broken pipe here
    // is expected.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    Run {
        code: output
            .status
            .code()
            .expect("exited, not killed by a signal"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// A file in the temporary directory, removed when dropped.
pub struct TempFile(PathBuf);

impl TempFile {
    pub fn new(name: &str, bytes: &[u8]) -> TempFile {
        let path =
            std::env::temp_dir().join(format!("bucket-cors-test-{}-{name}", std::process::id()));
        std::fs::write(&path, bytes).unwrap();
        TempFile(path)
    }

    pub fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

//! Reports written as the findings come (issue 12): every renderer is a [`Sink`] that is handed
//! the findings one at a time, in report order, with how each was suppressed, and then the
//! report's final summary. A sink keeps only what its format needs at the end (counters, the
//! first findings of a bounded view, a spool file of results), so peak memory does not grow
//! with the number of findings. The `render_*` functions of each format feed the same sinks
//! from an [`AuditReport`] in memory, so there is one way to write each format.

use super::{AuditReport, Suppressed};
use crate::model::Finding;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// A renderer fed one finding at a time. A sink implements [`Sink::finding`] (its output for
/// a finding depends on what came before: the table, Markdown), or [`Sink::renderer`] and
/// [`Sink::rendered`] (JSON, SARIF): then `finding` renders with the renderer, so each format
/// has one way to write a finding.
pub trait Sink {
    /// What this sink writes for one finding, when that depends on nothing written before it
    /// (a JSON finding, a SARIF result): made on the analysis threads, so that the one thread
    /// writing the reports only copies bytes (issue 12). The sink is then handed each finding
    /// with [`Sink::rendered`].
    fn renderer(&self) -> Option<Box<dyn Render>> {
        None
    }

    /// The next finding in report order (see [`Finding::sort_key`]), and its suppression.
    fn finding(&mut self, f: &Finding, suppressed: Option<&Suppressed>) -> io::Result<()> {
        let render = self
            .renderer()
            .expect("a sink without a renderer implements `finding`");
        let mut item = Vec::new();
        render.render(f, suppressed, &mut item)?;
        self.rendered(f, suppressed, &item)
    }

    /// [`Sink::finding`], with `item`: what the sink's [`Sink::renderer`] made of the finding.
    fn rendered(
        &mut self,
        f: &Finding,
        suppressed: Option<&Suppressed>,
        item: &[u8],
    ) -> io::Result<()> {
        let _ = item;
        self.finding(f, suppressed)
    }

    /// The end of the findings: `report` is the report without its findings
    /// ([`AuditReport::findings`] empty) and with its final suppression summary.
    fn finish(self: Box<Self>, report: &AuditReport) -> io::Result<Finished>;
}

/// The part of a sink that renders one finding on its own, on any thread.
pub trait Render: Send + Sync {
    /// Appends what the sink writes for `f` to `out`.
    fn render(
        &self,
        f: &Finding,
        suppressed: Option<&Suppressed>,
        out: &mut Vec<u8>,
    ) -> io::Result<()>;
}

/// The rendered findings of one group, one after the other.
#[derive(Default)]
pub struct Rendered {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl Rendered {
    /// Renders each of `findings` with `render`, suppressed as `suppressed` says.
    pub fn of<'f>(
        render: &dyn Render,
        findings: impl Iterator<Item = (&'f Finding, Option<&'f Suppressed>)>,
    ) -> io::Result<Rendered> {
        let mut r = Rendered::default();
        // About what a finding of the JSON report or a SARIF result takes: growing the buffer
        // item by item was a tenth of the rendering (reallocations and their copies). Capped:
        // one account × region can have tens of thousands of findings.
        r.bytes
            .reserve((findings.size_hint().0 * 2048).min(16 << 20));
        for (f, suppressed) in findings {
            render.render(f, suppressed, &mut r.bytes)?;
            r.ends.push(r.bytes.len());
        }
        Ok(r)
    }

    /// What the `i`th finding was rendered as.
    pub fn item(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.bytes[start..self.ends[i]]
    }
}

/// What a finished sink leaves: its output, to commit, unless the report was rejected (a SARIF
/// log past GitHub's limits): why, then.
pub struct Finished {
    pub out: Out,
    pub rejected: Vec<String>,
}

/// Where a report goes: memory (the `render_*` functions), a file written atomically (a
/// temporary file beside it, renamed over it on [`Out::commit`]), or stdout.
pub enum Out {
    Memory(Vec<u8>),
    File {
        tmp: BufWriter<tempfile::NamedTempFile>,
        path: PathBuf,
        /// Bytes written, and how many of them the disk was told to start writing.
        written: u64,
        flushing: u64,
    },
    /// `gone`: the reader went away (EPIPE, e.g. `| head`); it took what it wanted, so the
    /// rest is dropped without an error.
    Stdout {
        out: BufWriter<io::Stdout>,
        gone: bool,
    },
    /// Nothing is kept (a sink that only counts).
    Discard,
}

impl Out {
    /// A temporary file beside `path` (created with its missing parent directories), with the
    /// permissions of an ordinary new file.
    pub fn file(path: &Path) -> io::Result<Out> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&dir)?;
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| "report".into());
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{file_name}."))
            .suffix(".tmp")
            .permissions(ordinary_file_permissions())
            .tempfile_in(&dir)?;
        Ok(Out::File {
            tmp: BufWriter::with_capacity(1 << 16, tmp),
            path: path.to_path_buf(),
            written: 0,
            flushing: 0,
        })
    }

    pub fn stdout() -> Out {
        Out::Stdout {
            out: BufWriter::with_capacity(1 << 16, io::stdout()),
            gone: false,
        }
    }

    /// Makes the output final: the file synced and renamed over its path, stdout flushed.
    /// Returns what a memory output holds.
    pub fn commit(self) -> io::Result<Vec<u8>> {
        match self {
            Out::Memory(bytes) => Ok(bytes),
            Out::File { tmp, path, .. } => {
                let tmp = tmp.into_inner().map_err(|e| e.into_error())?;
                tmp.as_file().sync_all()?;
                tmp.persist(&path).map_err(|e| e.error)?;
                Ok(Vec::new())
            }
            Out::Stdout { mut out, gone } => {
                if !gone {
                    match out.flush() {
                        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
                        other => other?,
                    }
                }
                Ok(Vec::new())
            }
            Out::Discard => Ok(Vec::new()),
        }
    }
}

/// Files written side by side and made final together: each is written to a temporary file
/// beside its path ([`Out::file`], then [`Batch::add`]), then one `syncfs` makes them all
/// durable and each is renamed over its path ([`Batch::commit`]). A thousand files cost one
/// flush of the file system instead of a thousand fsyncs (2.5 s at 1,000 accounts). Until
/// the commit, nothing is renamed: a failure leaves the old files and removes the temporary
/// ones.
#[derive(Default)]
pub struct Batch {
    written: Vec<(tempfile::TempPath, PathBuf)>,
}

impl Batch {
    /// Adds a file output ([`Out::file`]), flushed and closed (no descriptor is held per
    /// file).
    pub fn add(&mut self, out: Out) -> io::Result<()> {
        let Out::File { tmp, path, .. } = out else {
            return Err(io::Error::other(
                "only a file output is committed in a batch",
            ));
        };
        let tmp = tmp.into_inner().map_err(|e| e.into_error())?;
        start_writeback(tmp.as_file(), 0, 0);
        self.written.push((tmp.into_temp_path(), path));
        Ok(())
    }

    /// Syncs the file systems the files are on, then renames each over its path.
    pub fn commit(self) -> io::Result<()> {
        let mut synced: Vec<&Path> = Vec::new();
        for (tmp, _) in &self.written {
            let dir = tmp.parent().unwrap_or(Path::new("."));
            if !synced.contains(&dir) {
                rustix::fs::syncfs(File::open(dir)?)?;
                synced.push(dir);
            }
        }
        for (tmp, path) in self.written {
            tmp.persist(&path).map_err(|e| e.error)?;
        }
        Ok(())
    }
}

/// How much of a report file is written before the disk is told to start writing it.
const WRITEBACK_EVERY: u64 = 16 << 20;

/// Tells the kernel to start writing `len` bytes of `file` from `offset` to disk (0: to the
/// end), without waiting: the fsync that makes a report durable before it replaces the old one
/// then finds most of it written while the report was still being made, instead of waiting
/// for all of it at the end. Only a hint: errors surface at the fsync.
fn start_writeback(file: &File, offset: u64, len: u64) {
    use std::os::fd::AsRawFd;
    let (Ok(offset), Ok(len)) = (i64::try_from(offset), i64::try_from(len)) else {
        return;
    };
    // SAFETY: `file` is open for the duration of the call, which only schedules I/O on it.
    unsafe {
        libc::sync_file_range(file.as_raw_fd(), offset, len, libc::SYNC_FILE_RANGE_WRITE);
    }
}

/// What `File::create` gives a new file (read-write for all, less the umask): a report is an
/// ordinary file, not a private temporary one (tempfile's default is owner-only).
pub fn ordinary_file_permissions() -> std::fs::Permissions {
    use std::os::unix::fs::PermissionsExt;
    std::fs::Permissions::from_mode(0o666)
}

impl Write for Out {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Out::Memory(v) => v.write(buf),
            Out::File {
                tmp,
                written,
                flushing,
                ..
            } => {
                let n = tmp.write(buf)?;
                *written += n as u64;
                if *written - *flushing >= WRITEBACK_EVERY {
                    tmp.flush()?;
                    start_writeback(tmp.get_ref().as_file(), *flushing, *written - *flushing);
                    *flushing = *written;
                }
                Ok(n)
            }
            Out::Stdout { gone: true, .. } | Out::Discard => Ok(buf.len()),
            Out::Stdout { out, gone } => match out.write_all(buf) {
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                    *gone = true;
                    Ok(buf.len())
                }
                Err(e) => Err(e),
                Ok(()) => Ok(buf.len()),
            },
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Out::Memory(_) | Out::Discard | Out::Stdout { gone: true, .. } => Ok(()),
            Out::File { tmp, .. } => tmp.flush(),
            Out::Stdout { out, gone } => match out.flush() {
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                    *gone = true;
                    Ok(())
                }
                other => other,
            },
        }
    }
}

/// Bytes written once and read back later (SARIF results, written before the invocation that
/// precedes them in the log can be): in memory for the `render_*` functions, else in an
/// unnamed temporary file.
pub enum Spool {
    Memory(Vec<u8>),
    File { file: BufWriter<File>, len: u64 },
}

impl Spool {
    pub fn temporary() -> io::Result<Spool> {
        Ok(Spool::File {
            file: BufWriter::with_capacity(1 << 16, tempfile::tempfile()?),
            len: 0,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn len(&self) -> u64 {
        match self {
            Spool::Memory(v) => v.len() as u64,
            Spool::File { len, .. } => *len,
        }
    }

    /// Copies the bytes `start..end` to `w`. The spool is read from several threads at once,
    /// so it is not flushed here: flush it ([`Write::flush`]) after the last write.
    pub fn copy_range(&self, start: u64, end: u64, w: &mut dyn Write) -> io::Result<()> {
        match self {
            Spool::Memory(v) => w.write_all(&v[start as usize..end as usize]),
            Spool::File { file, .. } => {
                use std::os::unix::fs::FileExt;
                debug_assert!(file.buffer().is_empty(), "the spool is read unflushed");
                let f = file.get_ref();
                let mut buf = vec![0u8; 1 << 16];
                let mut at = start;
                while at < end {
                    let want = ((end - at) as usize).min(buf.len());
                    let n = f.read_at(&mut buf[..want], at)?;
                    if n == 0 {
                        return Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "the spool file is shorter than what was written to it",
                        ));
                    }
                    w.write_all(&buf[..n])?;
                    at += n as u64;
                }
                Ok(())
            }
        }
    }
}

impl Spool {
    /// [`Spool::copy_range`] into `out`: when both are files, the kernel copies the bytes
    /// (`copy_file_range`) instead of this process reading and writing them, which halves the
    /// cost of putting a few hundred megabytes of split SARIF together. Files on different
    /// file systems are copied the ordinary way.
    /// Like [`Spool::copy_range`], the spool must be flushed.
    pub fn copy_range_into(&self, start: u64, end: u64, out: &mut Out) -> io::Result<()> {
        if let (Spool::File { file, .. }, Out::File { tmp, .. }) = (self, &mut *out) {
            debug_assert!(file.buffer().is_empty(), "the spool is read unflushed");
            tmp.flush()?;
            let (from, to) = (file.get_ref(), tmp.get_ref().as_file());
            let mut at = start;
            while at < end {
                let want = usize::try_from(end - at).unwrap_or(usize::MAX);
                match rustix::fs::copy_file_range(from, Some(&mut at), to, None, want) {
                    Ok(0) => {
                        return Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "the spool file is shorter than what was written to it",
                        ))
                    }
                    Ok(_) => {}
                    // Nothing copied yet: another file system, or a kernel without it.
                    Err(
                        rustix::io::Errno::XDEV
                        | rustix::io::Errno::NOSYS
                        | rustix::io::Errno::INVAL,
                    ) if at == start => {
                        break;
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            if at == end {
                return Ok(());
            }
        }
        self.copy_range(start, end, out)
    }
}

impl Write for Spool {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Spool::Memory(v) => v.write(buf),
            Spool::File { file, len } => {
                file.write_all(buf)?;
                *len += buf.len() as u64;
                Ok(buf.len())
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Spool::Memory(_) => Ok(()),
            Spool::File { file, .. } => file.flush(),
        }
    }
}

/// A pretty-printed JSON document cut around one of its arrays, written empty (`"key": []`), so
/// that the array's items can be written between the two parts one at a time, exactly as
/// `serde_json::to_string_pretty` would have placed them.
pub struct Frame {
    /// Up to and including the array's `[`.
    pub head: String,
    /// From the array's `]` to the end.
    pub tail: String,
    /// The indentation of the line that opens the array.
    outer: String,
}

impl Frame {
    /// `doc` holds `"key": []` once: a key is the only place that text can be (quotes inside
    /// JSON strings are escaped).
    pub fn around(doc: &str, key: &str) -> Frame {
        let marker = format!("\"{key}\": []");
        let at = doc
            .find(&marker)
            .expect("the framed array is in the document");
        let line = doc[..at].rfind('\n').map_or(0, |i| i + 1);
        let close = at + marker.len() - 1;
        Frame {
            head: doc[..close].to_string(),
            tail: doc[close..].to_string(),
            outer: doc[line..at].to_string(),
        }
    }

    pub fn items(&self) -> Items {
        Items {
            indent: format!("{}  ", self.outer),
            outer: self.outer.clone(),
            count: 0,
        }
    }
}

/// Writes the items of a framed array: separators, and each item's pretty JSON indented to its
/// place.
pub struct Items {
    indent: String,
    outer: String,
    pub count: usize,
}

impl Items {
    /// Writes an item [`render_item`] rendered at [`Items::indent`] as the next item, after
    /// its separator: the comma after the last item, a line break and the indentation.
    pub fn write_rendered(&mut self, w: &mut dyn Write, item: &[u8]) -> io::Result<()> {
        if self.count > 0 {
            w.write_all(b",")?;
        }
        self.count += 1;
        w.write_all(b"\n")?;
        w.write_all(self.indent.as_bytes())?;
        w.write_all(item)
    }

    /// The indentation of the items' first lines, where [`render_item`] renders them.
    pub fn indent(&self) -> &str {
        &self.indent
    }

    /// What closes the array before the frame's tail: nothing for an empty one (`[]`).
    pub fn close<W: Write + ?Sized>(&self, w: &mut W) -> io::Result<()> {
        if self.count > 0 {
            w.write_all(b"\n")?;
            w.write_all(self.outer.as_bytes())?;
        }
        Ok(())
    }

    /// A fresh array of the same frame (the split SARIF's next account).
    pub fn restart(&mut self) {
        self.count = 0;
    }
}

/// `item`'s pretty JSON as it reads inside an array or object whose members are at
/// indentation `indent`: its first line not indented (the separator before it is), the others
/// by `indent` plus two spaces a level, exactly as `serde_json::to_string_pretty` of the whole
/// document would place them.
pub fn render_item(
    indent: &[u8],
    item: &impl serde::Serialize,
    out: &mut Vec<u8>,
) -> io::Result<()> {
    let formatter = IndentedPretty {
        base: indent,
        depth: 0,
        has_value: false,
    };
    let mut ser = serde_json::Serializer::with_formatter(out, formatter);
    item.serialize(&mut ser).map_err(io::Error::other)
}

/// serde_json's pretty layout (two spaces a level) for a value that starts at indentation
/// `base`: the layout `to_string_pretty` gives it at depth 0, every line break followed by
/// `base`.
struct IndentedPretty<'a> {
    base: &'a [u8],
    depth: usize,
    has_value: bool,
}

impl IndentedPretty<'_> {
    fn newline<W: ?Sized + Write>(&self, w: &mut W) -> io::Result<()> {
        w.write_all(b"\n")?;
        w.write_all(self.base)?;
        for _ in 0..self.depth {
            w.write_all(b"  ")?;
        }
        Ok(())
    }

    fn open<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            self.newline(w)?;
        }
        w.write_all(bracket)
    }

    fn member<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        self.newline(w)
    }
}

impl serde_json::ser::Formatter for IndentedPretty<'_> {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.member(w, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.member(w, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// Feeds the findings of `report` (with their suppressions) to `sink` and returns what it
/// wrote in memory: the `render_*` functions.
pub fn render_with(report: &AuditReport, mut sink: Box<dyn Sink + '_>) -> String {
    for f in &report.findings {
        sink.finding(f, report.suppression(f))
            .expect("writing to memory never fails");
    }
    let finished = sink
        .finish(&report.header())
        .expect("writing to memory never fails");
    let bytes = finished.out.commit().expect("memory never fails");
    String::from_utf8(bytes).expect("reports are UTF-8")
}

impl AuditReport {
    /// The report without its findings: what a sink is given at the end.
    pub fn header(&self) -> AuditReport {
        AuditReport {
            tool: self.tool.clone(),
            scan: self.scan.clone(),
            findings: Vec::new(),
            suppressions: self.suppressions.clone(),
            suppressed: Default::default(),
        }
    }
}

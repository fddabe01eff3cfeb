//! The JSON report: [`AuditReport`] as serde derives it (documented in the README), with each
//! suppressed finding's `suppressed` written on the finding itself. Written as the findings
//! come: `tool` and `scan` first, each finding as it is handed over, then `suppressions`.

use super::stream::{render_with, Finished, Frame, Items, Out, Sink};
use super::{AuditReport, Suppressed};
use crate::model::Finding;
use std::io::{self, Write};

pub fn render_json(report: &AuditReport) -> String {
    let sink = JsonSink::new(report, Out::Memory(Vec::new())).expect("memory never fails");
    render_with(report, Box::new(sink))
}

/// The JSON report, written to `out` as the findings come.
pub struct JsonSink {
    out: Out,
    items: Items,
    buf: Vec<u8>,
}

/// The report without findings, pretty-printed: what frames the findings.
fn skeleton(report: &AuditReport) -> String {
    let mut s = serde_json::to_string_pretty(&report.header()).expect("a report serialises");
    s.push('\n');
    s
}

impl JsonSink {
    /// Writes `tool` and `scan` of `report` (its findings and suppressions are not read).
    pub fn new(report: &AuditReport, mut out: Out) -> io::Result<JsonSink> {
        let frame = Frame::around(&skeleton(report), "findings");
        out.write_all(frame.head.as_bytes())?;
        Ok(JsonSink {
            out,
            items: frame.items(),
            buf: Vec::new(),
        })
    }
}

impl Sink for JsonSink {
    fn finding(&mut self, f: &Finding, suppressed: Option<&Suppressed>) -> io::Result<()> {
        let Some(s) = suppressed else {
            return self.items.write(&mut self.out, f);
        };
        self.buf.clear();
        serde_json::to_writer_pretty(&mut self.buf, f).map_err(io::Error::other)?;
        // The last member of the finding's object, as inserting it into the object's map
        // placed it: `"suppressed": {…}` before the closing brace.
        debug_assert!(self.buf.ends_with(b"\n}"));
        self.buf.truncate(self.buf.len() - 2);
        self.buf.extend_from_slice(b",\n  \"suppressed\": ");
        let s = serde_json::to_string_pretty(s).map_err(io::Error::other)?;
        self.buf
            .extend_from_slice(s.replace('\n', "\n  ").as_bytes());
        self.buf.extend_from_slice(b"\n}");
        let buf = std::mem::take(&mut self.buf);
        let r = self.items.write_pretty(&mut self.out, &buf);
        self.buf = buf;
        r
    }

    fn finish(mut self: Box<Self>, report: &AuditReport) -> io::Result<Finished> {
        self.items.close(&mut self.out)?;
        let frame = Frame::around(&skeleton(report), "findings");
        self.out.write_all(frame.tail.as_bytes())?;
        Ok(Finished {
            out: self.out,
            rejected: vec![],
        })
    }
}

//! The JSON report: [`AuditReport`] as serde derives it (documented in the README), with each
//! suppressed finding's `suppressed` written on the finding itself. Written as the findings
//! come: `tool` and `scan` first, each finding as it is handed over, then `suppressions`.

use super::stream::{render_item, render_with, Finished, Frame, Items, Out, Render, Sink};
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
    render: JsonFinding,
}

/// One finding of the JSON report as an item of `findings`, with its `suppressed`.
#[derive(Clone)]
struct JsonFinding {
    /// The indentation of the items' lines (see [`Items::indent`]).
    indent: String,
}

impl Render for JsonFinding {
    fn render(
        &self,
        f: &Finding,
        suppressed: Option<&Suppressed>,
        out: &mut Vec<u8>,
    ) -> io::Result<()> {
        let indent = self.indent.as_bytes();
        render_item(indent, f, out)?;
        let Some(s) = suppressed else {
            return Ok(());
        };
        // `"suppressed": {…}` becomes the last member of the finding's object, where inserting
        // it into the object's map would place it: before the line that closes the object.
        let close = out.len() - (indent.len() + 2);
        debug_assert_eq!(out[close], b'\n');
        debug_assert!(out.ends_with(b"}"));
        out.truncate(close);
        let member_indent = format!("{}  ", self.indent);
        out.extend_from_slice(b",\n");
        out.extend_from_slice(member_indent.as_bytes());
        out.extend_from_slice(b"\"suppressed\": ");
        render_item(member_indent.as_bytes(), s, out)?;
        out.push(b'\n');
        out.extend_from_slice(indent);
        out.push(b'}');
        Ok(())
    }
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
        let items = frame.items();
        Ok(JsonSink {
            out,
            render: JsonFinding {
                indent: items.indent().to_string(),
            },
            items,
        })
    }
}

impl Sink for JsonSink {
    fn renderer(&self) -> Option<Box<dyn Render>> {
        Some(Box::new(self.render.clone()))
    }

    fn rendered(
        &mut self,
        _f: &Finding,
        _suppressed: Option<&Suppressed>,
        item: &[u8],
    ) -> io::Result<()> {
        self.items.write_rendered(&mut self.out, item)
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

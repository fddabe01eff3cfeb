//! The split SARIF upload (`--sarif-split-dir`): one log per account, each within GitHub's
//! limits on its own, so an organization with more results than one run may hold is uploaded
//! whole.

use super::{
    frame_of, gzip_size_of, over_limits_of, run_skeleton, Assembly, ResultItem, GITHUB_LIMITS,
};
use crate::inventory::TargetStatus;
use crate::model::Finding;
use crate::report::stream::{Batch, Finished, Frame, Items, Out, Render, Sink, Spool};
use crate::report::{AuditReport, Suppressed, TargetSummary};
use std::io::{self, Write};

/// One file of a split SARIF upload: the run of one account.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountSarif {
    pub account_id: String,
    /// `<account>.sarif`.
    pub file_name: String,
    pub automation_id: String,
    pub results: usize,
    pub text: String,
}

/// The category of one account's run in a split upload: `NAME/<account>/` with
/// `--sarif-category NAME`, else what a scan of that account alone gets
/// (`overexposed/<account>/`, with the `--regions` and the API-only prefix as
/// [`automation_id`] has them), so a split upload and a single-account scan replace each other.
pub fn account_automation_id(
    report: &AuditReport,
    category: Option<&str>,
    account: &str,
) -> String {
    if let Some(name) = category {
        return format!("{name}/{account}/");
    }
    let scope = &report.scan.scope;
    let tool = if scope.is_full() {
        "overexposed"
    } else {
        "overexposed-api-only"
    };
    match &scope.regions {
        Some(regions) => format!("{tool}/{account}/{}/", regions.join("+")),
        None => format!("{tool}/{account}/"),
    }
}

/// One SARIF log per account of the scan (every account with a target, findings or not: an
/// account's clean upload is what closes its fixed alerts), in account order. Every finding is
/// in exactly one file.
pub fn render_split(report: &AuditReport, category: Option<&str>) -> Vec<AccountSarif> {
    let mut sink = SplitSink::new(report, category, Spool::Memory(Vec::new()));
    for f in &report.findings {
        sink.finding(f, report.suppression(f))
            .expect("writing to memory never fails");
    }
    let header = report.header();
    let (files, spool) = sink.files(&header).expect("memory never fails");
    files
        .iter()
        .map(|file| {
            let mut text = Vec::new();
            file.assembly()
                .write(spool, &mut text)
                .expect("writing to memory never fails");
            AccountSarif {
                account_id: file.account_id.to_string(),
                file_name: format!("{}.sarif", file.account_id),
                automation_id: file.automation_id.clone(),
                results: file.items.count,
                text: String::from_utf8(text).expect("SARIF is UTF-8"),
            }
        })
        .collect()
}

/// The split SARIF upload (`--sarif-split-dir`), written as the findings come: each account's
/// results go to one spool, in turn (findings come by account), and each account's log is put
/// together when the findings end. All files or none: an account whose run alone is past
/// GitHub's limits fails the whole directory (a directory missing an account would leave that
/// account's alerts stale without a word).
pub struct SplitSink {
    dir: Option<std::path::PathBuf>,
    category: Option<String>,
    spool: Spool,
    items: Items,
    /// Per account with findings, in order: its results' range of the spool and how many.
    ranges: Vec<(String, (u64, u64), usize)>,
}

/// One account's file of a split upload, ready to be put together.
struct SplitFile<'a> {
    account_id: &'a str,
    automation_id: String,
    frame: Frame,
    items: Items,
    range: (u64, u64),
}

impl SplitFile<'_> {
    fn assembly(&self) -> Assembly<'_> {
        Assembly {
            frame: &self.frame,
            items: &self.items,
            range: self.range,
        }
    }
}

impl SplitSink {
    pub fn new(report: &AuditReport, category: Option<&str>, spool: Spool) -> SplitSink {
        SplitSink {
            dir: None,
            category: category.map(str::to_string),
            spool,
            items: frame_of(report).items(),
            ranges: Vec::new(),
        }
    }

    /// Writes the files into `dir` when the findings end.
    pub fn into_dir(mut self, dir: &std::path::Path) -> SplitSink {
        self.dir = Some(dir.to_path_buf());
        self
    }

    /// Every account's file, in account order, and the spool (flushed) their results are in.
    fn files<'s>(
        &'s mut self,
        report: &'s AuditReport,
    ) -> io::Result<(Vec<SplitFile<'s>>, &'s Spool)> {
        self.spool.flush()?;
        let this = &*self;
        let mut accounts: Vec<&str> = report
            .scan
            .targets
            .iter()
            .map(|t| t.account_id.as_str())
            .chain(this.ranges.iter().map(|(a, _, _)| a.as_str()))
            .collect();
        accounts.sort_unstable();
        accounts.dedup();
        let frame = frame_of(report);
        let files = accounts
            .into_iter()
            .map(|account| {
                let targets: Vec<&TargetSummary> = report
                    .scan
                    .targets
                    .iter()
                    .filter(|t| t.account_id == account)
                    .collect();
                let complete = targets.iter().all(|t| t.status == TargetStatus::Complete);
                let automation_id =
                    account_automation_id(report, this.category.as_deref(), account);
                let (range, count) = this
                    .ranges
                    .iter()
                    .find(|(a, _, _)| a == account)
                    .map(|(_, r, n)| (*r, *n))
                    .unwrap_or(((this.spool.len(), this.spool.len()), 0));
                let mut items = frame.items();
                items.count = count;
                SplitFile {
                    account_id: account,
                    frame: Frame::around(
                        &run_skeleton(report, &targets, complete, false, automation_id.clone()),
                        "results",
                    ),
                    automation_id,
                    items,
                    range,
                }
            })
            .collect();
        Ok((files, &this.spool))
    }
}

impl SplitSink {
    /// Writes the next result, of `account`, with `write`: a new account starts a new file's
    /// results.
    fn next(
        &mut self,
        account: &str,
        write: impl FnOnce(&mut Items, &mut Spool) -> io::Result<()>,
    ) -> io::Result<()> {
        if self.ranges.last().is_none_or(|(a, _, _)| a != account) {
            let at = self.spool.len();
            self.ranges.push((account.to_string(), (at, at), 0));
            self.items.restart();
        }
        write(&mut self.items, &mut self.spool)?;
        let end = self.spool.len();
        let last = self.ranges.last_mut().expect("pushed above");
        last.1 .1 = end;
        last.2 += 1;
        Ok(())
    }
}

impl Sink for SplitSink {
    fn renderer(&self) -> Option<Box<dyn Render>> {
        Some(Box::new(ResultItem {
            indent: self.items.indent().to_string(),
        }))
    }

    fn rendered(
        &mut self,
        f: &Finding,
        _suppressed: Option<&Suppressed>,
        item: &[u8],
    ) -> io::Result<()> {
        self.next(&f.account_id, |items, spool| {
            items.write_rendered(spool, item)
        })
    }

    fn finish(mut self: Box<Self>, report: &AuditReport) -> io::Result<Finished> {
        let dir = self
            .dir
            .clone()
            .expect("a split sink of the CLI writes into a directory");
        let (files, spool) = self.files(report)?;
        // First every account's verdict on the limits, then (all within them) the files.
        let mut rejected = Vec::new();
        for file in &files {
            let assembly = file.assembly();
            let mut failed = None;
            let why = over_limits_of(file.items.count, assembly.size(), &GITHUB_LIMITS, || {
                gzip_size_of(|w| assembly.write(spool, w)).unwrap_or_else(|e| {
                    failed = Some(e);
                    0
                })
            });
            if let Some(e) = failed {
                return Err(e);
            }
            if let Some(why) = why {
                rejected.push(format!(
                    "--sarif-split-dir {} not written: account {} alone has {why}; scan it in \
                     parts with --regions, each with its own --sarif-category",
                    dir.display(),
                    file.account_id
                ));
            }
        }
        if rejected.is_empty() {
            std::fs::create_dir_all(&dir)?;
            // The files are written on every core: creating a thousand files and copying half
            // a gigabyte into them is the kernel's work, done on the calling thread.
            let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
            let written = in_parallel(&files, threads, |file| {
                let mut out = Out::file(&dir.join(format!("{}.sarif", file.account_id)))?;
                file.assembly().write_into(spool, &mut out)?;
                Ok(out)
            })?;
            let mut batch = Batch::default();
            for out in written {
                batch.add(out)?;
            }
            batch.commit()?;
        }
        Ok(Finished {
            out: Out::Discard,
            rejected,
        })
    }
}

/// `each` of `items` on up to `threads` threads (consecutive runs of items each), the results
/// in the items' order; the first error is returned once every thread has stopped.
pub(super) fn in_parallel<I: Sync, T: Send>(
    items: &[I],
    threads: usize,
    each: impl Fn(&I) -> io::Result<T> + Sync,
) -> io::Result<Vec<T>> {
    if threads <= 1 || items.len() <= 1 {
        return items.iter().map(each).collect();
    }
    let per_thread = items.len().div_ceil(threads);
    let each = &each;
    std::thread::scope(|scope| {
        let runs: Vec<_> = items
            .chunks(per_thread)
            .map(|run| scope.spawn(move || run.iter().map(each).collect::<io::Result<Vec<T>>>()))
            .collect();
        let mut all = Vec::with_capacity(items.len());
        for run in runs {
            all.extend(run.join().expect("a writing thread panicked")?);
        }
        Ok(all)
    })
}

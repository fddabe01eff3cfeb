use super::*;

fn error(code: &str) -> ScanError {
    ScanError {
        operation: Operation::Ec2DescribeVpcs.into(),
        code: code.into(),
        message: "m".into(),
        resource: None,
    }
}

#[test]
fn a_read_log_counts_what_succeeded_and_keeps_what_failed() {
    let mut log = ReadLog::default();
    // A listing cut short: its pages count, its error is kept, it was not read in full.
    assert!(!log.listing((2, Err(error("PaginationLoop")))));
    assert!(log.listing((3, Ok(()))));
    assert_eq!(log.listed(Ok((4, vec!["a"]))), Some(vec!["a"]));
    assert_eq!(log.listed::<&str>(Err(error("AccessDenied"))), None);
    assert_eq!(log.answer(Ok(7)), Ok(7));
    assert_eq!(
        log.answer::<u8>(Err(error("Throttling"))),
        Err("Throttling".into())
    );
    let mut per_api = ReadLog::default();
    assert_eq!(per_api.answer(Ok(())), Ok(()));
    assert!(per_api.answer::<()>(Err(error("NotFound"))).is_err());
    log.merge(per_api);

    let mut target = Target::default();
    assert_eq!(log.finish(&mut target), 2 + 3 + 4 + 1 + 1);
    let codes: Vec<&str> = target.errors.iter().map(|e| e.code.as_str()).collect();
    assert_eq!(
        codes,
        ["PaginationLoop", "AccessDenied", "Throttling", "NotFound"]
    );
}

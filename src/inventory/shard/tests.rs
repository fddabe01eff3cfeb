use super::*;

#[test]
fn a_shard_is_k_of_n_counted_from_one() {
    assert_eq!(
        ShardSpec::parse("2/4").unwrap(),
        ShardSpec { index: 2, count: 4 }
    );
    assert_eq!(
        ShardSpec::parse(" 1 / 1 ").unwrap(),
        ShardSpec { index: 1, count: 1 }
    );
    for bad in [
        "", "2", "0/4", "5/4", "1/0", "-1/4", "a/b", "1/4/2", "1/10001",
    ] {
        let err = ShardSpec::parse(bad).unwrap_err();
        assert!(err.contains("is not a shard"), "{bad:?}: {err}");
    }
    assert_eq!(ShardSpec { index: 3, count: 8 }.to_string(), "3/8");
}

/// The slice must not change between builds, platforms or releases: shards of one scan may be
/// collected by different versions of the binary.
#[test]
fn the_shard_of_an_account_is_pinned() {
    let pinned: Vec<u32> = [
        "111111111111",
        "222222222222",
        "500000000001",
        "500000000002",
    ]
    .iter()
    .map(|a| shard_of(a, 4))
    .collect();
    assert_eq!(pinned, PINNED_SHARDS_OF_4);
    assert_eq!(shard_of("111111111111", 1), 1);
}

// Computed independently: `int.from_bytes(sha256(id)[:8], "big") % 4 + 1` in Python.
const PINNED_SHARDS_OF_4: [u32; 4] = [3, 4, 2, 1];

#[test]
fn every_account_is_in_exactly_one_shard_and_shards_are_balanced() {
    let accounts: Vec<String> = (0..4000u64)
        .map(|n| format!("{:012}", 100_000_000_000 + n * 7919))
        .collect();
    let count = 8;
    let mut sizes = vec![0usize; count as usize];
    for a in &accounts {
        let owners: Vec<u32> = (1..=count)
            .filter(|&index| ShardSpec { index, count }.owns(a))
            .collect();
        assert_eq!(owners.len(), 1, "{a} is in shards {owners:?}");
        sizes[owners[0] as usize - 1] += 1;
    }
    // 500 each on average; a hash that slices this badly would leave one job doing double.
    assert!(
        sizes.iter().all(|&n| (400..=600).contains(&n)),
        "unbalanced shards: {sizes:?}"
    );
}

//! Work shared among the machine's cores where a query's sequential cost is one big sort.

/// Sorts `v` by `key` like `sort_unstable_by_key`, the halves sorted on two threads and
/// merged when `v` is long enough for that to pay (the result is the same as a sequential
/// sort: equal keys may come in either order). The merge takes a copy of the first half
/// only (the stays of millions of stints sort rows of 56 bytes: a whole copy was a
/// quarter of their peak memory).
pub fn sort_by_key<T: Send + Copy, K: Ord>(v: &mut [T], key: impl Fn(&T) -> K + Sync) {
    const WORTH_IT: usize = 1 << 20;
    let threads = tally_store::cores();
    if v.len() < WORTH_IT || threads < 2 {
        v.sort_unstable_by_key(&key);
        return;
    }
    let mid = v.len() / 2;
    {
        let (a, b) = v.split_at_mut(mid);
        std::thread::scope(|s| {
            s.spawn(|| a.sort_unstable_by_key(&key));
            b.sort_unstable_by_key(&key);
        });
    }
    // Merged from the front: the place written is never past the second half's next
    // unread one (it trails it by the first half's rows not yet placed).
    let first: Vec<T> = v[..mid].to_vec();
    let (mut i, mut j, mut at) = (0, mid, 0);
    while i < first.len() && j < v.len() {
        if key(&v[j]) < key(&first[i]) {
            v[at] = v[j];
            j += 1;
        } else {
            v[at] = first[i];
            i += 1;
        }
        at += 1;
    }
    // What is left of the second half is in place already.
    v[at..at + first.len() - i].copy_from_slice(&first[i..]);
}

#[cfg(test)]
mod tests {
    #[test]
    fn sorts_like_the_standard_sort() {
        let mut x: u64 = 7;
        let mut v: Vec<(u64, u32)> = (0..(1 << 21) + 3)
            .map(|i| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x % 1000, i)
            })
            .collect();
        let mut want = v.clone();
        want.sort_unstable_by_key(|p| p.0);
        super::sort_by_key(&mut v, |p| p.0);
        let keys = |v: &[(u64, u32)]| v.iter().map(|p| p.0).collect::<Vec<_>>();
        assert_eq!(keys(&v), keys(&want));
        let mut all = v.clone();
        all.sort_unstable();
        let mut all_want = want.clone();
        all_want.sort_unstable();
        assert_eq!(all, all_want);
    }
}

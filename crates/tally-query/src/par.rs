//! Work shared among the machine's cores where a query's sequential cost is one big sort.

/// Sorts `v` by `key` like `sort_unstable_by_key`, the halves sorted on two threads and
/// merged when `v` is long enough for that to pay (the result is the same as a sequential
/// sort: equal keys may come in either order).
pub fn sort_by_key<T: Send + Copy, K: Ord>(v: &mut Vec<T>, key: impl Fn(&T) -> K + Sync) {
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
    let mut out = Vec::with_capacity(v.len());
    let (mut i, mut j) = (0, mid);
    while i < mid && j < v.len() {
        if key(&v[j]) < key(&v[i]) {
            out.push(v[j]);
            j += 1;
        } else {
            out.push(v[i]);
            i += 1;
        }
    }
    out.extend_from_slice(&v[i..mid]);
    out.extend_from_slice(&v[j..]);
    *v = out;
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

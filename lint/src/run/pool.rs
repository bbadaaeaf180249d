//! Checking many files at once: one worker per core, results in the order
//! of the inputs.

use std::sync::atomic::{AtomicUsize, Ordering};

/// `work` applied to every item, on as many threads as there are cores
/// (and items). A panic in a worker is raised again here.
pub fn map<T: Sync, R: Send>(items: &[T], work: impl Fn(&T) -> R + Sync) -> Vec<R> {
    // One item, the usual pre-commit call, needs no thread and no look at
    // the cgroup's CPU quota.
    if items.len() <= 1 {
        return items.iter().map(work).collect();
    }
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(items.len());
    if workers <= 1 {
        return items.iter().map(work).collect();
    }
    let next = AtomicUsize::new(0);
    let mut results: Vec<(usize, R)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        mine.push((i, work(item)));
                    }
                    mine
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

/// Fewer items than this are worked on this thread: starting workers
/// would cost more than it saves (a pre-commit run's handful of findings).
pub const PARALLEL_FROM: usize = 256;

/// Items worked on at once by [`windows`]: the memory it holds.
const WINDOW: usize = 4096;

/// `work` applied to every item on every core a window at a time, each
/// result handed to `take` in the order of the items: a large report is
/// made quickly, holding one window's results at a time.
pub fn windows<T: Sync, R: Send, E>(
    items: &[T],
    work: impl Fn(&T) -> R + Sync,
    mut take: impl FnMut(R) -> Result<(), E>,
) -> Result<(), E> {
    for window in items.chunks(WINDOW) {
        if window.len() < PARALLEL_FROM {
            for item in window {
                take(work(item))?;
            }
        } else {
            for result in map(window, &work) {
                take(result)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_the_order_of_the_inputs() {
        let items: Vec<u32> = (0..1000).collect();
        assert_eq!(
            super::map(&items, |i| i * 2),
            items.iter().map(|i| i * 2).collect::<Vec<_>>()
        );
        assert!(super::map(&[] as &[u32], |i| *i).is_empty());
    }

    #[test]
    fn windows_hand_over_every_result_in_order() {
        for len in [0, 3, super::PARALLEL_FROM, super::WINDOW + 7] {
            let items: Vec<usize> = (0..len).collect();
            let mut seen = Vec::new();
            super::windows(
                &items,
                |i| i + 1,
                |r| {
                    seen.push(r);
                    Ok::<(), ()>(())
                },
            )
            .expect("never fails");
            assert_eq!(seen, items.iter().map(|i| i + 1).collect::<Vec<_>>());
        }
    }
}

//! "Did you mean" suggestions and lists of alternatives in messages.

/// The candidate closest to `word`, if it is close enough to be a likely
/// typo (case is ignored: `M5.Large` suggests `m5.large`).
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    // A candidate is close enough only when its normalized edit distance is
    // at most 0.4, which two strings whose lengths differ by more than 40%
    // of the longer never are: skipping them answers the same, and keeps a
    // long value from costing its length times every candidate's.
    let len = word.chars().count();
    let within_reach = |candidate: &str| {
        let other = candidate.chars().count();
        let (short, long) = (len.min(other), len.max(other));
        (long - short) * 10 <= long * 4
    };
    let word_lower = word.to_ascii_lowercase();
    let word_letters = Letters::of(&word_lower);
    let mut best: Option<(&str, f64)> = None;
    for candidate in candidates {
        if candidate == word || !within_reach(candidate) {
            continue;
        }
        let candidate_lower = candidate.to_ascii_lowercase();
        // The edit distance is at least the letters one has and the other
        // lacks; a candidate whose score could not pass, or not beat the
        // best so far, is skipped without the quadratic distance: the
        // answer is the same, and a policy of thousands of unknown actions
        // costs each a pass over its service's names, not that many
        // distance tables.
        if let (Some(mine), Some(theirs)) = (&word_letters, Letters::of(&candidate_lower)) {
            let longest = len.max(candidate_lower.len());
            let bound = similarity(mine.distance_at_least(&theirs), longest);
            if bound < 0.6 || best.is_some_and(|(_, s)| bound <= s) {
                continue;
            }
        }
        let score = strsim::normalized_damerau_levenshtein(&word_lower, &candidate_lower);
        if best.is_none_or(|(_, s)| score > s) {
            best = Some((candidate, score));
        }
    }
    best.filter(|&(_, score)| score >= 0.6).map(|(c, _)| c)
}

/// strsim's normalized similarity for an edit distance between strings of
/// which the longer has `longest` characters.
fn similarity(distance: usize, longest: usize) -> f64 {
    if longest == 0 {
        return 1.0;
    }
    1.0 - distance as f64 / longest as f64
}

/// How many times each ASCII byte occurs in a string.
struct Letters([u32; 128]);

impl Letters {
    /// `None` for a string that is not all ASCII (not worth the bound).
    fn of(text: &str) -> Option<Letters> {
        let mut counts = [0u32; 128];
        for b in text.bytes() {
            *counts.get_mut(usize::from(b))? += 1;
        }
        Some(Letters(counts))
    }

    /// A lower bound of the Damerau-Levenshtein distance: an insertion,
    /// deletion or substitution changes what either string has beyond the
    /// other by at most one, a transposition not at all.
    fn distance_at_least(&self, other: &Letters) -> usize {
        let (mut extra, mut missing) = (0usize, 0usize);
        for (a, b) in self.0.iter().zip(&other.0) {
            extra += a.saturating_sub(*b) as usize;
            missing += b.saturating_sub(*a) as usize;
        }
        extra.max(missing)
    }
}

/// "`a`, `b`, `c`" for messages.
pub fn list<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    items
        .into_iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_words_only() {
        let fields = ["instanceType", "name", "size", "role"];
        assert_eq!(closest("instanceTyp", fields), Some("instanceType"));
        assert_eq!(closest("InstanceType", fields), Some("instanceType"));
        assert_eq!(closest("colour", fields), None);
        assert_eq!(
            closest("m5.larg", ["m5.large", "m5.xlarge", "c5.large"]),
            Some("m5.large")
        );
    }

    /// The length filter only skips candidates that could not pass: on
    /// every pair of words from a mixed list, it agrees with the score.
    #[test]
    fn skipping_by_length_changes_no_answer() {
        let words = [
            "a",
            "ab",
            "abc",
            "name",
            "names",
            "nam",
            "instanceType",
            "instanceTyp",
            "instance",
            "availabilityZones",
            "zones",
            "m7i.large",
            "m7i.larg",
            "x".repeat(30).leak(),
        ];
        for w in words {
            for c in words {
                let score = strsim::normalized_damerau_levenshtein(
                    &w.to_ascii_lowercase(),
                    &c.to_ascii_lowercase(),
                );
                let expected = (c != w && score >= 0.6).then_some(c);
                assert_eq!(closest(w, [c]), expected, "{w} / {c}");
            }
        }
        assert_eq!(closest(&"x".repeat(1_000_000), ["name", "region"]), None);
    }

    /// Skipping by the letters' bound changes no answer either: among many
    /// candidates at once, mutated from real names by the edits a typo
    /// makes, the answer is the one found by scoring every candidate.
    #[test]
    fn skipping_by_letters_changes_no_answer() {
        let names = [
            "DescribeInstances",
            "DescribeInstanceTypes",
            "RunInstances",
            "CreateTags",
            "DeleteTags",
            "DescribeTags",
            "AuthorizeSecurityGroupIngress",
            "m7i.large",
            "m7i.xlarge",
            "availabilityZones",
            "éclair",
        ];
        let scored_all = |word: &str, candidates: &[&'static str]| {
            let lower = word.to_ascii_lowercase();
            let mut best: Option<(&str, f64)> = None;
            for &c in candidates {
                if c == word {
                    continue;
                }
                let score = strsim::normalized_damerau_levenshtein(&lower, &c.to_ascii_lowercase());
                if best.is_none_or(|(_, s)| score > s) {
                    best = Some((c, score));
                }
            }
            best.filter(|&(_, s)| s >= 0.6).map(|(c, _)| c)
        };
        let mut rng = crate::test_rng::Rng(0x2545_f491_4f6c_dd1d);
        let mut next = |n: usize| rng.below(n);
        for _ in 0..2000 {
            let mut word: Vec<char> = names[next(names.len())].chars().collect();
            for _ in 0..next(5) {
                let at = next(word.len().max(1));
                match next(4) {
                    0 if !word.is_empty() => {
                        word.remove(at);
                    }
                    1 => word.insert(at, (b'a' + next(26) as u8) as char),
                    2 if at + 1 < word.len() => word.swap(at, at + 1),
                    _ if !word.is_empty() => word[at] = (b'A' + next(26) as u8) as char,
                    _ => {}
                }
            }
            let word: String = word.into_iter().collect();
            assert_eq!(closest(&word, names), scored_all(&word, &names), "{word}");
        }
    }
}

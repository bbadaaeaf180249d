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
    let mut best: Option<(&str, f64)> = None;
    for candidate in candidates {
        if candidate == word || !within_reach(candidate) {
            continue;
        }
        let score =
            strsim::normalized_damerau_levenshtein(&word_lower, &candidate.to_ascii_lowercase());
        if best.is_none_or(|(_, s)| score > s) {
            best = Some((candidate, score));
        }
    }
    best.filter(|&(_, score)| score >= 0.6).map(|(c, _)| c)
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
}

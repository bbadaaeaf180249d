//! "Did you mean" suggestions and lists of alternatives in messages.

/// The candidate closest to `word`, if it is close enough to be a likely
/// typo (case is ignored: `M5.Large` suggests `m5.large`).
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word_lower = word.to_ascii_lowercase();
    let mut best: Option<(&str, f64)> = None;
    for candidate in candidates {
        if candidate == word {
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
}

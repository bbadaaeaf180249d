//! IAM's wildcards: `*` matches any run of characters (none included), `?`
//! exactly one. Actions match in any letter case; resources (ARNs) match
//! case-sensitively.
//!
//! Beyond matching a string, policy analysis asks two questions of two
//! patterns: can they match a common string (`intersects`), and does one
//! match everything the other does (`covers`).

/// One element of a pattern.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Token {
    Star,
    One,
    Char(char),
}

/// The pattern's tokens. ASCII patterns (nearly all of them: actions and
/// ARNs) are read byte by byte without allocating.
fn tokens(pattern: &str, fold_case: bool) -> impl Iterator<Item = Token> + '_ {
    pattern.chars().map(move |c| match c {
        '*' => Token::Star,
        '?' => Token::One,
        c if fold_case => Token::Char(c.to_ascii_lowercase()),
        c => Token::Char(c),
    })
}

fn has_wildcard(s: &str) -> bool {
    s.bytes().any(|b| b == b'*' || b == b'?')
}

/// The longest pattern or name matched as a pattern. Matching backtracks,
/// so two long strings made to backtrack would cost the product of their
/// lengths; nothing longer is an IAM action or ARN (IAM takes ARNs of up to
/// 2,048 characters), and longer strings are compared as they are.
const MAX_MATCHED: usize = 2048;

fn too_long(a: &str, b: &str) -> bool {
    a.len() > MAX_MATCHED || b.len() > MAX_MATCHED
}

/// Whether `text` matches `pattern`, letter case included.
pub fn matches(pattern: &str, text: &str) -> bool {
    if too_long(pattern, text) {
        return pattern == text;
    }
    if pattern.is_ascii() && text.is_ascii() {
        return glob(pattern.as_bytes(), text.as_bytes(), |p, t| p == t);
    }
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    glob_chars(&p, &t, |a, b| a == b)
}

/// Whether `text` matches `pattern` in any letter case (actions, keys).
pub fn matches_ignore_case(pattern: &str, text: &str) -> bool {
    if too_long(pattern, text) {
        return pattern.eq_ignore_ascii_case(text);
    }
    if pattern.is_ascii() && text.is_ascii() {
        return glob(pattern.as_bytes(), text.as_bytes(), |p, t| {
            p.eq_ignore_ascii_case(&t)
        });
    }
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    glob_chars(&p, &t, |a, b| a.to_lowercase().eq(b.to_lowercase()))
}

/// Linear-time wildcard matching with one backtrack point per `*`.
fn glob(p: &[u8], t: &[u8], eq: impl Fn(u8, u8) -> bool) -> bool {
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && (p[pi] == b'?' || eq(p[pi], t[ti])) {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

fn glob_chars(p: &[char], t: &[char], eq: impl Fn(char, char) -> bool) -> bool {
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && (p[pi] == '?' || eq(p[pi], t[ti])) {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// Whether some string matches both patterns, in time linear in their
/// lengths and without allocating for ASCII patterns.
///
/// When both have a `*`, they meet exactly when their parts before the
/// first `*` agree as far as both go, and so do their parts after the last
/// `*`: a common string is then the longer prefix, every middle part of
/// both (each `*` of one absorbing the other's), and the longer suffix.
/// When only one has a `*`, the other has a fixed length, and is matched
/// against it with its `?`s matching any character.
pub fn intersects(a: &str, b: &str, fold_case: bool) -> bool {
    let eq = |x: char, y: char| x == y || (fold_case && x.eq_ignore_ascii_case(&y));
    let compatible = |x: char, y: char| x == '?' || y == '?' || eq(x, y);
    match (a.contains('*'), b.contains('*')) {
        (false, false) => {
            a.chars().count() == b.chars().count()
                && a.chars().zip(b.chars()).all(|(x, y)| compatible(x, y))
        }
        (true, false) => star_matches_fixed(a, b, &compatible),
        (false, true) => star_matches_fixed(b, a, &compatible),
        (true, true) => {
            let prefix = |s: &'_ str| s.split('*').next().unwrap_or("").to_string();
            let suffix = |s: &'_ str| s.rsplit('*').next().unwrap_or("").to_string();
            let agree_forward =
                |x: &str, y: &str| x.chars().zip(y.chars()).all(|(p, q)| compatible(p, q));
            let agree_backward = |x: &str, y: &str| {
                x.chars()
                    .rev()
                    .zip(y.chars().rev())
                    .all(|(p, q)| compatible(p, q))
            };
            agree_forward(&prefix(a), &prefix(b)) && agree_backward(&suffix(a), &suffix(b))
        }
    }
}

/// Whether `pattern` (with `*`) matches some string that `fixed` (without
/// `*`, maybe with `?`) matches: the usual one-backtrack-point match, where
/// a `?` on either side matches any one character.
fn star_matches_fixed(pattern: &str, fixed: &str, compatible: &dyn Fn(char, char) -> bool) -> bool {
    if too_long(pattern, fixed) {
        return pattern == fixed;
    }
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = fixed.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && compatible(p[pi], t[ti]) {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// Whether every string `specific` matches is matched by `general`.
///
/// Sound but not complete: `specific`'s `*` can only be absorbed by a `*` of
/// `general`, and its `?` by a `?` or a `*`. "Yes" is always right; "no" may
/// be wrong only for contrived pairs such as `a*` against `a*b*`.
pub fn covers(general: &str, specific: &str, fold_case: bool) -> bool {
    if too_long(general, specific) {
        return if fold_case {
            general.eq_ignore_ascii_case(specific)
        } else {
            general == specific
        };
    }
    if !has_wildcard(general) {
        // A literal covers only itself.
        return if fold_case {
            general.eq_ignore_ascii_case(specific)
        } else {
            general == specific
        };
    }
    if !has_wildcard(specific) {
        return if fold_case {
            matches_ignore_case(general, specific)
        } else {
            matches(general, specific)
        };
    }
    let g: Vec<Token> = tokens(general, fold_case).collect();
    let s: Vec<Token> = tokens(specific, fold_case).collect();
    let compatible = |gt: Token, st: Token| match (gt, st) {
        (Token::One, Token::Char(_) | Token::One) => true,
        (Token::Char(x), Token::Char(y)) => x == y,
        _ => false,
    };
    let (mut gi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if gi < g.len() && g[gi] == Token::Star {
            star = Some((gi, si));
            gi += 1;
        } else if gi < g.len() && compatible(g[gi], s[si]) {
            gi += 1;
            si += 1;
        } else if let Some((sg, ss)) = star {
            gi = sg + 1;
            si = ss + 1;
            star = Some((sg, ss + 1));
        } else {
            return false;
        }
    }
    g[gi..].iter().all(|&t| t == Token::Star)
}

/// An ARN format from the Service Authorization Reference
/// (`arn:${Partition}:ec2:${Region}:${Account}:instance/${InstanceId}`) as a
/// pattern: each `${…}` placeholder becomes `*`.
pub fn arn_format_pattern(format: &str) -> std::borrow::Cow<'_, str> {
    if memchr::memmem::find(format.as_bytes(), b"${").is_none() {
        return std::borrow::Cow::Borrowed(format);
    }
    let mut out = String::with_capacity(format.len());
    let mut rest = format;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        match rest[start..].find('}') {
            Some(end) => {
                out.push('*');
                rest = &rest[start + end + 1..];
            }
            None => {
                rest = &rest[start..];
                break;
            }
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching() {
        assert!(matches_ignore_case(
            "ec2:Describe*",
            "EC2:DescribeInstances"
        ));
        assert!(matches_ignore_case("*", ""));
        assert!(matches_ignore_case("s3:Get?bject", "s3:GetObject"));
        assert!(!matches_ignore_case("s3:Get?bject", "s3:GetObjects"));
        assert!(matches(
            "arn:*:iam::*:role/*",
            "arn:aws:iam::123456789012:role/a/b"
        ));
        assert!(!matches("arn:aws:iam::*:role/X", "arn:aws:iam::1:role/x"));
        assert!(matches("a*b*c", "aXXbYYc"));
        assert!(!matches("a*b*c", "aXXbYY"));
        assert!(matches("é?", "éx"));
    }

    #[test]
    fn intersection() {
        assert!(intersects(
            "arn:*:ec2:*:*:instance/*",
            "arn:aws:ec2:us-east-1:*:*",
            false
        ));
        // Plain globs: `*` crosses colons (ARNs are matched segment-wise in
        // `arn`).
        assert!(intersects("arn:*:ec2:*", "arn:*:s3:*", false));
        assert!(!intersects("ec2:*", "s3:*", false));
        assert!(intersects("a?c", "*c", false));
        assert!(!intersects("a?", "abc", false));
        assert!(intersects("*", "", false));
        assert!(intersects("AB*", "ab", true));
        assert!(!intersects("AB*", "ab", false));
    }

    /// The linear answer agrees with a search over every way of matching
    /// both patterns, on all pairs of short patterns over a small alphabet.
    #[test]
    fn intersection_agrees_with_an_exhaustive_search() {
        // reachable(i, j): some string matches both a[..i] and b[..j].
        fn slow(a: &[char], b: &[char]) -> bool {
            let (n, m) = (a.len(), b.len());
            let mut reach = vec![vec![false; m + 1]; n + 1];
            reach[0][0] = true;
            for i in 0..=n {
                for j in 0..=m {
                    if !reach[i][j] {
                        continue;
                    }
                    if i < n && a[i] == '*' {
                        reach[i + 1][j] = true;
                    }
                    if j < m && b[j] == '*' {
                        reach[i][j + 1] = true;
                    }
                    if i < n && j < m {
                        match (a[i], b[j]) {
                            ('*', _) => reach[i][j + 1] = true,
                            (_, '*') => reach[i + 1][j] = true,
                            (x, y) if x != y && x != '?' && y != '?' => {}
                            _ => reach[i + 1][j + 1] = true,
                        }
                    }
                }
            }
            reach[n][m]
        }
        let alphabet = ['a', 'b', '*', '?'];
        let mut patterns = vec![String::new()];
        for len in 1..=4 {
            let mut more = Vec::new();
            for p in patterns.iter().filter(|p| p.chars().count() == len - 1) {
                for c in alphabet {
                    more.push(format!("{p}{c}"));
                }
            }
            patterns.extend(more);
        }
        for a in &patterns {
            for b in &patterns {
                let (ac, bc): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
                assert_eq!(intersects(a, b, false), slow(&ac, &bc), "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn long_patterns_intersect_without_a_table() {
        let a = format!("{}*", "a?".repeat(50_000));
        let b = format!("*{}", "?b".repeat(50_000));
        assert!(intersects(&a, &b, false));
        let c = format!("x{}*", "a".repeat(100_000));
        assert!(!intersects(&c, &b.replace('*', "y*"), false));
    }

    #[test]
    fn coverage_is_sound() {
        assert!(covers("*", "arn:aws:s3:::b/*", false));
        assert!(covers(
            "arn:*:iam::*:role/*",
            "arn:*:iam::*:role/*.cluster-api-provider-aws.sigs.k8s.io",
            false
        ));
        assert!(covers("a?c", "a?c", false));
        assert!(!covers("a?c", "a*c", false), "`?` does not cover a run");
        assert!(!covers("arn:aws:*", "arn:*:s3:::x", false));
        assert!(covers("ec2:*", "EC2:Describe*", true));
        assert!(!covers("ec2:Describe*", "ec2:*", true));
    }

    #[test]
    fn arn_formats_become_patterns() {
        assert_eq!(
            arn_format_pattern("arn:${Partition}:ec2:${Region}:${Account}:instance/${InstanceId}"),
            "arn:*:ec2:*:*:instance/*"
        );
        assert_eq!(
            arn_format_pattern("arn:${Partition}:s3:::${BucketName}"),
            "arn:*:s3:::*"
        );
    }
}

//! Just enough XML for S3's answers (`ListBucketResult`, `Error`): flat, machine-written
//! documents whose element names never nest inside themselves. A pure function per question,
//! so it can be fuzzed; no XML crate is needed for these two documents.

/// Inner text of every `<tag>…</tag>` (or empty for `<tag/>`), in document order.
pub fn elements<'a>(xml: &'a str, tag: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    let open = format!("<{tag}");
    let close = format!("</{tag}>");
    let mut rest = xml;
    while let Some(i) = rest.find(&open) {
        let after = &rest[i + open.len()..];
        // `<Key>` but not `<KeyCount>`: the name must end here.
        let Some(c) = after.chars().next() else { break };
        if !(c == '>' || c == '/' || c.is_whitespace()) {
            rest = after;
            continue;
        }
        let Some(gt) = after.find('>') else { break };
        if after[..gt].ends_with('/') {
            out.push("");
            rest = &after[gt + 1..];
            continue;
        }
        let body = &after[gt + 1..];
        let Some(end) = body.find(&close) else { break };
        out.push(&body[..end]);
        rest = &body[end + close.len()..];
    }
    out
}

/// The first `<tag>` text, entity-decoded.
pub fn first(xml: &str, tag: &str) -> Option<String> {
    elements(xml, tag).first().map(|s| unescape(s))
}

/// Decodes the five XML entities and numeric character references.
pub fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let Some(semi) = tail.find(';').filter(|n| *n <= 10) else {
            out.push('&');
            rest = &tail[1..];
            continue;
        };
        let entity = &tail[1..semi];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .map(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').map(|d| d.parse().ok()))
                .flatten()
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &tail[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_elements_by_exact_name() {
        let x = "<R><KeyCount>2</KeyCount><Key>a&amp;b</Key><Prefix/><Key>c&#x20;&#100;</Key></R>";
        assert_eq!(elements(x, "Key"), ["a&amp;b", "c&#x20;&#100;"]);
        assert_eq!(elements(x, "Prefix"), [""]);
        assert_eq!(first(x, "Key").unwrap(), "a&b");
        assert_eq!(unescape("c&#x20;&#100;&bogus;&"), "c d&bogus;&");
    }

    #[test]
    fn survives_truncated_and_hostile_input() {
        for x in ["<Key", "<Key>", "<Key>abc", "<Key/", "&", "<<<>>>", "<Key>\u{1F680}</Key"] {
            let _ = elements(x, "Key");
            let _ = first(x, "Key");
        }
    }
}

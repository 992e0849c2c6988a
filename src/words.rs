//! Trigger words found in source text, as both front ends search for them.

/// Where a word starts or ends with an identifier character, it must not continue a longer
/// identifier there (`async` must not match `WSAAsync` or `asynchronous`).
pub fn stands_alone(text: &str, start: usize, end: usize) -> bool {
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let bytes = text.as_bytes();
    let starts_ident = is_ident(bytes[start]);
    let ends_ident = is_ident(bytes[end - 1]);
    (!starts_ident || start == 0 || !is_ident(bytes[start - 1]))
        && (!ends_ident || end == bytes.len() || !is_ident(bytes[end]))
}

/// The lowercase words of an identifier written in camelCase or snake_case
/// (`GetHTTPLogger` -> `get`, `http`, `logger`).
pub fn identifier_words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut words = Vec::new();
    let mut word = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            continue;
        }
        let after_lower = i > 0 && (chars[i - 1].is_lowercase() || chars[i - 1].is_ascii_digit());
        let ends_acronym = i > 0
            && chars[i - 1].is_uppercase()
            && chars.get(i + 1).is_some_and(|n| n.is_lowercase());
        if c.is_uppercase() && (after_lower || ends_acronym) && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        word.extend(c.to_lowercase());
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::identifier_words;

    #[test]
    fn identifier_words_split_camel_and_snake_case() {
        assert_eq!(identifier_words("GetHTTPLogger"), ["get", "http", "logger"]);
        assert_eq!(identifier_words("DebugContext"), ["debug", "context"]);
        assert_eq!(identifier_words("zerolog"), ["zerolog"]);
        assert_eq!(identifier_words("access_log2"), ["access", "log2"]);
        assert_eq!(identifier_words("Login"), ["login"]);
    }
}

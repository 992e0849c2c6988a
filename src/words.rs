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

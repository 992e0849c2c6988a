//! The Go rules, one file each.

pub struct GoRule {
    pub name: &'static str,
}

pub static RULES: &[GoRule] = &[];

pub struct RustRule {
    pub name: &'static str,
}

pub static RULES: &[RustRule] = &[
    RustRule {
        name: "blocking-in-async",
    },
    RustRule {
        name: "loop-without-cancel",
    },
    RustRule {
        name: "missing-timeout",
    },
    RustRule {
        name: "spawn-captures-request",
    },
];

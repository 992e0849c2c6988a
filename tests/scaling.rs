//! No quadratic behaviour and memory in proportion to the input: doubling a file must about
//! double the work and the peak memory. Work is counted, not timed: every heap allocation
//! and every byte allocated while checking (tokens, syntax nodes, model entries, findings,
//! rendered text), on the checking thread only, so tests running alongside do not count.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use ctxlint::engine::{RunReport, Settings, check_bytes};
use ctxlint::report::{self, Format, Output};
use ctxlint::walk::Language;

struct Counting;

#[derive(Clone, Copy, Debug, Default)]
struct Work {
    allocations: usize,
    bytes: usize,
    live: usize,
    peak: usize,
}

thread_local! {
    static WORK: Cell<Work> = const {
        Cell::new(Work { allocations: 0, bytes: 0, live: 0, peak: 0 })
    };
}

fn allocated(size: usize) {
    let _ = WORK.try_with(|work| {
        let mut counted = work.get();
        counted.allocations += 1;
        counted.bytes += size;
        counted.live += size;
        counted.peak = counted.peak.max(counted.live);
        work.set(counted);
    });
}

fn freed(size: usize) {
    let _ = WORK.try_with(|work| {
        let mut counted = work.get();
        counted.live = counted.live.saturating_sub(size);
        work.set(counted);
    });
}

// SAFETY: every call is passed on to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        allocated(layout.size());
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        freed(layout.size());
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        freed(layout.size());
        allocated(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The work of checking `text` and rendering the result as JSON, as the command line does,
/// on a thread of its own with the stack the engine gives its threads.
fn work_of(language: Language, text: &str, settings: &Settings) -> Work {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(ctxlint::engine::STACK_SIZE)
            .spawn_scoped(scope, || counted_work_of(language, text, settings))
            .unwrap()
            .join()
            .unwrap()
    })
}

fn counted_work_of(language: Language, text: &str, settings: &Settings) -> Work {
    let before = WORK.with(Cell::get);
    WORK.with(|work| {
        work.set(Work {
            peak: before.live,
            ..before
        })
    });
    let path = match language {
        Language::Rust => "scaling.rs",
        Language::Go => "scaling.go",
    };
    let run = RunReport::from_reports([check_bytes(path, language, text.as_bytes(), settings)]);
    assert!(run.errors.is_empty(), "{}", run.errors[0].message);
    let output = Output {
        run: &run,
        sources: &run.sources,
        color: false,
        width: ctxlint::report::human::DEFAULT_WIDTH,
        quiet: false,
        statistics: false,
        fixes: None,
        baseline: None,
        baseline_hidden: &[],
    };
    drop(report::render(Format::Json, &output));
    drop(run);
    let after = WORK.with(Cell::get);
    Work {
        allocations: after.allocations - before.allocations,
        bytes: after.bytes - before.bytes,
        live: after.live.saturating_sub(before.live),
        peak: after.peak - before.live,
    }
}

const SLEEP: &str = "std::thread::sleep(std::time::Duration::from_secs(1));";

/// A file of `n` repetitions of something, with findings or suppressions for the rules.
struct Shape {
    name: &'static str,
    language: Language,
    text: fn(usize) -> String,
    /// The smaller `n` compared: large enough that the fixed cost of a file is lost.
    repetitions: usize,
}

fn shapes() -> Vec<Shape> {
    vec![
        Shape {
            name: "functions with findings",
            language: Language::Rust,
            text: |n| {
                (0..n)
                    .map(|i| format!("pub async fn f{i}() {{ let v = vec![1, 2]; {SLEEP} }}\n"))
                    .collect()
            },
            repetitions: 200,
        },
        Shape {
            name: "suppressed findings",
            language: Language::Rust,
            text: |n| {
                (0..n)
                    .map(|i| {
                        format!(
                            "// ctxlint: allow(blocking-in-async) why\nasync fn f{i}() {{ {SLEEP} }}\n"
                        )
                    })
                    .collect()
            },
            repetitions: 200,
        },
        Shape {
            name: "one long line",
            language: Language::Rust,
            text: |n| {
                format!(
                    "async fn f() {{ let v = [{}]; {SLEEP} }}\n",
                    "1, ".repeat(n)
                )
            },
            repetitions: 20_000,
        },
        Shape {
            name: "long method chains",
            language: Language::Rust,
            text: |n| {
                let chain = ".map(|x| x + 1)".repeat(20);
                (0..n)
                    .map(|i| format!("async fn f{i}() {{ let _ = it{chain}; {SLEEP} }}\n"))
                    .collect()
            },
            repetitions: 200,
        },
        Shape {
            name: "nesting the guard lets through",
            language: Language::Rust,
            text: |n| {
                let deep = format!("{}1{}", "(".repeat(100), ")".repeat(100));
                (0..n)
                    .map(|i| format!("async fn f{i}() {{ let _ = {deep}; {SLEEP} }}\n"))
                    .collect()
            },
            repetitions: 200,
        },
        Shape {
            name: "Go functions with findings",
            language: Language::Go,
            text: |n| {
                let functions: String = (0..n)
                    .map(|i| {
                        format!(
                            "func F{i}(id string, ctx context.Context) error {{ return nil }}\n"
                        )
                    })
                    .collect();
                format!("package p\n\nimport \"context\"\n\n{functions}")
            },
            repetitions: 200,
        },
    ]
}

#[test]
fn doubling_the_input_doubles_the_work_and_the_memory() {
    let settings = Settings::defaults();
    let ratio = |big: usize, small: usize| big as f64 / small.max(1) as f64;
    for shape in shapes() {
        let (name, language, text, n) = (shape.name, shape.language, shape.text, shape.repetitions);
        // Once first, so that one-time set-up (lazy tables, caches) is not counted.
        work_of(language, &text(n), &settings);
        let small = work_of(language, &text(n), &settings);
        let big = work_of(language, &text(2 * n), &settings);
        assert!(
            small.allocations > n,
            "{name}: too little work to compare: {small:?}"
        );
        for (what, growth) in [
            ("allocations", ratio(big.allocations, small.allocations)),
            ("bytes allocated", ratio(big.bytes, small.bytes)),
            ("peak memory", ratio(big.peak, small.peak)),
        ] {
            assert!(
                (1.6..2.5).contains(&growth),
                "{name}: doubling the input multiplied the {what} by {growth:.2} ({small:?} -> {big:?})"
            );
        }
    }
}

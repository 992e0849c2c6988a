use std::ffi::c_void;

fn main() {
    // SAFETY: nothing has called tree-sitter yet, and no other thread runs.
    unsafe { tree_sitter::set_allocator(Some(TREE_SITTER_ALLOCATOR)) };
    std::process::exit(ctxlint::cli::run(std::env::args_os()));
}

// Parsing allocates many small nodes; mimalloc measured about a third faster than the
// system allocator here, and lets the second thread help (see docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

// tree-sitter's C library allocates a node, a stack entry or a subtree at a time, through
// `malloc` unless told otherwise: it gets mimalloc too (the `mimalloc` crate links it).
unsafe extern "C" {
    fn mi_malloc(size: usize) -> *mut c_void;
    fn mi_calloc(count: usize, size: usize) -> *mut c_void;
    fn mi_realloc(ptr: *mut c_void, size: usize) -> *mut c_void;
    fn mi_free(ptr: *mut c_void);
}

const TREE_SITTER_ALLOCATOR: tree_sitter::Allocator = tree_sitter::Allocator {
    malloc: ts_malloc,
    calloc: ts_calloc,
    realloc: ts_realloc,
    free: ts_free,
};

/// Out of memory, tree-sitter's own allocator aborts rather than hand back a null pointer,
/// which its callers do not check for: so do these.
fn non_null(ptr: *mut c_void, size: usize) -> *mut c_void {
    if ptr.is_null() && size != 0 {
        std::process::abort();
    }
    ptr
}

unsafe extern "C" fn ts_malloc(size: usize) -> *mut c_void {
    // SAFETY: mimalloc's `malloc`, with `malloc`'s contract.
    non_null(unsafe { mi_malloc(size) }, size)
}

unsafe extern "C" fn ts_calloc(count: usize, size: usize) -> *mut c_void {
    // SAFETY: as above.
    non_null(
        unsafe { mi_calloc(count, size) },
        count.saturating_mul(size),
    )
}

unsafe extern "C" fn ts_realloc(ptr: *mut c_void, size: usize) -> *mut c_void {
    // SAFETY: `ptr` came from these functions, so from mimalloc.
    non_null(unsafe { mi_realloc(ptr, size) }, size)
}

unsafe extern "C" fn ts_free(ptr: *mut c_void) {
    // SAFETY: as above.
    unsafe { mi_free(ptr) }
}

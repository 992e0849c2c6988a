//! ## What it does
//! Flags a channel send `ch <- v` inside a loop, in a function with a context in scope, when
//! the send is not a case of a `select` that also waits on `ctx.Done()`, a stop channel, a
//! timer, or has a `default`. A send *inside the body* of a select case is not protected by
//! that select and is flagged too.
//!
//! ## Why is this bad
//! A send blocks until a receiver takes the value. When the receiver has gone away (it
//! returned on cancellation, or an error), the sender blocks forever and leaks, however
//! often the context is cancelled.
//!
//! ## Example
//! ```go
//! for _, job := range jobs {
//!     results <- process(ctx, job)
//! }
//! ```
//!
//! ## Use instead
//! ```go
//! for _, job := range jobs {
//!     select {
//!     case results <- process(ctx, job):
//!     case <-ctx.Done():
//!         return ctx.Err()
//!     }
//! }
//! ```
//!
//! ## Known problems
//! Silent for a send followed by `return`/`break` on a channel made with a buffer in the
//! same function (it happens once and the buffer takes it), for semaphores and self-drained queues (the same function also receives from the
//! channel), and when the channel is made in the same function with a capacity sized to the work
//! (`make(chan T, len(items))`, or the bound of the loop around the send). Buffered channels
//! of other sizes, and channels whose receiver is known to drain them, are still flagged
//! only when a context is in scope to select on.
//!
//! Test code (a `_test.go` file, a file under `testdata/`, or a file that imports `testing` or a test framework) is not checked: a test's sends synchronise with fakes it drives itself, and a
//! send that blocks fails the test rather than leaking.
//!
//! Silent for reply channels named anew in each iteration (`for req := range reqs {
//! req.reply <- v }`, `ch, ok := pending[id]; ch <- msg`): each gets one send, and whoever
//! made the channel sized it. Silent for a field channel that a `for range` in the same file
//! drains until it is closed (matched by field name), for a field made with a buffer where its
//! object is built (`&T{events: make(chan E, 128)}`, `t.events = make(chan E, 128)`), and for
//! Prometheus `Collect(ch chan<- prometheus.Metric)` sends, which the registry drains
//! (`drained_channels` in `rules/go/cancellation.toml`). A drainer in another file, or one that
//! stops on `Stop()` rather than on close, is not seen: such sends are reported although they
//! cannot block forever. Two types with a channel field of the same name are not told apart.

use crate::diagnostic::Finding;
use crate::go::knowledge::GoKnowledge;
use crate::go::model::{GoModel, Send};
use crate::go::rules::{Needs, words};

pub fn check(model: &GoModel, knowledge: &GoKnowledge) -> Vec<Finding> {
    let mut findings = Vec::new();
    // A test's sends synchronise with fakes it drives itself; a block fails the test.
    if model.is_test_code() {
        return findings;
    }
    for send in &model.sends {
        let (Some(func), Some(loop_index)) = (send.func, send.enclosing_loop) else {
            continue;
        };
        if send.guarded {
            continue;
        }
        let names = model.context_names(func);
        let Some(ctx) = names.first() else {
            continue;
        };
        if sized_to_work(model, func, &send.channel, loop_index)
            || buffered_field(model, &send.channel)
            || drained_until_closed(model, &send.channel)
            || drained_by_caller(model, knowledge, func, &send.channel)
            || semaphore(model, func, &send.channel)
            || one_shot(model, func, send)
            || reply_channel(model, send, loop_index)
        {
            continue;
        }
        findings.push(
            Finding::new(
                "send-without-cancel",
                send.span,
                format!(
                    "send on `{}` blocks forever if no one receives, and ignores `{ctx}`",
                    send.channel
                ),
            )
            .help(format!(
                "select on the send and the context:\nselect {{\ncase {} <- v:\ncase <-{ctx}.Done():\n    return {ctx}.Err()\n}}",
                send.channel
            )),
        );
    }
    findings
}

/// `errc <- err; return` on a channel made with a buffer in this function (or one it is
/// written in): the loop sends once and leaves, and the buffer takes the value.
fn one_shot(model: &GoModel, func: usize, send: &Send) -> bool {
    let after = model.source.text[send.end..].trim_start();
    if !(after.starts_with("return") || after.starts_with("break")) {
        return false;
    }
    model
        .channel_capacity(func, &send.channel)
        .flatten()
        .is_some_and(|cap| cap != "0")
}

/// A channel named anew in each iteration (`for req := range reqs { req.reply <- v }`,
/// `ch, ok := pending[id]; ch <- msg`): every channel gets one send, a reply to a request
/// whose sender made it, and sized it, elsewhere.
fn reply_channel(model: &GoModel, send: &Send, loop_index: usize) -> bool {
    let l = &model.loops[loop_index];
    let root = send
        .channel
        .split(['.', '[', '('])
        .next()
        .unwrap_or_default()
        .trim();
    l.vars.iter().any(|v| v == root)
        || model.assigns.iter().any(|a| {
            a.define
                && a.func == send.func
                && l.start < a.start
                && a.end <= send.start
                && a.lhs.iter().any(|lhs| lhs.text == root)
        })
}

/// A channel the same function also receives from is a semaphore or a queue it drains
/// itself (`sem <- token{}` ... `go func() { ..; <-sem }()`).
fn semaphore(model: &GoModel, func: usize, channel: &str) -> bool {
    let top = model.top_func(func);
    model
        .recvs
        .iter()
        .any(|r| r.channel == channel && r.func.is_some_and(|f| model.top_func(f) == top))
}

/// `ch := make(chan T, len(x))`, or a capacity that is the bound of the loop around the send,
/// in this function or one it is written in.
fn sized_to_work(model: &GoModel, func: usize, channel: &str, loop_index: usize) -> bool {
    let l = &model.loops[loop_index];
    let bound = l.condition.map(|(s, e)| model.text(s, e)).unwrap_or("");
    model
        .channel_capacity(func, channel)
        .flatten()
        .is_some_and(|cap| cap.starts_with("len(") || (!bound.is_empty() && bound.contains(cap)))
}

/// The field name of a channel expression `x.f` (or `x.y.f`).
fn field_of(channel: &str) -> Option<&str> {
    channel.rsplit_once('.').map(|(_, field)| field)
}

/// A field whose channel is made with a buffer where its object is built
/// (`s.events = make(chan Event, 128)`, `&Server{events: make(chan Event, 128)}`): its owner
/// sized the buffer for its senders.
fn buffered_field(model: &GoModel, channel: &str) -> bool {
    let Some(field) = field_of(channel) else {
        return false;
    };
    model
        .field_chan_makes
        .iter()
        .any(|(f, cap)| f == field && cap.as_deref().is_some_and(|c| c != "0"))
}

/// A channel that a `for range` in this file drains until it is closed: the receiver goes
/// on until the sender is done.
fn drained_until_closed(model: &GoModel, channel: &str) -> bool {
    model.recvs.iter().any(|r| {
        r.drains
            && match (field_of(channel), field_of(&r.channel)) {
                (Some(a), Some(b)) => a == b,
                _ => false,
            }
    })
}

/// A parameter channel whose element type is drained by the caller by contract
/// (Prometheus `Collect(ch chan<- prometheus.Metric)`: the registry reads until `Collect`
/// returns).
fn drained_by_caller(model: &GoModel, knowledge: &GoKnowledge, func: usize, channel: &str) -> bool {
    let Some(param) = model.funcs[func].params.iter().find(|p| p.name == channel) else {
        return false;
    };
    let element = param
        .ty
        .trim_start_matches("chan<-")
        .trim_start_matches("chan")
        .trim();
    let Some((local, name)) = element.split_once('.') else {
        return false;
    };
    knowledge.cancellation.drained_channels.iter().any(|d| {
        d.name == name
            && model
                .imports
                .get(local)
                .is_some_and(|path| *path == d.package)
    })
}

/// A send in a loop, in a function where a context may be in scope.
pub fn needs(knowledge: &GoKnowledge) -> Needs {
    Needs::all_of(vec![
        words(["<-"]),
        words(["for"]),
        knowledge.context_words(),
    ])
    .importing(knowledge.context_packages())
}

/// The fields whose channels a blocking send in a loop uses: any function of the file may
/// make one with a buffer, or drain it.
pub fn read_elsewhere(model: &GoModel, _: &GoKnowledge) -> Vec<String> {
    model
        .sends
        .iter()
        .filter(|send| send.enclosing_loop.is_some() && !send.guarded)
        .filter_map(|send| field_of(&send.channel).map(str::to_string))
        .collect()
}

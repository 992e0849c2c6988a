//! ## What it does
//! Flags network waits with no deadline: an `http.Client{}` literal without `Timeout` (and
//! without a custom `Transport`), `http.DefaultClient.Do(..)` in a function with no context to
//! bound it, `net.Dial` and `tls.Dial`, `http.ListenAndServe`, `http.Serve` and `ServeTLS`, gin's
//! `r.Run`/`RunTLS`/`RunFd`/`RunListener` on an engine from `gin.Default()`/`gin.New()`, and an `http.Server{}` literal
//! without `ReadHeaderTimeout` or `ReadTimeout`. The tables live in `rules/go/servers.toml`.
//! Multi-line composite literals are read whole, and a field assigned later
//! (`client.Timeout = d`) counts.
//!
//! ## Why is this bad
//! A peer that accepts the connection and then stops responding makes the wait last forever:
//! the goroutine and its connection leak, and a server without a header timeout can be held
//! open by slow clients (slowloris).
//!
//! ## Example
//! ```go
//! client := &http.Client{}
//! conn, err := net.Dial("tcp", addr)
//! ```
//!
//! ## Use instead
//! ```go
//! client := &http.Client{Timeout: 10 * time.Second}
//! conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
//! ```
//!
//! ## Known problems
//! Servers only local processes can reach are not flagged: a loopback address
//! (`http.ListenAndServe("127.0.0.1:6060", nil)`, `Addr: "localhost:8080"`), a unix-socket
//! listener (`net.Listen("unix", ..)`, `net.ListenUnix`, gin's `RunUnix`) served by
//! `http.Serve` or by every `srv.Serve` of the server in its function (`local_listeners` in the
//! table). A loopback address or unix listener reached through a helper is not seen.
//!
//! Dials to a local peer (`ln.Addr()`, loopback addresses, unix sockets) and UDP dials
//! (`local_hints` in the table) are not flagged, since such a dial cannot hang. A client with a custom
//! `Transport` is trusted, since its timeouts live in the transport.
//! Requests bounded by a context deadline through `http.DefaultClient` are not flagged when
//! the function has a context. Fields set by a helper function are not seen. A gin engine
//! is recognised only when made in the same function (`r := gin.Default()`); one returned by
//! a helper of the project is not typed.
//!
//! A `net.Dial` whose network is not a string literal (a variable set to `"udp"` or `"tcp"`
//! elsewhere) is not judged (`network_arg` in the table): a UDP or unix dial cannot hang, and
//! which one it is cannot be seen, so a TCP dial through a variable network is missed.

use crate::diagnostic::Finding;
use crate::go::knowledge::{GoKnowledge, package_of, written_name};
use crate::go::model::{Callee, Composite, ExprKind, GoModel};
use crate::go::rules::Needs;

pub fn check(model: &GoModel, knowledge: &GoKnowledge) -> Vec<Finding> {
    // Tests talk to servers they start themselves, which answer or fail at once.
    if model.is_test_code() {
        return Vec::new();
    }
    let servers = &knowledge.servers;
    let mut findings = Vec::new();
    for composite in &model.composites {
        let Some(rule) = servers.structs.iter().find(|s| s.ty == composite.ty) else {
            continue;
        };
        let set = |field: &String| {
            composite.keys.contains(field) || assigned_later(model, composite, field)
        };
        if rule.fields.iter().any(set)
            || rule.excused_by.iter().any(set)
            || local_server(model, knowledge, composite)
        {
            continue;
        }
        findings.push(
            Finding::new("missing-timeout", composite.span, rule.message.clone())
                .help(rule.help.clone()),
        );
    }
    for call in &model.calls {
        if let Callee::Method { recv, name, .. } = &call.callee
            && let Some(ty) = model.type_of(call.func, recv)
            && let Some(rule) = servers
                .methods
                .iter()
                .find(|m| m.receivers.contains(&ty) && m.names.contains(name))
        {
            findings.push(
                Finding::new("missing-timeout", call.span, rule.message.clone())
                    .help(rule.help.clone()),
            );
        }
        let Callee::Pkg { path, name } = &call.callee else {
            continue;
        };
        if let Some(rule) = servers
            .calls
            .iter()
            .find(|c| &c.package == path && c.names.contains(name))
        {
            let local = call.args.iter().any(|a| {
                let text = model.text(a.start, a.end);
                rule.local_hints.iter().any(|h| text.contains(h.as_str()))
            });
            let network_unknown = rule.network_arg.is_some_and(|position| {
                call.args
                    .get(position)
                    .is_none_or(|a| !model.text(a.start, a.end).starts_with(['"', '`']))
            });
            let local_listener = rule.listener_arg.is_some_and(|position| {
                call.args.get(position).is_some_and(|a| {
                    local_listener(model, knowledge, call.func, model.text(a.start, a.end))
                })
            });
            if local || network_unknown || local_listener {
                continue;
            }
            findings.push(
                Finding::new("missing-timeout", call.span, rule.message.clone())
                    .help(rule.help.clone()),
            );
        }
    }
    for reference in &model.pkg_refs {
        let Some(rule) = servers
            .values
            .iter()
            .find(|v| v.package == reference.path && v.name == reference.name)
        else {
            continue;
        };
        // Only `http.DefaultClient.Do(..)`: the context-less `Get`/`Post`/.. are
        // call-without-context's, and a bare reference may be a fallback value. A request
        // handed over with a context (`Do(req.WithContext(ctx))`) ends with that context.
        let called = model.calls.iter().any(|c| {
            c.start == reference.start
                && matches!(&c.callee, Callee::Method { recv_pkg: Some(_), name, .. } if name == "Do")
                && !c.args.iter().any(|arg| {
                    matches!(&arg.kind, ExprKind::Call(callee) if callee.method_name() == Some("WithContext"))
                })
        });
        if !called {
            continue;
        }
        if reference
            .func
            .is_some_and(|f| !model.context_names(f).is_empty())
        {
            continue;
        }
        findings.push(
            Finding::new("missing-timeout", reference.span, rule.message.clone())
                .help(rule.help.clone()),
        );
    }
    findings
}

/// `v := &http.Client{..}` followed by `v.Timeout = ..` in the same function.
fn assigned_later(model: &GoModel, composite: &Composite, field: &str) -> bool {
    let Some((assign_end, var)) = composite_variable(model, composite) else {
        return false;
    };
    let target = format!("{var}.{field}");
    model
        .assigns
        .iter()
        .any(|a| a.start > assign_end && a.lhs.iter().any(|l| l.text == target))
}

/// The name a composite literal is assigned to in its function, with the assignment's end.
fn composite_variable<'m>(model: &'m GoModel, composite: &Composite) -> Option<(usize, &'m str)> {
    let assign = model.assigns.iter().find(|a| {
        a.func == composite.func
            && a.rhs
                .iter()
                .any(|&(s, e)| s <= composite.start && composite.end <= e)
    })?;
    Some((assign.end, assign.lhs.first()?.text.as_str()))
}

/// A server literal only local processes can reach: its address names a loopback address
/// (`Addr: "127.0.0.1:6060"`), or it serves a unix-socket listener (`srv.Serve(unixLn)`).
fn local_server(model: &GoModel, knowledge: &GoKnowledge, composite: &Composite) -> bool {
    let Some(rule) = knowledge
        .servers
        .structs
        .iter()
        .find(|s| s.ty == composite.ty)
    else {
        return false;
    };
    let text = model.text(composite.start, composite.end);
    let address = rule.address_field.as_deref().and_then(|field| {
        text.match_indices(field)
            .find(|&(at, _)| {
                crate::words::stands_alone(text, at, at + field.len())
                    && text[at + field.len()..].trim_start().starts_with(':')
            })
            .map(|(at, _)| field_value(&text[at + field.len()..]))
    });
    if address.is_some_and(|a| rule.local_hints.iter().any(|h| a.contains(h.as_str()))) {
        return true;
    }
    let Some((_, var)) = composite_variable(model, composite) else {
        return false;
    };
    let top = |f: Option<usize>| f.map(|f| model.top_func(f));
    let serves: Vec<_> = model
        .calls
        .iter()
        .filter(|c| {
            top(c.func) == top(composite.func)
                && matches!(&c.callee, Callee::Method { recv, name, .. }
                    if recv == var && rule.serve_methods.contains(name))
        })
        .collect();
    !serves.is_empty()
        && serves.iter().all(|c| {
            c.args.first().is_some_and(|a| {
                local_listener(model, knowledge, c.func, model.text(a.start, a.end))
            })
        })
}

/// The value of a keyed field, from the text after its key (`: fmt.Sprintf("%s:%d", h, p),
/// Handler: h}`): up to the comma or brace that ends it, outside brackets and strings.
fn field_value(after_key: &str) -> &str {
    let value = after_key.trim_start().trim_start_matches(':');
    let mut depth = 0usize;
    let mut quote = None;
    let mut escaped = false;
    for (at, c) in value.char_indices() {
        match (quote, c) {
            (Some(_), _) if escaped => escaped = false,
            (Some('"'), '\\') => escaped = true,
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '`' | '\'') => quote = Some(c),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']' | '}') if depth > 0 => depth -= 1,
            (None, ',' | '}' | '\n') if depth == 0 => return &value[..at],
            _ => {}
        }
    }
    value
}

/// Whether `name` holds a unix-socket listener: assigned from `net.ListenUnix(..)` or
/// `net.Listen("unix", ..)` in the same function, or, for a field (`s.ln`), anywhere in the
/// file.
fn local_listener(
    model: &GoModel,
    knowledge: &GoKnowledge,
    func: Option<usize>,
    name: &str,
) -> bool {
    let listeners = &knowledge.servers.local_listeners;
    model.assigns.iter().any(|a| {
        (a.func == func || name.contains('.'))
            && a.lhs.first().is_some_and(|l| l.text == name)
            && a.rhs_call.is_some_and(|call| {
                let call = &model.calls[call];
                matches!(&call.callee, Callee::Pkg { path, name }
                    if *path == listeners.package && listeners.names.contains(name))
                    && call.args.first().is_some_and(|network| {
                        let network = model.text(network.start, network.end);
                        listeners.networks.iter().any(|n| n == network)
                    })
            })
    })
}

/// A listed struct type, or a field that sets its deadline later; a listed call, method or
/// package value. Each is named through its package's import.
pub fn needs(knowledge: &GoKnowledge) -> Needs {
    let servers = &knowledge.servers;
    let structs = servers.structs.iter().map(|s| {
        let fields = s.fields.iter().chain(&s.excused_by).map(String::as_str);
        Needs::any_of(std::iter::once(written_name(&s.ty)).chain(fields))
            .importing(package_of(&s.ty))
    });
    let calls = servers
        .calls
        .iter()
        .map(|c| Needs::any_of(&c.names).importing([&c.package]));
    let methods = servers.methods.iter().map(|m| {
        Needs::any_of(&m.names).importing(m.receivers.iter().filter_map(|t| package_of(t)))
    });
    let values = servers
        .values
        .iter()
        .map(|v| Needs::any_of([&v.name]).importing([&v.package]));
    structs
        .chain(calls)
        .chain(methods)
        .chain(values)
        .fold(Needs::default(), Needs::or)
}

#[cfg(test)]
mod tests {
    use super::field_value;

    #[test]
    fn a_field_value_ends_at_its_own_comma_or_brace() {
        assert_eq!(
            field_value(r#": fmt.Sprintf("127.0.0.1:%d", port), Handler: h}"#).trim(),
            r#"fmt.Sprintf("127.0.0.1:%d", port)"#
        );
        assert_eq!(field_value(": addr}").trim(), "addr");
        assert_eq!(field_value(r#": "a,}b", X: 1"#).trim(), r#""a,}b""#);
        assert_eq!(field_value(": addr\n\tHandler: h,").trim(), "addr");
    }
}

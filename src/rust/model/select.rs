//! Macro bodies that hold code: `select!`, `join!` and `try_join!` re-parsed branch by branch,
//! other macros parsed as arguments or, failing that, scanned token by token.

use std::collections::BTreeSet;

use proc_macro2::{TokenStream, TokenTree};
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{Expr, Token};

use super::builder::Builder;
use super::spans::*;
use super::syntax::*;
use super::*;

impl Builder<'_> {
    /// A macro whose body is code: `select!`, `join!`, or any macro whose arguments parse as
    /// expressions. Other macros are scanned token by token.
    pub(super) fn visit_macro_body(&mut self, mac: &syn::Macro) {
        let name = last_segment(&mac.path);
        let span = span_of(mac.path.span());
        match name.as_str() {
            "select" | "select_biased" => {
                if let Ok(branches) = parse_select.parse2(mac.tokens.clone()) {
                    self.visit_select(span, &branches, name == "select_biased");
                    self.keep_alive(branches);
                    return;
                }
            }
            "join" | "try_join" => {
                if let Ok(futures) = parse_join.parse2(mac.tokens.clone()) {
                    self.mark_await(span);
                    for future in &futures {
                        self.mark_awaited(future);
                        self.mark_future_expr(future);
                        self.visit_expr(future);
                    }
                    self.keep_alive(futures);
                    return;
                }
            }
            _ => {}
        }
        let parser = Punctuated::<Expr, Token![,]>::parse_terminated;
        match parser.parse2(mac.tokens.clone()) {
            Ok(args) => {
                for arg in &args {
                    self.visit_expr(arg);
                }
                if name == "pin_mut" || name == "pin" {
                    for arg in &args {
                        self.mark_future_expr(arg);
                    }
                }
                self.keep_alive(args);
            }
            Err(_) => self.scan_tokens(mac.tokens.clone()),
        }
    }

    /// Unparsed macro tokens: identifiers are uses and may observe cancellation; `break`,
    /// `return` and `?` are taken as exits and `.await` as an await point.
    pub(super) fn scan_tokens(&mut self, tokens: TokenStream) {
        let mut previous_dot = false;
        for token in tokens {
            match token {
                TokenTree::Ident(ident) => {
                    let name = ident.to_string();
                    match name.as_str() {
                        "await" if previous_dot => self.mark_await(span_of(ident.span())),
                        "break" | "return" => self.mark_exit_all(),
                        _ => {
                            self.observe_name(&name);
                            self.use_variable(&name);
                        }
                    }
                    previous_dot = false;
                }
                TokenTree::Punct(punct) => {
                    if punct.as_char() == '?' {
                        self.mark_exit_all();
                    }
                    previous_dot = punct.as_char() == '.';
                }
                TokenTree::Group(group) => {
                    self.scan_tokens(group.stream());
                    previous_dot = false;
                }
                TokenTree::Literal(_) => previous_dot = false,
            }
        }
    }

    pub(super) fn visit_select(&mut self, span: Span, parsed: &ParsedSelect, biased_macro: bool) {
        let deadline = &self.knowledge.timeouts.deadline_branches;
        let has_deadline_branch = parsed.branches.iter().any(|branch| {
            branch.future.as_ref().is_some_and(|future| {
                let chain = self.chain_of(future);
                let last = chain.methods.last().cloned().or_else(|| {
                    chain
                        .root_path()
                        .map(|p| p.rsplit("::").next().unwrap_or(p).to_string())
                });
                last.is_some_and(|last| deadline.contains(&last))
            })
        });
        let index = self.model.selects.len();
        let branches = parsed
            .branches
            .iter()
            .map(|branch| match &branch.future {
                Some(future) => SelectBranch {
                    pattern: branch.pattern.clone(),
                    is_else: false,
                    has_guard: branch.guard.is_some(),
                    future_span: span_of(future.span()),
                    future_chain: self.chain_of(future),
                    future_is_reference: is_reference_future(future),
                    future_names: quote::ToTokens::to_token_stream(future)
                        .into_iter()
                        .flat_map(flatten_tokens)
                        .collect(),
                    future_variable: match future {
                        Expr::Path(path) if path.qself.is_none() => {
                            path.path.get_ident().map(|ident| ident.to_string())
                        }
                        _ => None,
                    },
                    reference_variable: referenced_variable(future),
                    handler_exits: contains_exit(&branch.handler),
                    calls: 0..0,
                },
                None => SelectBranch {
                    pattern: String::new(),
                    is_else: true,
                    has_guard: false,
                    future_span: span_of(branch.handler.span()),
                    future_chain: Chain::default(),
                    future_is_reference: false,
                    future_variable: None,
                    reference_variable: None,
                    future_names: BTreeSet::new(),
                    handler_exits: contains_exit(&branch.handler),
                    calls: 0..0,
                },
            })
            .collect();
        self.model.selects.push(Select {
            span,
            biased: parsed.biased || biased_macro,
            branches,
            has_deadline_branch,
            scope: self.scope.clone(),
        });
        self.mark_await(span);
        for (position, branch) in parsed.branches.iter().enumerate() {
            let saved = self.scope.clone();
            let reference = |part| {
                Some(BranchRef {
                    select: index,
                    branch: position,
                    part,
                })
            };
            if let Some(future) = &branch.future {
                self.scope.select_branch = reference(BranchPart::Future);
                self.scope.in_timeout |= has_deadline_branch;
                self.scope.cancellable |= parsed.branches.len() > 1;
                self.mark_awaited(future);
                self.mark_future_expr(future);
                if has_deadline_branch {
                    self.mark_deadline_polled(future);
                }
                let first = self.model.calls.len();
                self.visit_expr(future);
                self.model.selects[index].branches[position].calls = first..self.model.calls.len();
                self.scope.in_timeout = saved.in_timeout;
                self.scope.cancellable = saved.cancellable;
            }
            if let Some(guard) = &branch.guard {
                self.scope.select_branch = reference(BranchPart::Guard);
                self.visit_expr(guard);
            }
            self.scope.select_branch = reference(BranchPart::Handler);
            self.in_block(|this| {
                if let Some(pattern) = &branch.pat {
                    let info = this.plain_binding();
                    this.bind_pattern(pattern, &info);
                    this.visit_pat(pattern);
                }
                this.visit_expr(&branch.handler);
            });
            self.scope = saved;
        }
    }
}

pub(super) struct ParsedBranch {
    pub(super) pat: Option<syn::Pat>,
    pub(super) pattern: String,
    /// `None` for the `else` branch.
    pub(super) future: Option<Expr>,
    pub(super) guard: Option<Expr>,
    pub(super) handler: Expr,
}

pub(super) struct ParsedSelect {
    pub(super) biased: bool,
    pub(super) branches: Vec<ParsedBranch>,
}

/// `[biased;] pattern = future [, if guard] => handler [,] ... [else => handler]`
pub(super) fn parse_select(input: ParseStream) -> syn::Result<ParsedSelect> {
    let mut biased = false;
    if input.peek(syn::Ident) && input.fork().parse::<syn::Ident>()? == "biased" {
        input.parse::<syn::Ident>()?;
        input.parse::<Token![;]>()?;
        biased = true;
    }
    let mut branches = Vec::new();
    while !input.is_empty() {
        if input.peek(Token![else])
            || input.peek(syn::Ident) && input.fork().parse::<syn::Ident>()? == "default"
        {
            if input.peek(Token![else]) {
                input.parse::<Token![else]>()?;
            } else {
                input.parse::<syn::Ident>()?;
            }
            input.parse::<Token![=>]>()?;
            let handler = parse_handler(input)?;
            branches.push(ParsedBranch {
                pat: None,
                pattern: String::new(),
                future: None,
                guard: None,
                handler,
            });
            continue;
        }
        let pat = syn::Pat::parse_multi_with_leading_vert(input)?;
        input.parse::<Token![=]>()?;
        let future = input.call(Expr::parse_without_eager_brace)?;
        let mut guard = None;
        if input.peek(Token![,]) && input.peek2(Token![if]) {
            input.parse::<Token![,]>()?;
            input.parse::<Token![if]>()?;
            guard = Some(input.parse::<Expr>()?);
        } else if input.peek(Token![if]) {
            input.parse::<Token![if]>()?;
            guard = Some(input.parse::<Expr>()?);
        }
        input.parse::<Token![=>]>()?;
        let handler = parse_handler(input)?;
        branches.push(ParsedBranch {
            pattern: quote::ToTokens::to_token_stream(&pat).to_string(),
            pat: Some(pat),
            future: Some(future),
            guard,
            handler,
        });
    }
    Ok(ParsedSelect { biased, branches })
}

pub(super) fn parse_handler(input: ParseStream) -> syn::Result<Expr> {
    let handler: Expr = input.parse()?;
    if input.peek(Token![,]) {
        input.parse::<Token![,]>()?;
    } else if !input.is_empty() && !matches!(handler, Expr::Block(_)) {
        return Err(input.error("expected `,` after a select! branch"));
    }
    Ok(handler)
}

/// `[biased;] future, future, ...`
pub(super) fn parse_join(input: ParseStream) -> syn::Result<Vec<Expr>> {
    if input.peek(syn::Ident) && input.peek2(Token![;]) {
        input.parse::<syn::Ident>()?;
        input.parse::<Token![;]>()?;
    }
    let futures = Punctuated::<Expr, Token![,]>::parse_terminated(input)?;
    Ok(futures.into_iter().collect())
}

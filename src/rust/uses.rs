//! `use` declarations, so that a call can be judged by the path it really names:
//! `use std::thread::sleep; sleep(d)` is `std::thread::sleep`, `use tokio::fs; fs::read(p)`
//! is `tokio::fs::read`.

use std::collections::HashMap;

use syn::visit::Visit;

#[derive(Debug, Default)]
pub struct Uses {
    /// The name a `use` brings into scope, mapped to the full path it stands for.
    names: HashMap<String, String>,
    /// The crates or modules of every `use` (first segment), e.g. `diesel`.
    roots: Vec<String>,
}

impl Uses {
    /// Collects every `use` in the file, at any depth. Scoping is ignored: a name imported
    /// differently in two modules of one file keeps the first import.
    pub fn collect(file: &syn::File) -> Uses {
        let mut uses = Uses::default();
        uses.visit_file(file);
        uses
    }

    fn add_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(path) => {
                prefix.push(path.ident.to_string());
                self.add_tree(prefix, &path.tree);
                prefix.pop();
            }
            syn::UseTree::Name(name) => {
                let ident = name.ident.to_string();
                if ident == "self" {
                    if let Some(last) = prefix.last() {
                        self.insert(last.clone(), prefix.join("::"));
                    }
                } else {
                    let mut full = prefix.clone();
                    full.push(ident.clone());
                    self.insert(ident, full.join("::"));
                }
            }
            syn::UseTree::Rename(rename) => {
                let mut full = prefix.clone();
                let ident = rename.ident.to_string();
                if ident != "self" {
                    full.push(ident);
                }
                let alias = rename.rename.to_string();
                if alias != "_" {
                    self.insert(alias, full.join("::"));
                }
            }
            syn::UseTree::Glob(_) => {
                if let Some(root) = prefix.first() {
                    self.add_root(root);
                }
            }
            syn::UseTree::Group(group) => {
                for tree in &group.items {
                    self.add_tree(prefix, tree);
                }
            }
        }
    }

    fn insert(&mut self, name: String, path: String) {
        if let Some(root) = path.split("::").next() {
            self.add_root(root);
        }
        self.names.entry(name).or_insert(path);
    }

    fn add_root(&mut self, root: &str) {
        if !self.roots.iter().any(|r| r == root) {
            self.roots.push(root.to_string());
        }
    }

    /// The full path a path expression or type names, as far as this file's `use`s tell.
    pub fn resolve(&self, path: &syn::Path) -> String {
        let mut segments = path.segments.iter().map(|s| s.ident.to_string());
        let Some(first) = segments.next() else {
            return String::new();
        };
        let head = if path.leading_colon.is_some() {
            first
        } else {
            match self.names.get(&first) {
                Some(full) => full.clone(),
                None => first,
            }
        };
        let mut resolved = head;
        for segment in segments {
            resolved.push_str("::");
            resolved.push_str(&segment);
        }
        resolved
    }

    /// Whether a `use` brings `name` (a trait, a type) into scope.
    pub fn imports(&self, name: &str) -> bool {
        self.names.contains_key(name)
    }

    /// Whether any `use` names something in `krate`.
    pub fn uses_crate(&self, krate: &str) -> bool {
        self.roots.iter().any(|root| root == krate)
    }
}

impl<'ast> Visit<'ast> for Uses {
    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        self.add_tree(&mut Vec::new(), &item.tree);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(source: &str, path: &str) -> String {
        let file = syn::parse_file(source).unwrap();
        let uses = Uses::collect(&file);
        uses.resolve(&syn::parse_str(path).unwrap())
    }

    #[test]
    fn resolves_names_modules_groups_and_renames() {
        let source = "use std::thread::sleep; use tokio::{fs, net::TcpStream as Tcp};\
                      use std::sync::mpsc::{self, channel};";
        assert_eq!(resolve(source, "sleep"), "std::thread::sleep");
        assert_eq!(resolve(source, "fs::read"), "tokio::fs::read");
        assert_eq!(
            resolve(source, "Tcp::connect"),
            "tokio::net::TcpStream::connect"
        );
        assert_eq!(resolve(source, "mpsc::channel"), "std::sync::mpsc::channel");
        assert_eq!(resolve(source, "channel"), "std::sync::mpsc::channel");
        assert_eq!(resolve(source, "other::thing"), "other::thing");
        assert_eq!(resolve(source, "::std::fs::read"), "std::fs::read");
    }
}

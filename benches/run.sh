#!/usr/bin/env bash
# Speed benchmark of ctxlint against ripgrep, ast-grep and semgrep on a corpus of real async
# crates (see docs/performance.md for what it measures and how to read the results).
#
#   bash benches/run.sh [--go]
#
#   --go       also install the Go corpus of benches/go-corpus.sh (Debian's golang-*-dev
#              packages and the Go standard library, with apt) and time ctxlint and
#              ripgrep on it; without it, Go sources already under /usr/share/gocode/src
#              are timed if present.
#
# Environment:
#   RUNS=5        timed runs per command (after WARMUP untimed ones)
#   WARMUP=1      untimed runs per command
#   SLOW_RUNS     timed runs for ast-grep and semgrep (default: RUNS); both take minutes
#                 per run on the whole corpus
#   SLOW_WARMUP   untimed runs for ast-grep and semgrep (default: WARMUP)
#   AST_GREP_VERSION=0.51.1, SEMGREP_VERSION=1.182.0   what to install when missing
#   SKIP_AST_GREP=1, SKIP_SEMGREP=1   leave that tool out
#   RESULTS_DIR   where hyperfine's JSON goes (default: target/bench-results)
#   REPORT_ONLY=1 time nothing that RESULTS_DIR already has a result for: prints the
#                 report again from the last run's JSON (the corpus is still measured)
#
# Progress goes to stderr; the results, as Markdown, go to stdout:
#   bash benches/run.sh > results.md
set -euo pipefail

RUNS="${RUNS:-5}"
WARMUP="${WARMUP:-1}"
SLOW_RUNS="${SLOW_RUNS:-$RUNS}"
SLOW_WARMUP="${SLOW_WARMUP:-$WARMUP}"
AST_GREP_VERSION="${AST_GREP_VERSION:-0.51.1}"
SEMGREP_VERSION="${SEMGREP_VERSION:-1.182.0}"
GO=0
for arg in "$@"; do
    case "$arg" in
        --go) GO=1 ;;
        -h | --help)
            sed -n '2,24p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "run.sh: unknown argument: $arg" >&2
            exit 2
            ;;
    esac
done

say() { echo "run.sh: $*" >&2; }

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
tools="$root/benches/.tools"
results="${RESULTS_DIR:-$root/target/bench-results}"
mkdir -p "$results"

# --- tools ------------------------------------------------------------------------------

apt_updated=0
# apt_install PACKAGE: installs a Debian package if apt-get can be used here; fails otherwise.
apt_install() {
    local package="$1" sudo=""
    command -v apt-get > /dev/null || return 1
    if [ "$(id -u)" != 0 ]; then
        command -v sudo > /dev/null && sudo -n true 2> /dev/null || return 1
        sudo="sudo -n"
    fi
    if [ "$apt_updated" = 0 ]; then
        say "apt-get update"
        $sudo apt-get update -qq >&2 || true
        apt_updated=1
    fi
    say "apt-get install -y $package"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$package" >&2
}

# need COMMAND PACKAGE: makes sure COMMAND exists, installing PACKAGE with apt if it does not.
need() {
    local command="$1" package="$2"
    if ! command -v "$command" > /dev/null && [ ! -x "$command" ]; then
        if ! apt_install "$package"; then
            say "$command is missing and apt-get could not install it."
            say "Install it by hand (Debian/Ubuntu: apt-get install $package; or 'cargo install $package') and run again."
            exit 1
        fi
    fi
}

need hyperfine hyperfine
need rg ripgrep
need /usr/bin/time time
need python3 python3

# ast-grep from the npm package @ast-grep/cli (its binary ships inside the package),
# installed into benches/.tools so that nothing outside the repository is touched.
ast_grep=""
if [ "${SKIP_AST_GREP:-0}" = 1 ]; then
    say "ast-grep: skipped (SKIP_AST_GREP=1)"
elif [ -x "$tools/node_modules/.bin/ast-grep" ]; then
    ast_grep="$tools/node_modules/.bin/ast-grep"
elif command -v npm > /dev/null; then
    say "installing @ast-grep/cli@$AST_GREP_VERSION into benches/.tools"
    if npm install --prefix "$tools" --no-audit --no-fund "@ast-grep/cli@$AST_GREP_VERSION" >&2 &&
        [ -x "$tools/node_modules/.bin/ast-grep" ]; then
        ast_grep="$tools/node_modules/.bin/ast-grep"
    else
        say "ast-grep: skipped, 'npm install @ast-grep/cli' failed"
    fi
else
    say "ast-grep: skipped, npm is not installed (install Node.js and npm, then run again)"
fi

# semgrep from PyPI, in a virtual environment under benches/.tools.
semgrep=""
if [ "${SKIP_SEMGREP:-0}" = 1 ]; then
    say "semgrep: skipped (SKIP_SEMGREP=1)"
elif [ -x "$tools/semgrep-venv/bin/semgrep" ]; then
    semgrep="$tools/semgrep-venv/bin/semgrep"
else
    say "installing semgrep==$SEMGREP_VERSION into benches/.tools/semgrep-venv"
    if python3 -m venv "$tools/semgrep-venv" >&2 &&
        "$tools/semgrep-venv/bin/pip" install -q "semgrep==$SEMGREP_VERSION" >&2 &&
        [ -x "$tools/semgrep-venv/bin/semgrep" ]; then
        semgrep="$tools/semgrep-venv/bin/semgrep"
    else
        say "semgrep: skipped, 'pip install semgrep' failed"
    fi
fi

# --- ctxlint and the corpus -------------------------------------------------------------

say "cargo build --release"
cargo build --release >&2
ctxlint="$root/target/release/ctxlint"

say "fetching the corpus (benches/corpus-dirs.sh)"
# Through files, so that a failure of corpus-dirs.sh stops this script (set -e).
for fraction in 1 1/2 1/4; do
    bash benches/corpus-dirs.sh --fraction "$fraction" > "$results/corpus-dirs-${fraction/\//-of-}.txt"
done
mapfile -t dirs_all < "$results/corpus-dirs-1.txt"
mapfile -t dirs_half < "$results/corpus-dirs-1-of-2.txt"
mapfile -t dirs_quarter < "$results/corpus-dirs-1-of-4.txt"
if [ "${#dirs_all[@]}" = 0 ]; then
    say "the corpus is empty: did cargo fetch fail?"
    exit 1
fi

# quote DIR...: the directories as one shell-quoted string, for hyperfine's command line.
quote() { printf '%q ' "$@"; }

# size EXT DIR...: prints "files bytes lines" of the regular files ending in .EXT below the
# directories. Like ctxlint's walk, it skips hidden entries and directories named `target`
# and does not follow symbolic links.
size() {
    python3 - "$@" << 'EOF'
import os, sys

ext = "." + sys.argv[1]
files = size = lines = 0
for top in sys.argv[2:]:
    for base, subdirs, names in os.walk(top):
        subdirs[:] = [d for d in subdirs if not d.startswith(".") and d != "target"]
        for name in names:
            path = os.path.join(base, name)
            if name.endswith(ext) and not name.startswith(".") and os.path.isfile(path) \
                    and not os.path.islink(path):
                files += 1
                with open(path, "rb") as handle:
                    data = handle.read()
                size += len(data)
                lines += data.count(b"\n")
print(files, size, lines)
EOF
}

# median FILE: the median time, in seconds, from a hyperfine JSON export.
median() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["median"])' "$1"; }

# bench NAME RUNS WARMUP COMMAND: times COMMAND with hyperfine; JSON to $results/NAME.json.
bench() {
    local name="$1" runs="$2" warmup="$3" command="$4"
    if [ "${REPORT_ONLY:-0}" = 1 ] && [ -f "$results/$name.json" ]; then
        say "$name: REPORT_ONLY=1, using $results/$name.json"
        return
    fi
    say "timing $name ($warmup warmup, $runs runs)"
    hyperfine --style basic --warmup "$warmup" --runs "$runs" \
        --export-json "$results/$name.json" --command-name "$name" "$command" >&2
}

read -r files bytes lines < <(size rs "${dirs_all[@]}")
read -r files_half bytes_half _ < <(size rs "${dirs_half[@]}")
read -r files_quarter bytes_quarter _ < <(size rs "${dirs_quarter[@]}")

# One run under /usr/bin/time for the peak memory (and a first check that ctxlint runs).
if [ "${REPORT_ONLY:-0}" = 1 ] && [ -f "$results/ctxlint-time.txt" ]; then
    say "peak RSS: REPORT_ONLY=1, using $results/ctxlint-time.txt"
else
    say "ctxlint once under /usr/bin/time -v"
    if ! /usr/bin/time -v -o "$results/ctxlint-time.txt" "$ctxlint" --quiet --exit-zero \
        --timings "${dirs_all[@]}" > "$results/ctxlint-output.txt" \
        2> "$results/ctxlint-timings.txt"; then
        say "ctxlint failed on the corpus: see $results/ctxlint-output.txt and ctxlint-time.txt"
        exit 1
    fi
fi
peak_kb="$(sed -n 's/.*Maximum resident set size (kbytes): *//p' "$results/ctxlint-time.txt")"

all_q="$(quote "${dirs_all[@]}")"
bench ctxlint "$RUNS" "$WARMUP" "$(quote "$ctxlint") --quiet --exit-zero $all_q"
bench rg "$RUNS" "$WARMUP" "rg -c -t rust 'tokio::spawn' $all_q"
if [ -n "$ast_grep" ]; then
    bench ast-grep "$SLOW_RUNS" "$SLOW_WARMUP" \
        "$(quote "$ast_grep") run -p 'tokio::spawn(\$\$\$)' -l rust $all_q"
fi
if [ -n "$semgrep" ]; then
    # The same single pattern; every file is a target (no .semgrepignore defaults such as
    # tests/, no size limit), and nothing is sent anywhere.
    bench semgrep "$SLOW_RUNS" "$SLOW_WARMUP" \
        "$(quote "$semgrep") scan --lang rust -e 'tokio::spawn(...)' --metrics=off --disable-version-check --quiet --no-git-ignore --x-ignore-semgrepignore-files --max-target-bytes 0 -j $(nproc) $all_q"
fi

# The same run on one thread: what the other cores buy.
bench ctxlint-1-thread "$RUNS" "$WARMUP" "$(quote "$ctxlint") --quiet --exit-zero --threads 1 $all_q"
bench ctxlint-half "$RUNS" "$WARMUP" "$(quote "$ctxlint") --quiet --exit-zero $(quote "${dirs_half[@]}")"
bench ctxlint-quarter "$RUNS" "$WARMUP" "$(quote "$ctxlint") --quiet --exit-zero $(quote "${dirs_quarter[@]}")"

# --- Go ---------------------------------------------------------------------------------

go_dirs=()
if [ "$GO" = 1 ]; then
    mapfile -t go_dirs < <(bash "$root/benches/go-corpus.sh") || say "could not install the Go corpus"
elif [ -d /usr/share/gocode/src ]; then
    go_dirs=(/usr/share/gocode/src)
fi
go_done=0
if [ ${#go_dirs[@]} -gt 0 ]; then
    read -r go_files go_bytes go_lines < <(size go "${go_dirs[@]}")
    bench go-ctxlint "$RUNS" "$WARMUP" "$(quote "$ctxlint") --quiet --exit-zero $(quote "${go_dirs[@]}")"
    bench go-rg "$RUNS" "$WARMUP" "rg -c -t go 'go func' $(quote "${go_dirs[@]}")"
    go_done=1
else
    say "no Go sources: Go part skipped (run with --go to install some)"
fi

# --- report -----------------------------------------------------------------------------

# The commit checked out, and the last one that changed the linter itself.
commit="$(git -C "$root" rev-parse --short HEAD 2> /dev/null || echo unknown)"
source_commit="$(git -C "$root" log -1 --format=%h -- src Cargo.toml Cargo.lock 2> /dev/null || echo unknown)"
dirty=""
if [ -n "$(git -C "$root" status --porcelain --untracked-files=no -- src Cargo.toml Cargo.lock 2> /dev/null)" ]; then
    dirty=", with uncommitted changes to the linter"
fi
tool_versions="$(hyperfine --version), $(rg --version | sed -n 1p)"
if [ -n "$ast_grep" ]; then
    tool_versions="$tool_versions, $("$ast_grep" --version)"
else
    tool_versions="$tool_versions, ast-grep skipped"
fi
if [ -n "$semgrep" ]; then
    # Not `semgrep --version`: it prints the version, then waits for the network.
    tool_versions="$tool_versions, semgrep $("$(dirname "$semgrep")/python3" -c \
        'import importlib.metadata as m; print(m.version("semgrep"))')"
else
    tool_versions="$tool_versions, semgrep skipped"
fi
# No `| head` here: with pipefail, a writer cut off by head fails the script.
cpu="$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2> /dev/null || true)"

t_ctx="$(median "$results/ctxlint.json")"
t_rg="$(median "$results/rg.json")"

python3 - << EOF
import json

def med(name):
    with open("$results/" + name + ".json") as f:
        return json.load(f)["results"][0]["median"]

def mb(b):
    return b / 1e6

files, size, lines = $files, $bytes, $lines
t_ctx, t_rg = $t_ctx, $t_rg
print("### Results of \`bash benches/run.sh\`")
print()
print("- date: $(date -u '+%Y-%m-%d %H:%M UTC')")
print("- ctxlint commit: \`$commit\` (last change to the linter's sources: \`$source_commit\`$dirty)")
print("- machine: $(nproc) cores, ${cpu:-unknown CPU}, $(uname -sr)")
print("- tools: $tool_versions")
print("- corpus: ${#dirs_all[@]} packages, %d .rs files, %.1f MB, %.2f M lines" % (files, mb(size), lines / 1e6))
print("- runs: $WARMUP warmup + $RUNS timed (ast-grep and semgrep: $SLOW_WARMUP warmup + $SLOW_RUNS timed); times are medians")
print()
print("| command | median (s) | ctxlint / this |")
print("| --- | ---: | ---: |")
print("| \`ctxlint --quiet --exit-zero\` (all rules) | %.3f | 1.00 |" % t_ctx)
print("| \`rg -c -t rust 'tokio::spawn'\` | %.3f | %.3g |" % (t_rg, t_ctx / t_rg))
if "$ast_grep":
    t = med("ast-grep")
    print("| \`ast-grep run -p 'tokio::spawn(\$\$\$)' -l rust\` | %.3f | %.3g |" % (t, t_ctx / t))
if "$semgrep":
    t = med("semgrep")
    print("| \`semgrep scan --lang rust -e 'tokio::spawn(...)'\` | %.3f | %.3g |" % (t, t_ctx / t))
print()
print("ctxlint throughput: %.0f files/s, %.1f MB/s; peak RSS of one run: %.1f MB" %
      (files / t_ctx, mb(size) / t_ctx, int("${peak_kb:-0}") / 1024))
t_one = med("ctxlint-1-thread")
print()
print("Threads: %.3f s on 1 thread, %.3f s on all $(nproc): %.2fx faster" % (t_one, t_ctx, t_one / t_ctx))
phases = {}
for line in open("$results/ctxlint-timings.txt"):
    words = line.split()  # "  project index   0.096 s"
    if len(words) >= 3 and words[-1] == "s":
        phases[" ".join(words[:-2])] = float(words[-2])
cpu = sum(t for name, t in phases.items() if name != "wall")
if "project index" in phases and cpu > 0:
    print()
    print("Project index phase on its own: %.3f s of CPU, %.1f %% of the run's %.3f s of CPU" %
          (phases["project index"], 100 * phases["project index"] / cpu, cpu))
print()
print("Where one run's time goes (\`--timings\`, CPU seconds summed over threads):")
print()
print("\`\`\`")
print(open("$results/ctxlint-timings.txt").read().rstrip())
print("\`\`\`")
print()
print("Scaling (ctxlint, median of $RUNS runs):")
print()
print("| fraction | packages | .rs files | MB | median (s) | files/s | MB/s |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for label, packages, f, b, t in [
    ("1/4", ${#dirs_quarter[@]}, $files_quarter, $bytes_quarter, med("ctxlint-quarter")),
    ("1/2", ${#dirs_half[@]}, $files_half, $bytes_half, med("ctxlint-half")),
    ("1", ${#dirs_all[@]}, files, size, t_ctx),
]:
    print("| %s | %d | %d | %.1f | %.3f | %.0f | %.1f |" % (label, packages, f, mb(b), t, f / t, mb(b) / t))
if $go_done:
    go_files, go_size = ${go_files:-0}, ${go_bytes:-0}
    t_go, t_go_rg = med("go-ctxlint"), med("go-rg")
    print()
    print("Go (%s: %d .go files, %.1f MB):" % ("${go_dirs[*]:-}", go_files, mb(go_size)))
    print()
    print("| command | median (s) | ctxlint / this |")
    print("| --- | ---: | ---: |")
    print("| \`ctxlint --quiet --exit-zero\` | %.3f | 1.00 |" % t_go)
    print("| \`rg -c -t go 'go func'\` | %.3f | %.3g |" % (t_go_rg, t_go / t_go_rg))
    print()
    print("ctxlint on Go: %.0f files/s, %.1f MB/s" % (go_files / t_go, mb(go_size) / t_go))
EOF
say "hyperfine JSON in $results"

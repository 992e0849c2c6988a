#!/usr/bin/env bash
# Precision on applications (docs/precision.md, "Applications"): clones each application
# below at its pinned commit, runs ctxlint on it with every rule at its default level, and
# writes one JSON report per application plus a table of findings per rule.
#
#   bash benches/apps.sh [APPS_DIR] [OUT_DIR]
#
#   APPS_DIR   where the applications are cloned (default: target/apps); an application
#              whose directory already exists is not cloned again (it is used as it is)
#   OUT_DIR    where the reports go (default: target/apps-findings): NAME.json per
#              application and counts.md, the findings per rule, per half and per application
#
# Environment:
#   CTXLINT    the binary to run (default: target/release/ctxlint, built when missing)
#   ONLY       a space-separated list of application names, to run on those only
#
# The first 13 applications were split into two halves before any finding was read: "tune"
# may be used to change the rules, "hold-out" only to measure them. The hold-out's findings
# were read after it was measured, so a second hold-out, "hold-out-2", was added later, never
# used to change a rule. After the second hold-out's findings had been read, a third hold-out,
# "hold-out-3", was pinned before any of its findings was read, and after that a fourth,
# "hold-out-4", in the same way, then a fifth, "hold-out-5", a sixth, "hold-out-6", and a
# seventh, "hold-out-7".
# Triage verdicts are in benches/apps-triage.tsv.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$here/.."
apps_dir="${1:-$root/target/apps}"
out_dir="${2:-$root/target/apps-findings}"
ctxlint="${CTXLINT:-$root/target/release/ctxlint}"

# name  repository  commit  language  half
apps=(
    "linkerd2-proxy   linkerd/linkerd2-proxy         29637b64f6cebedaf15bfbf516818d7a28a4d5a6  rust  tune"
    "qdrant           qdrant/qdrant                  74f3e85b9473c62560006c043e13737ce6b48412  rust  tune"
    "zola             getzola/zola                   b2242262b1df3e238b0b70dce3ae3a5bf3a042e9  rust  tune"
    "lldap            lldap/lldap                    9cc54ab03c5a044bfe574e30a6b6245d45c8e7b9  rust  hold-out"
    "meilisearch      meilisearch/meilisearch        5cb2f2e94befc717bbea60fec4a31ee64d2f60fd  rust  hold-out"
    "neon             neondatabase/neon              6a35a3e9f149798df1b1761ee64099d8d75fbe90  rust  hold-out"
    "1Panel           1Panel-dev/1Panel              376d6609f2eebc2de52b90efcc891eb35484c5f1  go    tune"
    "gin-vue-admin    flipped-aurora/gin-vue-admin   02f37833255e0e339c3d69199cb5a468f17de9fc  go    tune"
    "go-admin         go-admin-team/go-admin         85666f160f2994c17e30e817862befa1cd930535  go    tune"
    "gotify-server    gotify/server                  d543a8aad22fcbebf25e76d201b4317882b5e148  go    tune"
    "caddy            caddyserver/caddy              0cf03d32f7d99cf160d5375e8a40fbe3d910d515  go    hold-out"
    "incubator-answer apache/incubator-answer        f7731bc675930f9cb9fa7a6f6346c102246b2c4d  go    hold-out"
    "nats-server      nats-io/nats-server            1787eee035cf0253c201fa0f05afad92b6f296dc  go    hold-out"
    "lemmy            LemmyNet/lemmy                 439734dd638a2c06a2f907beab7dcf4646e88f86  rust  hold-out-2"
    "svix-webhooks    svix/svix-webhooks             4fc0cfb8b426c87ef7e2b937e7d896a71d456a47  rust  hold-out-2"
    "rustdesk-server  rustdesk/rustdesk-server       538aef71d1265ecb91990434927c745faa766cd8  rust  hold-out-2"
    "kanidm           kanidm/kanidm                  f72676f73006e83bd0819d75a3b1a57fe85beef6  rust  hold-out-2"
    "iggy             apache/iggy                    cc269ef70ef2d78af5102f5560b5b03c9dd81401  rust  hold-out-2"
    "tensorzero       tensorzero/tensorzero          7a6159a4348ff015373d7926f74ac589ca59a0d9  rust  hold-out-2"
    "frp              fatedier/frp                   40274d8c92249043d8cddb6e40b4b23128e18df4  go    hold-out-2"
    "headscale        juanfont/headscale             f20f1f127842c74dd5f6e10254307b65b1aee936  go    hold-out-2"
    "ntfy             binwiederhier/ntfy             81a486adc11fe24efcbedefb28ae946028597c2f  go    hold-out-2"
    "alist            alist-org/alist                2830575490e72a7afc8fd8e6b790a163b92a13b5  go    hold-out-2"
    "one-api          songquanpeng/one-api           8df4a2670b98266bd287c698243fff327d9748cf  go    hold-out-2"
    "Cloudreve        cloudreve/Cloudreve            8fe28897722834f8c3c07df42eff62e9c0920c01  go    hold-out-2"
    "vaultwarden      dani-garcia/vaultwarden        46d71107f5094460dd5ecbe1dbac6e6c71e5189a  rust  hold-out-3"
    "shadowsocks-rust shadowsocks/shadowsocks-rust   6b96a84b9943a5e6b267778e98992c1ff3c5bce1  rust  hold-out-3"
    "sccache          mozilla/sccache                bf757277c5b401ff5c6629de4a165f08024352d9  rust  hold-out-3"
    "pgcat            postgresml/pgcat               5b038813eb14f181434ab7b5509e74d9b1fe123b  rust  hold-out-3"
    "conduwuit        girlbossceo/conduwuit          d8311a5ff672fdc4729d956af5e3af8646b0670d  rust  hold-out-3"
    "nezha            nezhahq/nezha                  1405ba76e567f666248879aa0742248a53a3629c  go    hold-out-3"
    "crawlab          crawlab-team/crawlab           0485310def8b4f31ea20997846a8d5e7dfc681e5  go    hold-out-3"
    "wakapi           muety/wakapi                   2ed2e3faa16185b60aa13e149dd0b956e758aa50  go    hold-out-3"
    "memos            usememos/memos                 76a762924306e782871204f131f4033be5e8e41a  go    hold-out-3"
    "gogs             gogs/gogs                      eb1054e5432fc8397678372f08613429be233d7c  go    hold-out-3"
    "crates.io        rust-lang/crates.io            57fa000662f511321daa61e6769f190ea0e80771  rust  hold-out-4"
    "syncstorage-rs   mozilla-services/syncstorage-rs 0d4b14c30992f8074dcddba90612bdd7b1ceaa8c  rust  hold-out-4"
    "rathole          rapiz1/rathole                 0ee0157b4b9584580dde07a351982d87880f2404  rust  hold-out-4"
    "pueue            Nukesor/pueue                  7564e1078ae90e6eff5a09361c7fb3fbbb5f25c2  rust  hold-out-4"
    "stalwart-mail    stalwartlabs/mail-server       55e62a683048d934a3890e86e6384c65fc29b0f2  rust  hold-out-4"
    "revolt-backend   revoltchat/backend             4fb99e3bd0ccc9bce35070140066edbd38a372b2  rust  hold-out-4"
    "pocketbase       pocketbase/pocketbase          5d217ddb50cb144d80a5d0b0bdf11b52b2c3e457  go    hold-out-4"
    "AdGuardHome      AdguardTeam/AdGuardHome        75e43ab5b251aa5038ebc857595855c5b168b93d  go    hold-out-4"
    "navidrome        navidrome/navidrome            295886cb9a432d375afa796ed8a32db0775464af  go    hold-out-4"
    "miniflux         miniflux/v2                    106cdd09e1557222303f3ed1376e1dadf0638621  go    hold-out-4"
    "filebrowser      filebrowser/filebrowser        833d908884d5c801f30f5c098d7977177eb3a36b  go    hold-out-4"
    "dora             bluecatengineering/dora        64f21e2ae7d28047f46d99355eebc935bda88e15  rust  hold-out-5"
    "garage           deuxfleurs-org/garage          3f4ab3a4a38e382fc54c15580862af55b0257848  rust  hold-out-5"
    "shuttle          shuttle-hq/shuttle             a95d41386faa9e2b8bd09a684b5e5234d6d5650c  rust  hold-out-5"
    "mCaptcha         mCaptcha/mCaptcha              b215a411ed3e53e3c5d77465f73b40d35986ec93  rust  hold-out-5"
    "tremor-runtime   tremor-rs/tremor-runtime       66e238df24d071eaed9e4d431a62ef91e09acef6  rust  hold-out-5"
    "traefik          traefik/traefik                fd5a576df2e8aeb0bfc8a96b6ef6e60a61f7ec0a  go    hold-out-5"
    "woodpecker       woodpecker-ci/woodpecker       a4cb541b82dea1967d5b5577ff80a472b349afb2  go    hold-out-5"
    "photoprism       photoprism/photoprism          382ffa89927f9fa2aca6ab83481177e0d81dd405  go    hold-out-5"
    "authelia         authelia/authelia              23572030b4048922a377ca40d59e804e0ed25fd7  go    hold-out-5"
    "gotenberg        gotenberg/gotenberg            0b16b0ab34e6016cd8c05ed998bfd56ba422229e  go    hold-out-5"
    "bore             ekzhang/bore                   b23beb98a29f0175a400c8fc628663da41c0fb0e  rust  hold-out-6"
    "atuin            atuinsh/atuin                  824c8716d82bed774ee6a83c683087ae77715814  rust  hold-out-6"
    "miniserve        svenstaro/miniserve            4dab4829184483e28b8a4464a3c953130cfe4592  rust  hold-out-6"
    "rustypaste       orhun/rustypaste               7be7bd65f799b9ac61774218bfdb3efbef9b23de  rust  hold-out-6"
    "realm            zhboner/realm                  f3803d6eb986449a83e44c3cd03a21f05d60ec44  rust  hold-out-6"
    "pingap           vicanso/pingap                 f1d48c125b502235bd9375b1445f51b19072726f  rust  hold-out-6"
    "tabby            TabbyML/tabby                  21b29048d7bcf6b94f9f482f2d0fd05efadfd19f  rust  hold-out-6"
    "dkron            distribworks/dkron             3e5ce602e94a79cc07f926d6376536312d4eb279  go    hold-out-6"
    "rustdesk-api     lejianwen/rustdesk-api         c5687e150615bfb00d9d105f0883a2802750a8ad  go    hold-out-6"
    "chisel           jpillora/chisel                44310b65667a97901874ffdf4815b3732c22eaa3  go    hold-out-6"
    "croc             schollz/croc                   3cdb6c7bd356767ba2156a01aae2e1921858460e  go    hold-out-6"
    "rqlite           rqlite/rqlite                  df4edc42bada95cbe2c3445542020ea23a318827  go    hold-out-6"
    "dufs             sigoden/dufs                   30587cedfa0959e7b329f746f07f0b106141219d  rust  hold-out-7"
    "sshx             ekzhang/sshx                   dd42496be83da6a7cbb963aee54ba9402f0ddd98  rust  hold-out-7"
    "warpgate         warp-tech/warpgate             c4b19cbb88d681e7339b34c3da6ffcffecec236a  rust  hold-out-7"
    "aichat           sigoden/aichat                 82976d349ad97ac9aae0655ad631dace5e2a6385  rust  hold-out-7"
    "vector           vectordotdev/vector            c3445d42d2799eb9afe102b71cba7ae96a80942b  rust  hold-out-7"
    "gorush           appleboy/gorush                891b4530db8f5db2beeb44b42665999ab802799f  go    hold-out-7"
    "pgweb            sosedoff/pgweb                 34cc2b831e38b2834e61e8191625c53ccd939431  go    hold-out-7"
    "remark42         umputun/remark42               4793c1cd2c41f3b3c4fcc9a1bb610752eddf9410  go    hold-out-7"
    "gost             ginuerzh/gost                  1d516e35e654c7864a0ce907b021a4799715c832  go    hold-out-7"
    "syncthing        syncthing/syncthing            328d910aee822178f55442c76bc7e35ce34d68cc  go    hold-out-7"
)

if [[ ! -x "$ctxlint" ]]; then
    cargo build --release --manifest-path "$root/Cargo.toml" >&2
fi
mkdir -p "$apps_dir" "$out_dir"

for line in "${apps[@]}"; do
    read -r name repo commit language half <<< "$line"
    if [[ -n "${ONLY:-}" && " $ONLY " != *" $name "* ]]; then
        continue
    fi
    dir="$apps_dir/$name"
    if [[ ! -d "$dir" ]]; then
        echo "apps.sh: cloning $repo at $commit" >&2
        git clone --quiet --filter=blob:none --no-checkout "https://github.com/$repo.git" "$dir"
        git -C "$dir" checkout --quiet "$commit"
    fi
    echo "apps.sh: $name ($language, $half)" >&2
    # ctxlint prints paths as it was given them: run inside the application, so that the
    # reports hold paths relative to its root.
    (cd "$dir" && "$ctxlint" --format json --exit-zero --no-config .) > "$out_dir/$name.json"
done

# The table: findings per rule in each half, then per application.
python3 - "$out_dir" "${apps[@]}" > "$out_dir/counts.md" <<'EOF'
import collections, json, os, sys

out_dir, lines = sys.argv[1], sys.argv[2:]
per_rule = collections.defaultdict(collections.Counter)
per_app = []
for line in lines:
    name, _repo, _commit, language, half = line.split()
    report = os.path.join(out_dir, name + ".json")
    if not os.path.exists(report):
        continue
    findings = json.load(open(report))["findings"]
    rules = collections.Counter(f["rule"] for f in findings)
    for rule, n in rules.items():
        per_rule[rule][half] += n
    per_app.append((half, name, language, len(findings), rules))

# The halves in the order they were added.
halves = list(dict.fromkeys(line.split()[4] for line in lines))
print("| rule | " + " | ".join(halves) + " |")
print("|---" * (len(halves) + 1) + "|")
for rule in sorted(per_rule, key=lambda r: (-sum(per_rule[r].values()), r)):
    print(f"| {rule} | " + " | ".join(str(per_rule[rule][h]) for h in halves) + " |")
print()
print("| half | application | language | findings | per rule |")
print("|---|---|---|---|---|")
for half, name, language, total, rules in per_app:
    detail = ", ".join(f"{r} {n}" for r, n in sorted(rules.items(), key=lambda x: (-x[1], x[0])))
    print(f"| {half} | {name} | {language} | {total} | {detail} |")
EOF
cat "$out_dir/counts.md"

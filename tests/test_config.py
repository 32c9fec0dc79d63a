"""Config validation: every problem named with file, key path and reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from config import ConfigError, load_config
from radar.cli import cli

REPO = Path(__file__).resolve().parents[1]


def test_bundled_demo_config_is_valid() -> None:
    cfg = load_config(REPO / "config" / "demo.yaml")
    assert {b.name for b in cfg.brands} >= {"极光汽车"}
    assert all(s.base_url.startswith("http://127.0.0.1") for s in cfg.sources)


def test_a_source_is_read_by_its_title_else_its_name(tmp_path: Path) -> None:
    # the demo's sources are read in Chinese; the names stay the ids of the API and source:
    demo = load_config(REPO / "config" / "demo.yaml").source_titles()
    assert demo["demo-weibo"] == "微博（演示）" and demo["demo-tousu"] == "黑猫投诉（演示）"
    assert all(title != name for name, title in demo.items())
    f = tmp_path / "c.yaml"
    f.write_text(
        "sources: [{name: a, title: ' 论坛 ', kind: feed, base_url: 'http://h'},"
        " {name: b, kind: feed, base_url: 'http://h'}]",
        encoding="utf-8",
    )
    assert load_config(f).source_titles() == {"a": "论坛", "b": "b"}


@pytest.mark.parametrize(
    ("yaml_text", "key", "message"),
    [
        ("store: {url: 'ftp://x'}", "store.url", "sqlite:///"),
        ("brands: [{name: a, bogus: 1}]", "brands[0].bogus", "unknown key"),
        # a misspelt key names the one meant, or else the keys of its section
        ("brand: [{name: a}]", "brand", "unknown key (did you mean 'brands'?)"),
        ("web: {prot: 8081}", "web.prot", "unknown key (did you mean 'port'?)"),
        (
            "sources: [{name: s, kind: feed, base_url: 'http://h', intervl: 5m}]",
            "sources[0].intervl",
            "unknown key (did you mean 'interval'?)",
        ),
        ("store: {zzz: 1}", "store.zzz", "unknown key (the keys here: url, username, password"),
        ("brands: [{aliases: [x]}]", "brands[0].name", "required key is missing"),
        (
            "sources: [{name: s, kind: weibo, base_url: nope, query: [a]}]",
            "sources[0].base_url",
            "http(s) URL",
        ),
        (
            "sources: [{name: s, kind: weibo, base_url: 'http://h', query: [a], interval: soon}]",
            "sources[0].interval",
            "duration",
        ),
        (
            "sources: [{name: s, kind: weibo, base_url: 'http://h', query: [a],"
            " cookies: {$env: RADAR_TEST_UNSET_VAR}}]",
            "sources[0].cookies",
            "RADAR_TEST_UNSET_VAR is not set",
        ),
        ("sources: [{name: s, kind: rss, base_url: 'http://h'}]", "sources[0].kind", "weibo"),
        ("web: {port: 'eighty'}", "web.port", "integer"),
        ("brands: {name: a}", "brands", "list"),
        ("store: [\n  - x", "line", "YAML syntax error"),
        (
            "brands: [{name: a}]\nweb: {port: 1}\nbrands: [{name: b}]",
            "line 3",
            "duplicate key 'brands'",
        ),
        ("web: {port: 8080, host: h, port: 8081}", "line 1", "duplicate key 'port'"),
        (
            "brands: [{name: a}]\ndemo: {crisis_brand: b}",
            "demo.crisis_brand",
            "unknown brand 'b'",
        ),
        ("brands: [{name: a}, {name: a}]", "brands", "duplicate brand name(s) ['a']"),
        (
            "sources: [{name: s, kind: weibo, base_url: 'http://h', query: []}]",
            "sources[0].query",
            "a weibo search source needs at least one keyword",
        ),
        ("alerts: {surge: {window: 10s}}", "alerts.surge.window", "at least 1m"),
        (
            "sources: [{name: s, kind: weibo, base_url: 'http://h', query: [a], interval: 0}]",
            "sources[0].interval",
            "greater than 0",
        ),
        ("scheduler: {crawl_timeout: 0s}", "scheduler.crawl_timeout", "greater than 0"),
        ("scheduler: {alert_interval: 0}", "scheduler.alert_interval", "greater than 0"),
        (
            "sources: [{name: off, kind: feed, base_url: 'http://h'}]",
            "sources[0].name",
            "YAML reads a bare yes/no/on/off as true/false; quote it",
        ),
        ("brands: [{name: a, aliases: [yes, 好]}]", "brands[0].aliases[0]", "quote it"),
        ("timezone: Mars/Phobos", "timezone", "unknown time zone 'Mars/Phobos'"),
        ("scheduler: {timezone: 'Asia/Shang hai'}", "scheduler.timezone", "unknown time zone"),
        ("timezone: ../../etc/passwd", "timezone", "unknown time zone"),
        (
            "web: {users: [{name: a, role: care, password_hash: radar-care}]}",
            "web.users[0].password_hash",
            "radar web hash-password",
        ),
        (
            "web: {users: [{name: a, role: care, api_token_hash: abc}]}",
            "web.users[0].api_token_hash",
            "radar web new-token",
        ),
        # issue 16 probe 1: a second entry of a name or token acted as the other user
        (
            "web: {users: [{name: a, role: care}, {name: a, role: pr}]}",
            "web.users",
            "user name 'a' is given twice",
        ),
        (
            f"web: {{users: [{{name: a, role: care, api_token_hash: '{'ab' * 32}'}},"
            f" {{name: b, role: pr, api_token_hash: '{'AB' * 32}'}}]}}",
            "web.users",
            "the same api_token_hash is given to 'a' and 'b'",
        ),
        # probe 5: a cookie signed with the key "a" was accepted as admin
        ("web: {secret_key: a}", "web.secret_key", "at least 32 are needed"),
        (
            "web: {secret_key: 'abababababababababababababababababababab'}",
            "web.secret_key",
            "only 2 distinct characters",
        ),
        # probe 14: values that passed the check and then crashed `radar run`
        (
            "sources: [{name: s, kind: weibo, base_url: 'http://h', query: [a],"
            " interval: 99999999999999999999d}]",
            "sources[0].interval",
            "at most 3650d",
        ),
        ("scheduler: {alert_interval: .inf}", "scheduler.alert_interval", "at most 3650d"),
        ("scheduler: {alert_interval: .nan}", "scheduler.alert_interval", "at most 3650d"),
        ("scheduler: {jobs_db: /}", "scheduler.jobs_db", "is a folder"),
        # a cross-key check's key with a list index is the issue's key, not "<top>"
        (
            "brands: [{name: a}]\nnotify: {email: {host: localhost, security: none,"
            " sender: r@x.cn, lists: [{name: x, to: [a@x.cn]}]}}\n"
            "reports: [{name: r, to: 'email:x', brands: [zz]}]",
            "reports[0].brands",
            "unknown brand(s) ['zz']",
        ),
        # a route's brand typo sent the brand's cases to the default channel without a word
        (
            "brands: [{name: 极光汽车}]\nslack: {routes: [{channel: '#c', brands: [极光汽]}]}",
            "slack.routes[0].brands",
            "unknown brand(s) ['极光汽'] (the brands: 极光汽车)",
        ),
        (
            "brands: [{name: a}]\nnotify: {email: {host: localhost, security: none, sender: r@x.cn,"
            " lists: [{name: x, to: [a@x.cn]}]}, routes: [{targets: ['email:x'], brands: [b]}]}",
            "notify.routes[0].brands",
            "unknown brand(s) ['b']",
        ),
        # brand:X and matching cannot tell which brand an alias shared by two means
        (
            "brands: [{name: a}, {name: b, aliases: [a]}]",
            "brands",
            "alias 'a' of 'b' is already the name or an alias of 'a'",
        ),
        (
            "brands: [{name: a, aliases: [x]}, {name: b, aliases: [x]}]",
            "brands",
            "alias 'x' of 'b' is already the name or an alias of 'a'",
        ),
        ("demo: {posts_per_minute: 1e12}", "demo.posts_per_minute", "less than or equal to 6000"),
        # a source's title is what people read and what source: also takes: one line, and
        # naming no other source
        (
            "sources: [{name: s, title: \"微博\\n演示\", kind: feed, base_url: 'http://h'}]",
            "sources[0].title",
            "one line of printable text",
        ),
        (
            "sources: [{name: s, title: " + "长" * 41 + ", kind: feed, base_url: 'http://h'}]",
            "sources[0].title",
            "at most 40 characters",
        ),
        (
            "sources: [{name: a, title: 微博, kind: feed, base_url: 'http://h'},"
            " {name: b, title: 微博, kind: feed, base_url: 'http://h'}]",
            "sources[1].title",
            "'微博' of 'b' is already the name or title of 'a'",
        ),
        (
            "sources: [{name: a, kind: feed, base_url: 'http://h'},"
            " {name: b, title: a, kind: feed, base_url: 'http://h'}]",
            "sources[1].title",
            "'a' of 'b' is already the name or title of 'a'",
        ),
    ],
)
def test_errors_name_file_key_and_reason(
    tmp_path: Path, yaml_text: str, key: str, message: str
) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(yaml_text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(f)
    text = str(err.value)
    assert str(f) in text
    assert any(i.key.startswith(key) and message in i.message for i in err.value.issues), text
    assert not any(i.message.startswith(key + ":") for i in err.value.issues), text


def test_every_error_is_reported_at_once(tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text("store: {url: 'ftp://x'}\nbrands: [{name: a, bogus: 1}]\nweb: {port: 0}\n")
    with pytest.raises(ConfigError) as err:
        load_config(f)
    assert len(err.value.issues) == 3


def test_unset_env_reference_is_one_error_not_two(tmp_path: Path, monkeypatch) -> None:
    """A key that takes text or {$env: NAME}: an unset variable is reported once, without
    the text branch's "Input should be a valid string (got dict ...)"."""
    monkeypatch.delenv("RADAR_TEST_UNSET_KEY", raising=False)
    f = tmp_path / "bad.yaml"
    f.write_text(
        "web:\n  secret_key: {$env: RADAR_TEST_UNSET_KEY}\n"
        "  users: [{name: a, role: care, password_hash: {$env: RADAR_TEST_UNSET_KEY}}]\n"
    )
    with pytest.raises(ConfigError) as err:
        load_config(f)
    assert [(i.key, i.message) for i in err.value.issues] == [
        ("web.secret_key", "environment variable RADAR_TEST_UNSET_KEY is not set"),
        ("web.users[0].password_hash", "environment variable RADAR_TEST_UNSET_KEY is not set"),
    ]
    f.write_text("web: {secret_key: 12}\n")  # not a reference: the type error stays
    with pytest.raises(ConfigError) as err:
        load_config(f)
    assert any("valid string" in i.message for i in err.value.issues)


def test_password_hash_from_env_must_be_argon2(tmp_path: Path, monkeypatch) -> None:
    f = tmp_path / "users.yaml"
    f.write_text("web: {users: [{name: a, role: pr, password_hash: {$env: RADAR_TEST_HASH}}]}")
    monkeypatch.setenv("RADAR_TEST_HASH", "the-password-itself")
    with pytest.raises(ConfigError, match=r"web\.users\[0\]\.password_hash: not an argon2 hash"):
        load_config(f)
    monkeypatch.setenv("RADAR_TEST_HASH", ARGON2_HASH)
    assert load_config(f).web.users[0].name == "a"


def test_secret_from_env_is_read_not_written(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("RADAR_TEST_TOKEN", "xoxb-secret")
    f = tmp_path / "ok.yaml"
    f.write_text("slack: {token: {$env: RADAR_TEST_TOKEN}}\n")
    cfg = load_config(f)
    assert cfg.slack.token is not None and cfg.slack.token.get() == "xoxb-secret"


def test_cli_config_check_exit_codes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    ok = runner.invoke(cli, ["config", "check"])
    assert ok.exit_code == 0, ok.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("brands: [{name: a, bogus: 1}]\n")
    res = runner.invoke(cli, ["config", "check", str(bad)])
    assert res.exit_code == 1
    assert "brands[0].bogus: unknown key" in res.output
    missing = runner.invoke(cli, ["config", "check", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 1 and "file not found" in missing.output
    # an empty file is valid (a fragment), but a service run on it watches nothing
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    res = runner.invoke(cli, ["config", "check", str(empty)])
    assert res.exit_code == 0, res.output
    assert f"warning: {empty}: brands: none configured" in res.output
    assert f"warning: {empty}: sources: none configured" in res.output
    assert "warning" not in ok.output  # the demo config has both
    # robots configured, no web.public_url: their case links would name 127.0.0.1
    robots = tmp_path / "robots.yaml"
    robots.write_text(
        "notify: {wecom: [{name: pr, webhook: {$env: RADAR_TEST_HOOK, optional: true}}]}\n"
    )
    res = runner.invoke(cli, ["config", "check", str(robots)])
    assert res.exit_code == 0, res.output
    assert (
        f"warning: {robots}: web.public_url: not set — the case links in Slack, robot and mail "
        "messages read http://127.0.0.1:8080/cases/…" in res.output
    )
    robots.write_text(robots.read_text() + "web: {public_url: https://radar.example.com}\n")
    assert "public_url" not in runner.invoke(cli, ["config", "check", str(robots)]).output
    # a robot's token in a plain-http URL to another host: said, without the URL
    monkeypatch.setenv("RADAR_TEST_HOOK", "http://relay.example/cgi-bin/webhook/send?key=SECRET")
    res = runner.invoke(cli, ["config", "check", str(robots)])
    assert res.exit_code == 0, res.output
    assert (
        f"warning: {robots}: notify.wecom[0].webhook: plain http to relay.example — the "
        "robot's token in the URL crosses the network unencrypted; use https://" in res.output
    )
    assert "SECRET" not in res.output
    for fine in ("https://relay.example/send?key=SECRET", "http://127.0.0.1:9/send?key=SECRET"):
        monkeypatch.setenv("RADAR_TEST_HOOK", fine)
        assert "plain http" not in runner.invoke(cli, ["config", "check", str(robots)]).output


def test_cli_config_check_reads_radar_config_like_every_command(
    tmp_path: Path, monkeypatch
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("brands: [{name: a, bogus: 1}]\n")
    monkeypatch.setenv("RADAR_CONFIG", str(bad))
    res = CliRunner().invoke(cli, ["config", "check"])
    assert res.exit_code == 1 and "brands[0].bogus: unknown key" in res.output
    monkeypatch.delenv("RADAR_CONFIG")
    assert CliRunner().invoke(cli, ["config", "check"]).exit_code == 0  # the bundled demo


PRODUCTION_ENV = [
    *("RADAR_ES_USER", "RADAR_ES_PASSWORD", "WEIBO_COOKIE", "RADAR_USER_AGENT"),
    *("BILIBILI_COOKIE", "ZHIHU_COOKIE"),
    *("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "RADAR_SECRET_KEY"),
    *("RADAR_HASH_CARE1", "RADAR_HASH_PR1", "RADAR_HASH_CEO"),
]


def test_example_production_config_names_every_missing_secret(monkeypatch) -> None:
    for name in PRODUCTION_ENV:
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError) as err:
        load_config(REPO / "config" / "example-production.yaml")
    missing = " ".join(i.message for i in err.value.issues)
    for name in PRODUCTION_ENV:
        assert f"{name} is not set" in missing


ARGON2_HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"


def test_example_production_config_is_valid_with_its_secrets(monkeypatch) -> None:
    for name in PRODUCTION_ENV:
        monkeypatch.setenv(name, ARGON2_HASH if name.startswith("RADAR_HASH_") else "x")
    monkeypatch.setenv("RADAR_SECRET_KEY", "kR3v-9qLz_T8wYp2Xh6Nc1Bm5Jd7Gf0Sa4Ue")  # a strong one
    cfg = load_config(REPO / "config" / "example-production.yaml")
    assert cfg.store.url.startswith("https://")
    assert {s.kind for s in cfg.sources} == {"weibo", "forum", "feed", "tousu", "bilibili", "zhihu"}


def test_weak_secret_key_is_allowed_in_the_demo_only(tmp_path: Path) -> None:
    f = tmp_path / "demo.yaml"
    f.write_text("demo: {enabled: true}\nweb: {secret_key: a}\n")
    assert load_config(f).web.secret_key == "a"


def test_config_check_refuses_a_shared_api_token(tmp_path: Path) -> None:
    token = "ab" * 32
    f = tmp_path / "users.yaml"
    f.write_text(
        "web:\n  users:\n"
        f"    - {{name: care, role: care, api_token_hash: {token}}}\n"
        f"    - {{name: pr, role: pr, api_token_hash: {token}}}\n"
    )
    result = CliRunner().invoke(cli, ["config", "check", str(f)])
    assert result.exit_code == 1
    assert f"{f}: web.users: the same api_token_hash is given to 'care' and 'pr'" in result.output


@pytest.mark.parametrize(
    ("written", "message"),
    [
        # YAML 1.1 reads an unquoted 9:30 / 25:00 as a number in base 60: it said
        # "Input should be a valid string (got int 570)" for a time the admin never wrote
        ("9:30", "YAML read the unquoted time 9:30 as the number 570: write it in quotes"),
        ("25:00", "YAML read the unquoted time 25:00 as the number 1500"),
        # it read "String should match pattern '^([01]\\d|2[0-3]):[0-5]\\d$'"
        ("'9点'", 'expected a time of day "HH:MM" from 00:00 to 23:59, like "09:00"; got \'9点\''),
        ("'24:00'", 'expected a time of day "HH:MM"'),
        ("9", 'expected a time of day "HH:MM"'),
    ],
)
def test_a_wrong_time_of_day_says_how_to_write_it(
    tmp_path: Path, written: str, message: str
) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(
        f"scheduler: {{digest_time: {written}}}\n"
        "notify: {email: {host: localhost, security: none, sender: r@x.cn,"
        " lists: [{name: x, to: [a@x.cn]}]}}\n"
        f"reports: [{{name: daily, to: 'email:x', at: {written}}}]\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as err:
        load_config(f)
    found = {i.key: i.message for i in err.value.issues}
    assert set(found) == {"scheduler.digest_time", "reports[0].at"}, found
    assert all(message in m for m in found.values()), found


def test_a_time_of_day_reads_with_or_without_its_leading_zero(tmp_path: Path) -> None:
    f = tmp_path / "ok.yaml"
    f.write_text("scheduler: {digest_time: '9:05'}\n", encoding="utf-8")
    assert load_config(f).scheduler.digest_time == "09:05"
    f.write_text("scheduler: {digest_time: '18:30'}\n", encoding="utf-8")
    assert load_config(f).scheduler.digest_time == "18:30"


def test_a_hash_split_at_its_commas_says_to_quote_it(tmp_path: Path) -> None:
    """`radar web hash-password` pasted into a {…} line as the example config writes its
    users: YAML cut the hash at its commas, and config check listed 'web.users[0].t=3:
    unknown key' and 'web.users[0].p=4$…: unknown key' (while the stump '$argon2id$v=19$
    m=65536' passed as a hash)."""
    f = tmp_path / "users.yaml"
    f.write_text(f"web: {{users: [{{name: a, role: pr, password_hash: {ARGON2_HASH}}}]}}\n")
    with pytest.raises(ConfigError) as err:
        load_config(f)
    assert [(i.key, i.message) for i in err.value.issues] == [
        (
            "web.users[0].password_hash",
            "the argon2 hash is cut at its first comma (inside { } YAML splits "
            "$argon2id$v=19$m=65536,t=3,p=4$… at its commas): put the whole hash in quotes: "
            "password_hash: '$argon2id$…'",
        )
    ]
    f.write_text(f"web: {{users: [{{name: a, role: pr, password_hash: '{ARGON2_HASH}'}}]}}\n")
    assert load_config(f).web.users[0].password_hash == ARGON2_HASH
    f.write_text(
        f"web:\n  users:\n    - name: a\n      role: pr\n      password_hash: {ARGON2_HASH}\n"
    )
    assert load_config(f).web.users[0].password_hash == ARGON2_HASH  # a block needs no quotes
    f.write_text("web: {users: [{name: a, role: pr, password_hash: '$argon2id$v=19$x'}]}\n")
    with pytest.raises(ConfigError, match="not an argon2 hash"):
        load_config(f)


def _only_issue(tmp_path: Path, text: str, width: int) -> tuple[str, str]:
    """The one issue a config of ``text`` stops with: its key and the first ``width``
    characters of its message."""
    f = tmp_path / "bad.yaml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(f)
    (issue,) = err.value.issues
    return issue.key, issue.message[:width]


@pytest.mark.parametrize(
    ("brand", "key", "message"),
    [
        # a brand that can match nothing passed config check: watched, never matched
        ("{name: '  '}", "brands[0].name", "a brand needs a name (it is blank)"),
        ("{name: 清泉乳业, aliases: ['']}", "brands[0].aliases", "a blank entry matches nothing"),
        ("{name: 清泉乳业, keywords: [' ']}", "brands[0].keywords", "a blank entry"),
        ("{name: 清泉乳业, exclude: ['']}", "brands[0].exclude", "a blank entry"),
        # an exclusion equal to a term (as matching compares them) silences that term
        (
            "{name: 清泉乳业, aliases: [清泉牛奶], exclude: [清泉石上流, 清泉牛奶]}",
            "brands[0].exclude[1]",
            "'清泉牛奶' is this brand's own term '清泉牛奶': a post naming it would never count",
        ),
        (
            "{name: 星辰Pro, exclude: [星辰ＰＲＯ]}",
            "brands[0].exclude[0]",
            "'星辰ＰＲＯ' is this brand's own term '星辰Pro'",
        ),
    ],
)
def test_a_brand_that_would_match_nothing_is_an_error(
    tmp_path: Path, brand: str, key: str, message: str
) -> None:
    assert _only_issue(tmp_path, f"brands: [{brand}]\n", len(message)) == (key, message)


def test_an_exclusion_containing_a_term_is_fine(tmp_path: Path) -> None:
    f = tmp_path / "ok.yaml"
    f.write_text("brands: [{name: 极光, exclude: [北极光, 看极光]}]\n", encoding="utf-8")
    assert load_config(f).brands[0].exclude == ["北极光", "看极光"]


@pytest.mark.parametrize(
    ("source", "key", "message"),
    [
        # each crawled nothing, ended 'finished' with 0 new, health ok: a silent blind spot
        (
            "{name: s, kind: forum, mode: tieba, base_url: 'https://tieba.baidu.com'}",
            "sources[0].forum_ids",
            "a tieba forum source needs at least one board: a 吧 name",
        ),
        (
            "{name: s, kind: forum, mode: discuz, base_url: 'https://bbs.x.cn'}",
            "sources[0].forum_ids",
            "a discuz forum source needs at least one board: a board's fid",
        ),
        (
            "{name: s, kind: weibo, mode: comments, base_url: 'https://m.weibo.cn'}",
            "sources[0].query",
            "a weibo comments source needs the ids of the posts",
        ),
    ],
)
def test_a_source_that_would_crawl_nothing_is_an_error(
    tmp_path: Path, source: str, key: str, message: str
) -> None:
    assert _only_issue(tmp_path, f"sources: [{source}]\n", len(message)) == (key, message)


def test_the_web_ui_and_the_demo_sources_need_a_port_each(tmp_path: Path) -> None:
    """A copy of the demo given web.port = demo.port started the demo, then stopped with
    'web UI could not start on 127.0.0.1:8765 (port in use?)' — in use by itself."""
    f = tmp_path / "bad.yaml"
    f.write_text("demo: {enabled: true, port: 18765}\nweb: {port: 18765}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(f)
    assert [(i.key, i.message) for i in err.value.issues] == [
        ("web.port", "18765 is also demo.port: the web UI and the demo sources need a port each")
    ]
    f.write_text("demo: {enabled: false, port: 18765}\nweb: {port: 18765}\n", encoding="utf-8")
    assert load_config(f).web.port == 18765  # no demo sources: nothing to share


@pytest.mark.parametrize(
    ("yaml_text", "key", "message"),
    [
        # typed with a Chinese input method: one alias '清泉牛奶，清泉奶' that never matches,
        # and config check said OK
        (
            "brands: [{name: 清泉乳业, aliases: [清泉牛奶，清泉奶]}]",
            "brands[0].aliases[0]",
            "'清泉牛奶，清泉奶' holds the full-width '，': YAML separates list items with ',' "
            "only, so this is one item; write [清泉牛奶, 清泉奶]",
        ),
        (
            "brands: [{name: a, keywords: [x, 清泉酸奶、清泉奶粉]}]",
            "brands[0].keywords[1]",
            "write [清泉酸奶, 清泉奶粉]",
        ),
        (
            "sources: [{name: s, kind: weibo, base_url: 'https://m.weibo.cn',"
            " query: [极光汽车，清泉乳业]}]",
            "sources[0].query[0]",
            "holds the full-width '，'",
        ),
    ],
)
def test_a_full_width_comma_in_a_list_is_named(
    tmp_path: Path, yaml_text: str, key: str, message: str
) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(yaml_text + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(f)
    assert [(i.key, message in i.message) for i in err.value.issues] == [(key, True)], [
        str(i) for i in err.value.issues
    ]


def test_a_full_width_colon_is_named_with_its_line(tmp_path: Path) -> None:
    """'could not find expected ':'' at the line after the one with the '：'."""
    f = tmp_path / "bad.yaml"
    f.write_text("brands:\n  - name: 清泉乳业\n    aliases：[清泉牛奶]\n    keywords: [x]\n")
    with pytest.raises(ConfigError) as err:
        load_config(f)
    [issue] = err.value.issues
    assert issue.message.startswith("YAML syntax error: ")
    assert issue.message.endswith(
        "(line 3 has a full-width colon '：': YAML needs ':' and a space)"
    ), issue.message
    f.write_text("brands:\n  - name: 清泉乳业  # 注释：不是键\n    aliases: [x\n")
    with pytest.raises(ConfigError) as err:  # a '：' in a comment is not the cause
        load_config(f)
    assert "full-width" not in err.value.issues[0].message


def test_a_user_who_cannot_sign_in_is_warned_of(tmp_path: Path) -> None:
    """{name: newguy, role: care} without a hash passed config check silently and the
    start-up banner listed 'login newguy (care)': the admin learnt it from the user."""
    f = tmp_path / "users.yaml"
    f.write_text(
        "web:\n  users:\n"
        f"    - {{name: zhang, role: care, password_hash: '{ARGON2_HASH}'}}\n"
        f"    - {{name: bot, role: pr, api_token_hash: '{'ab' * 32}'}}\n"
        "    - {name: newguy, role: care}\n",
        encoding="utf-8",
    )
    res = CliRunner().invoke(cli, ["config", "check", str(f)])
    assert res.exit_code == 0, res.output  # valid: a login may be kept switched off
    users = [line for line in res.output.splitlines() if "web.users" in line]
    assert users == [
        f"warning: {f}: web.users[2]: 'newguy' has neither password_hash nor api_token_hash "
        "— this user cannot sign in (make a hash with `radar web hash-password`)"
    ], res.output


def test_a_term_two_brands_share_is_warned_of(tmp_path: Path) -> None:
    """A keyword or alias of two brands passed config check silently, and a mention naming
    it counted for both: a warning (not an error) names both brands and the term."""
    f = tmp_path / "brands.yaml"
    f.write_text(
        "brands:\n"
        "  - {name: 极光, aliases: [Aurora], keywords: [极光汽车, 新能源]}\n"
        "  - {name: 星河, aliases: [aurora ], keywords: [新能源, 星河]}\n"
        "  - {name: 北辰, keywords: [北辰汽车]}\n",
        encoding="utf-8",
    )
    res = CliRunner().invoke(cli, ["config", "check", str(f)])
    assert res.exit_code == 0, res.output  # valid: a warning, not an error
    brands = [line for line in res.output.splitlines() if "brands[" in line]
    assert brands == [
        f"warning: {f}: brands[1].aliases[0]: 'aurora' is a term of both '极光' "
        "(brands[0].aliases[0]) and '星河' — a mention naming it counts for both brands; "
        "keep it in one, or use longer phrases",
        f"warning: {f}: brands[1].keywords[0]: '新能源' is a term of both '极光' "
        "(brands[0].keywords[1]) and '星河' — a mention naming it counts for both brands; "
        "keep it in one, or use longer phrases",
    ], res.output  # 星河's keyword 星河 is its own name: one brand, no warning

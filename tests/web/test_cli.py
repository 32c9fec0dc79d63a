"""`radar web hash-password` and `radar web new-token` make what the config holds."""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from click.testing import CliRunner

from radar.cli import cli
from radar.web.auth import token_hash


def test_hash_password_makes_a_verifiable_argon2_hash() -> None:
    r = CliRunner().invoke(cli, ["web", "hash-password", "--password-stdin"], input="s3cret-pass\n")
    assert r.exit_code == 0, r.output
    digest = r.output.strip()
    assert digest.startswith("$argon2id$") and "s3cret" not in digest
    assert PasswordHasher().verify(digest, "s3cret-pass")


def test_hash_password_refuses_short_passwords() -> None:
    r = CliRunner().invoke(cli, ["web", "hash-password", "--password-stdin"], input="short\n")
    assert r.exit_code != 0 and "at least 8 characters" in r.output


def test_new_token_prints_the_token_and_its_hash() -> None:
    r = CliRunner().invoke(cli, ["web", "new-token"])
    assert r.exit_code == 0
    token = re.search(r"shown once\): (\S+)", r.output).group(1)
    digest = re.search(r"config\): ([0-9a-f]{64})", r.output).group(1)
    assert token_hash(token) == digest

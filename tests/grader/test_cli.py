"""The command line (grader.cli): every sandbox limit has its flag, and the flags reach the sandbox."""

import dataclasses

import pytest

from grader import cli, sandbox


def test_every_limit_has_a_flag_with_the_limits_default(capsys):
    args = cli.parser().parse_args(["autograde", "subs"])
    assert cli.limits(args) == sandbox.Limits()
    with pytest.raises(SystemExit):
        cli.main(["autograde", "--help"])
    help_text = capsys.readouterr().out
    for field in dataclasses.fields(sandbox.Limits):
        assert f"--{field.name.replace('_', '-')}" in help_text, field.name


def test_the_limit_flags_reach_the_sandbox():
    args = cli.parser().parse_args(["autograde", "subs", "--memory", "1G", "--processes", "7", "--file-size", "1M",
                                    "--files", "99", "--cpu-time", "5"])
    assert cli.limits(args) == sandbox.Limits(memory=2**30, processes=7, file_size=2**20, files=99, cpu_time=5)


def test_a_size_that_is_not_one_is_refused_by_name(capsys):
    with pytest.raises(SystemExit):
        cli.parser().parse_args(["autograde", "subs", "--memory", "lots"])
    assert "not a size: 'lots'" in capsys.readouterr().err

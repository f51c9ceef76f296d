"""The benchmarks' stopwatch (bench/tools/firstline.c), run on the build host: the
order and size of what it reports, and its refusals. Sleeps set the order of
events; no assertion depends on how fast this machine is beyond them."""
import os

from conftest import ROOT, sh

STOPWATCH = os.path.join(ROOT, "build", "host", "pixen-firstline")


def stopwatch(tmp_path, script, timeout_ms=10000):
    assert os.path.exists(STOPWATCH), f"{STOPWATCH}: run `make test-build`"
    return sh(STOPWATCH, "log", str(timeout_ms), "sh", "-c", script, cwd=str(tmp_path))


def times(out):
    returned_s, first_s = map(float, out.split())
    return returned_s, first_s


def test_a_write_while_the_command_runs_is_timed_before_its_return(tmp_path):
    rc, out = stopwatch(tmp_path, ": > log; sleep 0.3; echo first >> log; sleep 0.5; "
                                  "echo second >> log")
    assert rc == 0, out
    returned_s, first_s = times(out)
    # The empty file made first is not a first line; the second write is not either.
    assert 0.3 <= first_s < returned_s, out
    assert returned_s >= 0.8, out


def test_a_write_after_the_command_returned_is_waited_for(tmp_path):
    rc, out = stopwatch(tmp_path, "(sleep 0.5; echo late > log) >/dev/null 2>&1 &")
    assert rc == 0, out
    returned_s, first_s = times(out)
    assert returned_s < first_s and first_s >= 0.5, out


def test_a_failing_command_is_reported_with_its_status(tmp_path):
    rc, out = stopwatch(tmp_path, "echo x > log; exit 3")
    assert rc == 1 and "sh exited 3" in out, out


def test_no_bytes_before_the_timeout_names_the_file(tmp_path):
    rc, out = stopwatch(tmp_path, "true", timeout_ms=300)
    assert rc == 2 and "log got no bytes after 300 ms" in out, out


def test_a_file_that_already_holds_bytes_is_refused(tmp_path):
    (tmp_path / "log").write_text("old line\n")
    rc, out = stopwatch(tmp_path, "true")
    assert rc == 2 and "log already holds 9 bytes" in out, out

"""Runs one contender in its own process and reports its time and peak memory."""
import subprocess
import sys

# A fresh python wrapper around the command, so its max RSS is the command's own.
WRAPPER = (
    "import resource, subprocess, sys, time;"
    "t=time.perf_counter(); p=subprocess.run(sys.argv[1:], capture_output=True, text=True);"
    "e=time.perf_counter()-t;"
    "sys.stderr.write(p.stderr) if p.returncode else None;"
    "print(e, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss/1024, p.returncode);"
    "print(p.stdout)"
)


def measured(cmd):
    """(seconds, peak MiB, stdout) of `cmd`; exits with its stderr when it fails."""
    proc = subprocess.run([sys.executable, "-c", WRAPPER, *cmd], capture_output=True, text=True)
    lines = proc.stdout.strip().splitlines()
    seconds, rss, code = lines[0].split()
    if code != "0":
        sys.exit(f"{cmd[0]} failed:\n{proc.stderr}")
    return float(seconds), float(rss), "\n".join(lines[1:])

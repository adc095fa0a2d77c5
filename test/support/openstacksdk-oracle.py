"""The openstacksdk oracle for the clouds.yaml tests (run with Debian's /usr/bin/python3).

Reads one JSON request per line on stdin and answers one JSON line on stdout:
  request: {"cwd": dir, "env": {...}, "cloud": name or null, "region_name": name or null}
  answer:  {"stage": "config" | "auth" | "call" | "done", "error": text or null,
            "region_name": ..., "interface": ...}
For each request it replaces the environment and the working directory, reloads
openstack.config.loader (so the clouds.yaml search path is computed again from HOME, XDG_*
and the working directory, as at a fresh start), resolves the cloud with
OpenStackConfig().get_one(), authenticates with a real authorize() and makes one compute
call (GET /flavors). What the cloud received is read from the cloud's own request log by
the test; this script only says how far it got.
"""
import importlib
import json
import logging
import os
import sys
import warnings

warnings.simplefilter("ignore")
logging.disable(logging.CRITICAL)

import openstack.config.loader as loader  # noqa: E402
import openstack.connection  # noqa: E402


def run(req):
    os.environ.clear()
    os.environ.update(req["env"])
    os.chdir(req["cwd"])
    mod = importlib.reload(loader)
    out = {"stage": "config", "error": None, "region_name": None, "interface": None}
    try:
        kwargs = {}
        if req.get("region_name"):
            kwargs["region_name"] = req["region_name"]
        region = mod.OpenStackConfig().get_one(cloud=req.get("cloud"), **kwargs)
        out["region_name"] = region.region_name or None
        out["interface"] = region.get_interface("compute")
        out["stage"] = "auth"
        conn = openstack.connection.Connection(config=region)
        conn.authorize()
        out["stage"] = "call"
        conn.compute.get("/flavors")
        out["stage"] = "done"
    except Exception as e:  # the oracle reports every refusal as text
        out["error"] = "%s: %s" % (type(e).__name__, e)
    return out


def main():
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            answer = run(json.loads(line))
        except Exception as e:
            answer = {"stage": "harness", "error": "%s: %s" % (type(e).__name__, e)}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()

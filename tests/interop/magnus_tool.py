"""magnus's own S3 run log stores (magnus 0.4.22 + magnus-extensions 0.2.13), driven from the
interop tests. Every command prints JSON on stdout.

  magnus_tool.py dump   '<store block json>' RUN_ID        # get_run_log_by_id(full=True) as dict
  magnus_tool.py bytes  '<store block json>' RUN_ID        # json.dumps(dict, indent=4, ensure_ascii=True)
  magnus_tool.py check  '<store block json>' RUN_ID        # validate + search every step and branch
  magnus_tool.py update '<store block json>' RUN_ID        # add a step and set a parameter through magnus
"""
import json
import logging
import sys

logging.disable(logging.CRITICAL)

from magnus_extensions.datastore.chunked_s3.implementation import ChunkedS3Store  # noqa: E402
from magnus_extensions.datastore.s3.implementation import S3Store  # noqa: E402


def store(block):
    kind = {"s3": S3Store, "chunked-s3": ChunkedS3Store}[block["type"]]
    return kind(block["config"])


def walk(steps, out):
    for name, step in steps.items():
        out.append(("step", name))
        for bname, branch in step.branches.items():
            out.append(("branch", bname))
            walk(branch.steps, out)


def main():
    command, block, run_id = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
    s = store(block)
    if command == "dump":
        log = s.get_run_log_by_id(run_id, full=True)
        print(json.dumps(log.dict()))
    elif command == "bytes":
        log = s.get_run_log_by_id(run_id, full=True)
        sys.stdout.write(json.dumps(log.dict(), indent=4, ensure_ascii=True))
    elif command == "check":
        log = s.get_run_log_by_id(run_id, full=True)
        found = []
        names = []
        walk(log.steps, names)
        for kind, name in names:
            if kind == "step":
                step, _ = log.search_step_by_internal_name(name)
                assert step.internal_name == name, (name, step.internal_name)
            else:
                branch, _ = log.search_branch_by_internal_name(name)
                assert branch.internal_name == name, (name, branch.internal_name)
            found.append(name)
        print(json.dumps({"status": log.status, "found": found}))
    elif command == "update":
        step = s.create_step_log("from_magnus", "from_magnus")
        step.status = "SUCCESS"
        s.add_step_log(step, run_id)
        s.set_parameters(run_id, {"set_by_magnus": [1, 2.5, "ü"]})
        print(json.dumps({"ok": True}))
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main()
